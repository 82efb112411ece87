// envelope: sealing and opening meshlet.mesh.v1.Envelope; HMAC through OpenSSL 3's EVP_MAC.
#include "mesh/gossip/envelope.hpp"

#include "meshlet/mesh/v1/gossip.pb.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <limits>

namespace meshlet::gossip {
namespace {

constexpr std::string_view mac_domain = "meshlet-gossip-v1";
constexpr std::size_t mac_size = 32;

EVP_MAC *hmac_algorithm() {
  static EVP_MAC *mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr); // fetched once, kept
  return mac;
}

} // namespace

std::string_view to_string(verdict v) {
  switch (v) {
  case verdict::ok:
    return "ok";
  case verdict::oversize:
    return "oversize";
  case verdict::malformed:
    return "malformed";
  case verdict::bad_mac:
    return "bad_mac";
  case verdict::missing_mac:
    return "missing_mac";
  case verdict::unexpected_mac:
    return "unexpected_mac";
  case verdict::replay:
    return "replay";
  }
  return "unknown";
}

std::string envelope_mac(const std::string &key, channel c, std::uint64_t sent_at_ms,
                         std::string_view payload) {
  unsigned char header[mac_domain.size() + 1 + 8];
  std::copy(mac_domain.begin(), mac_domain.end(), header);
  header[mac_domain.size()] = static_cast<unsigned char>(c);
  for (int i = 0; i < 8; ++i)
    header[mac_domain.size() + 1 + i] = static_cast<unsigned char>(sent_at_ms >> (56 - 8 * i));

  std::string out(mac_size, '\0');
  EVP_MAC *alg = hmac_algorithm();
  EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : nullptr;
  if (ctx == nullptr)
    return {}; // no MAC at all: every peer refuses it (never a forgeable one)
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  std::size_t len = 0;
  bool ok =
    EVP_MAC_init(ctx, reinterpret_cast<const unsigned char *>(key.data()), key.size(), params)
    && EVP_MAC_update(ctx, header, sizeof header)
    && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char *>(payload.data()), payload.size())
    && EVP_MAC_final(ctx, reinterpret_cast<unsigned char *>(out.data()), &len, out.size());
  EVP_MAC_CTX_free(ctx);
  if (!ok || len != mac_size)
    return {};
  return out;
}

envelope::envelope(std::shared_ptr<const keyring> keys, std::chrono::milliseconds replay_window)
  : keys_(std::move(keys)), window_(replay_window), seen_(replay_window) {}

std::string envelope::seal(channel c, std::string_view payload, std::int64_t now_ms) const {
  meshlet::mesh::v1::Envelope e;
  auto sent_at = static_cast<std::uint64_t>(now_ms);
  e.set_payload(payload.data(), payload.size());
  e.set_sent_at_ms(sent_at);
  if (keys_)
    e.set_mac(envelope_mac(keys_->signing_key(), c, sent_at, payload));
  return e.SerializeAsString();
}

opened envelope::open(channel c, std::string_view bytes, std::size_t max_bytes,
                      std::int64_t now_ms) {
  if (bytes.size() > max_bytes)
    return {verdict::oversize, {}};
  meshlet::mesh::v1::Envelope e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return {verdict::malformed, {}};
  if (!keys_) {
    if (!e.mac().empty())
      return {verdict::unexpected_mac, {}};
    return {verdict::ok, std::move(*e.mutable_payload())};
  }
  if (e.mac().empty())
    return {verdict::missing_mac, {}};
  if (e.mac().size() != mac_size)
    return {verdict::bad_mac, {}};
  bool verified = false;
  for (const auto &key : keys_->keys()) {
    auto want = envelope_mac(key, c, e.sent_at_ms(), e.payload());
    if (want.size() == mac_size && CRYPTO_memcmp(want.data(), e.mac().data(), mac_size) == 0) {
      verified = true;
      break;
    }
  }
  if (!verified)
    return {verdict::bad_mac, {}};
  if (e.sent_at_ms() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return {verdict::replay, {}};
  auto sent_at = static_cast<std::int64_t>(e.sent_at_ms());
  auto skew = sent_at > now_ms ? sent_at - now_ms : now_ms - sent_at;
  if (skew > window_.count())
    return {verdict::replay, {}};
  if (!seen_.first_sighting(e.mac(), sent_at, now_ms))
    return {verdict::replay, {}};
  return {verdict::ok, std::move(*e.mutable_payload())};
}

} // namespace meshlet::gossip
