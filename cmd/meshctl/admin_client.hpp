// admin_client: runs one unary_call against meshlet's admin address over TCP (transport's
// tcp_channel and io::timer on a private io_context) and waits for it, within a timeout.
#pragma once

#include "cmd/meshctl/call_result.hpp"
#include "cmd/meshctl/unary_call.hpp"
#include "transport/net/address.hpp"

namespace meshlet::meshctl {

// Resolves admin.host, connects (each resolved address in turn), makes the call and returns how it
// ended. The whole call, connecting included, gets req.timeout. Never throws.
call_result call_admin(const net::address& admin, const call_request& req);

} // namespace meshlet::meshctl
