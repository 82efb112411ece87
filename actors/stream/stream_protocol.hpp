// Messages of the call pipeline: what the downstream connection, the stream and the
// upstream connection actors say to each other. All three live on one I/O thread.
//
//   connection  --(req_data, chunk, end) / (reset, code) / (resp_sent, n)-->  stream
//   stream      --(resp_hdrs, sid, hdrs, end) / (resp_data, sid, chunk, end) /
//                 (resp_trl, sid, hdrs) / (reset, sid, code) / (consume, sid, n) /
//                 (done, sid)-->                                            connection
//   stream      --(open, stream, hdrs, end) / (req_data, up_sid, chunk, end) /
//                 (reset, up_sid, code) / (consume, up_sid, n)-->           upstream
//   upstream    --(opened, up_sid) / (open_fail, why, retryable) / (open_busy) /
//                 (resp_hdrs, hdrs, end) /
//                 (resp_data, chunk, end) / (resp_trl, hdrs) / (up_lost, h2_code, why) /
//                 (req_sent, n)-->                                          stream
#pragma once

#include "transport/h2/headers.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace meshlet::actors {

using req_data_atom = caf::atom_constant<caf::atom("req_data")>;
using resp_hdrs_atom = caf::atom_constant<caf::atom("resp_hdrs")>;
using resp_data_atom = caf::atom_constant<caf::atom("resp_data")>;
using resp_trl_atom = caf::atom_constant<caf::atom("resp_trl")>;
using reset_atom = caf::atom_constant<caf::atom("reset")>;
using consume_atom = caf::atom_constant<caf::atom("consume")>;
using req_sent_atom = caf::atom_constant<caf::atom("req_sent")>;
using resp_sent_atom = caf::atom_constant<caf::atom("resp_sent")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using opened_atom = caf::atom_constant<caf::atom("opened")>;
using open_fail_atom = caf::atom_constant<caf::atom("open_fail")>;
using open_busy_atom = caf::atom_constant<caf::atom("open_busy")>;
using up_lost_atom = caf::atom_constant<caf::atom("up_lost")>;

} // namespace meshlet::actors

// Header blocks travel between actors of one process only, by shared pointer.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::h2::header_block_ptr)
