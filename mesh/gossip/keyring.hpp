// keyring: the gossip HMAC keys read from --gossip-key FILE. One base64 key (16, 24 or 32
// bytes) a line, `#` starts a comment line, blank lines are skipped. The first key signs, every
// key verifies: to rotate, add the new key second everywhere, then move it first everywhere,
// then remove the old one; no member ever drops a peer's packets on the way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::gossip {

class keyring {
public:
  // At least one key; each 16, 24 or 32 bytes (parse_keyring checks).
  explicit keyring(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  const std::string &signing_key() const { return keys_.front(); }
  const std::vector<std::string> &keys() const { return keys_; }
  std::size_t size() const { return keys_.size(); }

private:
  std::vector<std::string> keys_;
};

struct keyring_result {
  std::optional<keyring> value;
  std::string error; // one line naming the file, the line and why, when !value
};

// `source` names the text in errors (the file name).
keyring_result parse_keyring(std::string_view text, const std::string &source);
keyring_result load_keyring(const std::string &path);

// Strict standard base64 (RFC 4648, with padding; no line breaks inside); nullopt when invalid.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view bytes);

} // namespace meshlet::gossip
