// meshctl's command line: global flags, one subcommand and its arguments, validated into
// `options`. Usage errors come back with exit code 2 and CLI11's message.
#pragma once

#include "transport/net/address.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace meshlet::meshctl {

enum class command {
  status,
  clusters,
  endpoints,
  set_weight,
  drain_endpoint,
  undrain_endpoint,
  add_endpoint,
  remove_endpoint,
  members,
  config,
  reload,
  drain,
};

enum class output { table, json };

struct options {
  net::address admin;
  std::string admin_text; // as given: the :authority and the error lines
  std::chrono::milliseconds timeout{5000};
  std::string token; // "" = send no authorization header
  output format = output::table;
  command cmd = command::status;
  std::string cluster;
  std::string address;
  uint32_t weight = 0;
};

struct parse_result {
  std::optional<options> value;
  int exit_code = 0;   // when !value: 0 (help printed), 1 or 2
  std::string message; // when !value: for stdout (exit 0) or stderr
};

// env_token: the value of MESHLET_ADMIN_TOKEN, or nullptr. --token-file wins over it.
parse_result parse_options(int argc, char** argv, const char* env_token);

} // namespace meshlet::meshctl
