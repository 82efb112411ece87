// access: who may call the admin API's mutating methods. Pure functions, unit-tested.
// Without a token file, loopback peers may mutate and nobody else may; with a token file,
// every mutating call must carry `authorization: Bearer <token>` (loopback included: a token
// that is configured is required).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace meshlet::actors {

// The methods that change state (SetEndpoint, AddEndpoint, RemoveEndpoint, ReloadConfig, Drain).
bool is_mutating(std::string_view method);

// `peer_ip` as the socket reports it ("127.0.0.1", "::1", "::ffff:127.0.0.1"...).
bool is_loopback(std::string_view peer_ip);

// "" when allowed, otherwise why not (the PERMISSION_DENIED message). `authorization` is the
// request's header value (nullopt when absent); `token` the configured one ("" = none).
std::string check_access(std::string_view method, std::string_view peer_ip,
                         std::optional<std::string_view> authorization, const std::string& token);

struct token_result {
  std::optional<std::string> token;
  std::string error;
};
// Reads a token file: its content with surrounding whitespace trimmed; an unreadable or empty
// file is an error.
token_result load_token_file(const std::string& path);

} // namespace meshlet::actors
