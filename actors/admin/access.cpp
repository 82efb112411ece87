// access: mutating-method list, loopback test, bearer token check, token file.
#include "actors/admin/access.hpp"

#include <asio/ip/address.hpp>
#include <openssl/crypto.h>

#include <array>
#include <fstream>
#include <sstream>

namespace meshlet::actors {

bool is_mutating(std::string_view method) {
  static constexpr std::array<std::string_view, 5> mutating{
    "SetEndpoint", "AddEndpoint", "RemoveEndpoint", "ReloadConfig", "Drain"};
  for (auto m : mutating)
    if (m == method)
      return true;
  return false;
}

bool is_loopback(std::string_view peer_ip) {
  asio::error_code ec;
  auto a = asio::ip::make_address(std::string{peer_ip}, ec);
  if (ec)
    return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}

std::string check_access(std::string_view method, std::string_view peer_ip,
                         std::optional<std::string_view> authorization, const std::string& token) {
  if (!is_mutating(method))
    return {};
  if (token.empty()) {
    if (is_loopback(peer_ip))
      return {};
    return std::string{method} + " is allowed from loopback only (or configure --admin-token-file)";
  }
  constexpr std::string_view bearer = "Bearer ";
  if (!authorization)
    return std::string{method} + " needs 'authorization: Bearer <token>'";
  std::string_view v = *authorization;
  if (v.size() != bearer.size() + token.size() || v.substr(0, bearer.size()) != bearer
      || CRYPTO_memcmp(v.data() + bearer.size(), token.data(), token.size()) != 0)
    return std::string{method} + ": wrong bearer token";
  return {};
}

token_result load_token_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return {std::nullopt, "cannot read --admin-token-file " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  auto first = t.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {std::nullopt, "--admin-token-file " + path + " is empty"};
  auto last = t.find_last_not_of(" \t\r\n");
  t = t.substr(first, last - first + 1);
  for (char c : t)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return {std::nullopt, "--admin-token-file " + path
                              + ": the token must be one word of printable ASCII"};
  return {std::move(t), {}};
}

} // namespace meshlet::actors
