// commands: what each meshctl command asks the admin API and how the answer is shown. The call
// itself is passed in, so the whole path from options to output runs without a socket.
#pragma once

#include "cmd/meshctl/call_result.hpp"
#include "cmd/meshctl/options.hpp"
#include "cmd/meshctl/unary_call.hpp"

#include <functional>
#include <string>

namespace meshlet::meshctl {

using admin_caller = std::function<call_result(const net::address&, const call_request&)>;

struct run_result {
  int exit_code = 0;
  std::string out; // for stdout
  std::string err; // one line for stderr (with its newline), or ""
};

run_result run_command(const options& o, const admin_caller& call);

} // namespace meshlet::meshctl
