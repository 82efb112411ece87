// keyring: parsing the key file; base64 through OpenSSL's EVP block coder.
#include "mesh/gossip/keyring.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace meshlet::gossip {
namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
         || c == '/';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0)
    return std::nullopt;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      if (i < text.size() - 2) // padding only in the last two places
        return std::nullopt;
      ++pad;
    } else if (pad > 0 || !is_base64_char(c)) {
      return std::nullopt;
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                          reinterpret_cast<const unsigned char *>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) != out.size())
    return std::nullopt;
  out.resize(out.size() - pad); // EVP_DecodeBlock counts padding as zero bytes
  return out;
}

std::string encode_base64(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                          reinterpret_cast<const unsigned char *>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

keyring_result parse_keyring(std::string_view text, const std::string &source) {
  std::vector<std::string> keys;
  int line_no = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#')
      continue;
    auto where = source + ":" + std::to_string(line_no) + ": ";
    auto key = decode_base64(line);
    if (!key)
      return {std::nullopt, where + "not a base64 key (one key a line, '#' for comments)"};
    if (key->size() != 16 && key->size() != 24 && key->size() != 32)
      return {std::nullopt, where + "key is " + std::to_string(key->size())
                              + " bytes; gossip keys are 16, 24 or 32 bytes"};
    keys.push_back(std::move(*key));
  }
  if (keys.empty())
    return {std::nullopt, source + ": no key (one base64 key of 16, 24 or 32 bytes a line)"};
  return {keyring{std::move(keys)}, {}};
}

keyring_result load_keyring(const std::string &path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return {std::nullopt, path + ": cannot read the gossip key file: " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 64 * 1024)
    return {std::nullopt, path + ": too large for a gossip key file (over 64 KiB)"};
  return parse_keyring(text.str(), path);
}

} // namespace meshlet::gossip
