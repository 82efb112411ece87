// transport/h2 session: the nghttp2 callbacks (recording events) and the body queues
// nghttp2 pulls DATA from.
#include "transport/h2/session.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace meshlet::h2 {

namespace {

// A header block as nghttp2's name/value array: on the stack for up to 24 fields (gRPC
// calls have about ten), on the heap beyond.
class nv_array {
public:
  explicit nv_array(const header_block &h) {
    if (h.size() > inline_.size()) {
      heap_.resize(h.size());
      data_ = heap_.data();
    }
    for (auto f : h)
      data_[size_++] =
        nghttp2_nv{const_cast<uint8_t *>(reinterpret_cast<const uint8_t *>(f.name.data())),
                   const_cast<uint8_t *>(reinterpret_cast<const uint8_t *>(f.value.data())),
                   f.name.size(), f.value.size(), NGHTTP2_NV_FLAG_NONE};
  }
  const nghttp2_nv *data() const { return data_; }
  size_t size() const { return size_; }

private:
  std::array<nghttp2_nv, 24> inline_;
  std::vector<nghttp2_nv> heap_;
  nghttp2_nv *data_ = inline_.data();
  size_t size_ = 0;
};

session &self(void *user) {
  return *static_cast<session *>(user);
}

// A block being received is built with the room its kind's previous block needed (hints_):
// calls on one connection repeat their header sizes, so a block is usually one allocation of
// exactly its size (it is kept for the call's life: the request's for retries).
// A large block (a 20 KB cookie, a hundred metadata fields) does not make the next one large.
constexpr size_t hint_fields_limit = 32;
constexpr size_t hint_bytes_limit = 4096;

int hint_kind(const nghttp2_frame *frame) {
  switch (frame->headers.cat) {
  case NGHTTP2_HCAT_REQUEST:
    return 0;
  case NGHTTP2_HCAT_RESPONSE:
    return 1;
  default:
    return 2; // trailers (and anything else)
  }
}

int on_begin_headers(nghttp2_session *, const nghttp2_frame *frame, void *user) {
  auto &s = self(user);
  s.pending_kind_ = hint_kind(frame);
  auto &hint = s.hints_[s.pending_kind_];
  s.pending_headers_ = make_headers();
  s.pending_headers_->reserve(hint.fields, hint.bytes);
  s.pending_headers_stream_ = frame->hd.stream_id;
  return 0;
}

int on_header(nghttp2_session *, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
              const uint8_t *value, size_t valuelen, uint8_t, void *user) {
  auto &s = self(user);
  if (s.pending_headers_stream_ == 0 || s.pending_headers_stream_ != frame->hd.stream_id)
    return 0;
  s.pending_headers_->add(std::string_view{reinterpret_cast<const char *>(name), namelen},
                          std::string_view{reinterpret_cast<const char *>(value), valuelen});
  return 0;
}

int on_frame_recv(nghttp2_session *, const nghttp2_frame *frame, void *user) {
  auto &s = self(user);
  bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
  case NGHTTP2_HEADERS:
    if (s.pending_headers_stream_ != 0 && s.pending_headers_stream_ == frame->hd.stream_id) {
      auto &hint = s.hints_[s.pending_kind_];
      hint.fields = static_cast<uint32_t>(
        std::clamp<size_t>(s.pending_headers_->size(), 1, hint_fields_limit));
      hint.bytes = static_cast<uint32_t>(std::min<size_t>(s.pending_headers_->bytes_used(),
                                                          hint_bytes_limit));
      event e;
      e.kind = ev::headers;
      e.stream_id = frame->hd.stream_id;
      e.end_stream = end;
      e.block = std::move(s.pending_headers_);
      s.events_.push_back(std::move(e));
    }
    s.pending_headers_stream_ = 0;
    s.pending_headers_.reset();
    break;
  case NGHTTP2_DATA:
    if (end && !s.events_.empty() && s.events_.back().kind == ev::data
        && s.events_.back().stream_id == frame->hd.stream_id && !s.events_.back().end_stream) {
      s.events_.back().end_stream = true; // the frame's last chunk carries the end
    } else if (end) {
      event e;
      e.kind = ev::data;
      e.stream_id = frame->hd.stream_id;
      e.end_stream = true;
      s.events_.push_back(std::move(e));
    }
    break;
  case NGHTTP2_SETTINGS:
    if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0)
      s.events_.push_back(event{ev::settings, false, 0, 0, 0, {}, nullptr});
    break;
  case NGHTTP2_GOAWAY: {
    event e;
    e.kind = ev::goaway;
    e.stream_id = frame->goaway.last_stream_id;
    e.error_code = frame->goaway.error_code;
    s.events_.push_back(std::move(e));
    break;
  }
  default:
    break;
  }
  return 0;
}

int on_data_chunk(nghttp2_session *, uint8_t, int32_t stream_id, const uint8_t *data, size_t len,
                  void *user) {
  event e;
  e.kind = ev::data;
  e.stream_id = stream_id;
  e.data = std::string_view{reinterpret_cast<const char *>(data), len};
  self(user).events_.push_back(std::move(e));
  return 0;
}

int on_frame_send(nghttp2_session *, const nghttp2_frame *frame, void *user) {
  if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR) {
    // nghttp2 handled a connection error itself: keep why, for the owner's log line.
    std::string why =
      std::string{"sent GOAWAY "} + nghttp2_http2_strerror(frame->goaway.error_code);
    if (frame->goaway.opaque_data_len > 0)
      why.append(": ").append(reinterpret_cast<const char *>(frame->goaway.opaque_data),
                              frame->goaway.opaque_data_len);
    self(user).note_error(std::move(why));
  }
  if (frame->hd.type == NGHTTP2_DATA && frame->hd.length > 0) {
    event e;
    e.kind = ev::data_sent;
    e.stream_id = frame->hd.stream_id;
    e.length = frame->hd.length;
    self(user).events_.push_back(std::move(e));
  }
  return 0;
}

int on_stream_close(nghttp2_session *, int32_t stream_id, uint32_t error_code, void *user) {
  event e;
  e.kind = ev::stream_close;
  e.stream_id = stream_id;
  e.error_code = error_code;
  self(user).events_.push_back(std::move(e));
  return 0;
}

ssize_t read_body(nghttp2_session *ng, int32_t stream_id, uint8_t *buf, size_t length,
                  uint32_t *flags, nghttp2_data_source *, void *user) {
  auto &s = self(user);
  auto *o = s.find_out(stream_id);
  if (o == nullptr)
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; // resets just this stream
  size_t copied = 0;
  while (copied < length && o->head < o->chunks.size()) {
    auto &front = o->chunks[o->head];
    size_t n = std::min(length - copied, front.size() - o->offset);
    std::memcpy(buf + copied, front.data() + o->offset, n);
    copied += n;
    o->offset += n;
    if (o->offset == front.size()) {
      ++o->head;
      o->offset = 0;
    }
  }
  if (o->head == o->chunks.size()) {
    o->chunks.clear();
    o->head = 0;
  }
  o->bytes -= copied;
  if (o->bytes == 0 && o->eof) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (o->trailers) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      nv_array nva{*o->trailers};
      if (nghttp2_submit_trailer(ng, stream_id, nva.data(), nva.size()) != 0)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
      o->trailers.reset();
    }
    return static_cast<ssize_t>(copied);
  }
  if (copied == 0) {
    o->deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  if (o->bytes == 0 && s.is_client()) {
    // A request drained but not ended (a client stream waiting for its next message, or an
    // idle call): the DATA item ends here without END_STREAM and queue_data submits a new one
    // when there is more. A waiting request holds no nghttp2 DATA item (~150 bytes); server
    // responses keep theirs deferred, as a server stream's next message usually follows soon.
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    o->provider_attached = false;
    o->reattach = true;
  }
  return static_cast<ssize_t>(copied);
}

} // namespace

session::session(role r, const settings &st) : role_(r) {
  nghttp2_session_callbacks *cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  nghttp2_option *opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_peer_max_concurrent_streams(opt, 100);
  if (r == role::server)
    nghttp2_session_server_new2(&session_, cbs, this, opt);
  else
    nghttp2_session_client_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry iv[] = {
    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, st.max_concurrent_streams},
    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, st.initial_window_size},
    {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, st.max_frame_size},
    {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, st.max_header_list_size},
    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
  };
  // A server must not send ENABLE_PUSH; a client has no use for MAX_CONCURRENT_STREAMS
  // beyond refusing pushes, which ENABLE_PUSH=0 already does.
  size_t n = r == role::server ? 4 : 5;
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, n);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<int32_t>(st.connection_window_size));
}

session::~session() {
  nghttp2_session_del(session_);
}

bool session::recv(const uint8_t *bytes, size_t n) {
  auto rv = nghttp2_session_mem_recv(session_, bytes, n);
  if (rv < 0) {
    last_error_ = nghttp2_strerror(static_cast<int>(rv));
    return false;
  }
  // The connection-level window is acked at once: per-stream windows bound memory.
  size_t data_bytes = 0;
  for (auto &e : events_)
    if (e.kind == ev::data)
      data_bytes += e.data.size();
  if (data_bytes > 0)
    nghttp2_session_consume_connection(session_, data_bytes);
  return true;
}

bool session::send(std::string &out) {
  for (;;) {
    const uint8_t *p = nullptr;
    auto n = nghttp2_session_mem_send(session_, &p);
    if (n < 0) {
      last_error_ = nghttp2_strerror(static_cast<int>(n));
      return false;
    }
    if (n == 0)
      return true;
    out.append(reinterpret_cast<const char *>(p), static_cast<size_t>(n));
  }
}

bool session::want_read() const {
  return nghttp2_session_want_read(session_) != 0;
}

bool session::want_write() const {
  return nghttp2_session_want_write(session_) != 0;
}

session::outbound *session::find_out(int32_t stream_id) {
  auto i = out_.find(stream_id);
  return i == out_.end() ? nullptr : &i->second;
}

session::outbound &session::out_for(int32_t stream_id) {
  return out_[stream_id];
}

int32_t session::submit_request(const header_block &h, bool end_stream) {
  nv_array nva{h};
  nghttp2_data_provider prd{};
  prd.read_callback = read_body;
  auto id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                   end_stream ? nullptr : &prd, nullptr);
  if (id > 0 && !end_stream)
    out_for(id).provider_attached = true;
  return id;
}

bool session::submit_response(int32_t stream_id, const header_block &h, bool end_stream) {
  nv_array nva{h};
  nghttp2_data_provider prd{};
  prd.read_callback = read_body;
  if (!end_stream) {
    auto &o = out_for(stream_id);
    o.provider_attached = true;
  }
  return nghttp2_submit_response(session_, stream_id, nva.data(), nva.size(),
                                 end_stream ? nullptr : &prd)
         == 0;
}

void session::resume(int32_t stream_id, outbound &o) {
  if (o.reattach) {
    // Its DATA item ended with the bytes queued before (read_body): a new one for these.
    nghttp2_data_provider prd{};
    prd.read_callback = read_body;
    // END_STREAM: the frame that reads EOF ends the stream, unless read_body adds
    // NO_END_STREAM (drained again, not ended), as with the item submit_request attached.
    int rv = nghttp2_submit_data(session_, NGHTTP2_FLAG_END_STREAM, stream_id, &prd);
    o.provider_attached = rv == 0 || rv == NGHTTP2_ERR_DATA_EXIST;
    o.reattach = false;
    o.deferred = false;
    return;
  }
  if (o.deferred) {
    o.deferred = false;
    nghttp2_session_resume_data(session_, stream_id);
  }
}

void session::queue_data(int32_t stream_id, std::string &&bytes, bool end_stream) {
  auto &o = out_for(stream_id);
  if (!bytes.empty()) {
    o.bytes += bytes.size();
    o.chunks.push_back(std::move(bytes));
  }
  if (end_stream)
    o.eof = true;
  resume(stream_id, o);
}

void session::submit_trailers(int32_t stream_id, header_block_ptr h) {
  auto &o = out_for(stream_id);
  o.trailers = std::move(h);
  o.eof = true;
  resume(stream_id, o);
}

void session::submit_rst(int32_t stream_id, uint32_t error_code) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, error_code);
}

void session::submit_shutdown_notice() {
  nghttp2_submit_shutdown_notice(session_);
}

void session::submit_goaway(uint32_t error_code) {
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), error_code, nullptr, 0);
}

void session::consume(int32_t stream_id, size_t n) {
  if (n > 0)
    nghttp2_session_consume_stream(session_, stream_id, n);
}

void session::forget(int32_t stream_id) {
  out_.erase(stream_id);
}

size_t session::queued_bytes(int32_t stream_id) const {
  auto i = out_.find(stream_id);
  return i == out_.end() ? 0 : i->second.bytes;
}

uint32_t session::remote_max_concurrent_streams() const {
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

} // namespace meshlet::h2
