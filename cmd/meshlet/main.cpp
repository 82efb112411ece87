// meshlet: parse flags, then hand the process to the supervisor.
#include "actors/supervisor/options.hpp"
#include "actors/supervisor/supervisor.hpp"

#include <cstdio>

int main(int argc, char** argv) {
  auto parsed = meshlet::actors::parse_options(argc, argv);
  if (!parsed.value) {
    std::fprintf(parsed.exit_code == 0 ? stdout : stderr, "%s\n", parsed.message.c_str());
    return parsed.exit_code;
  }
  if (!parsed.value->check_config.empty())
    return meshlet::actors::check_config(parsed.value->check_config);
  return meshlet::actors::run(*parsed.value);
}
