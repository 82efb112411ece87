// Messages of the call pipeline: what the downstream connection, the stream and the
// upstream connection actors say to each other. All three live on one I/O thread.
//
// What arrives together travels together: the connection creates a call's stream actor with
// the request body that came in the same read as its HEADERS, the stream opens the upstream
// stream with headers and that body in one `open`, and the upstream connection hands back a
// response's headers, data and trailers that arrived together as one `response_part`. A
// unary call is three messages (open, resp, resp), not a dozen.
//
//   connection  --(req_data, chunk, end) / (reset, code) / (resp_sent, n)-->  stream
//   stream      --(resp, sid, response_part) / (consume, sid, n) /
//                 (done, sid)-->                                            connection
//               (a part with `end` is the stream's last word: no `done` follows it)
//   stream      --(open, stream, call, hdrs, body, end) / (req_data, call, chunk, end) /
//                 (reset, call, code) / (consume, call, n)-->               upstream
//   upstream    --(opened, call) / (open_fail, call, why, retryable, body) /
//                 (open_busy, call, body) / (resp, call, response_part) /
//                 (up_lost, call, h2_code, why) / (req_sent, call, n)-->   stream
//
// `call` is the attempt's token (io_worker::next_call()), chosen by the stream before the
// upstream stream id exists, so the stream can speak of its attempt at once and drops what
// an earlier attempt's connection still says after a retry. `opened` comes only for an open
// whose request had not ended: the stream holds further body bytes until then, because an
// open that fails or finds no room hands its body back (open_fail, open_busy) for the next
// try, and bytes sent meanwhile would be lost. A unary call never waits for it.
#pragma once

#include "transport/h2/headers.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>

namespace meshlet::actors {

using req_data_atom = caf::atom_constant<caf::atom("req_data")>;
using resp_atom = caf::atom_constant<caf::atom("resp")>;
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

// Response frames of one call that arrived together, in their order: headers (or a
// Trailers-Only block when `end` and nothing else), body bytes, trailers.
struct response_part {
  h2::header_block_ptr headers;
  std::string data;
  bool has_data = false; // a DATA frame came (possibly empty, e.g. a bare END_STREAM)
  h2::header_block_ptr trailers;
  bool end = false;      // the response ended with this part

  // Headers that end the response on their own (gRPC's Trailers-Only form).
  bool trailers_only() const { return headers && end && !has_data && !trailers; }
};

} // namespace meshlet::actors

// Header blocks and response parts travel between actors of one process only (one thread).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::h2::header_block_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(meshlet::actors::response_part)
