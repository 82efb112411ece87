// meshctl: meshlet's admin CLI. Parses the command line, makes one admin call, prints the answer.
// Exit codes: 0 done, 1 meshlet unreachable or the call failed, 2 usage error.
#include "cmd/meshctl/admin_client.hpp"
#include "cmd/meshctl/commands.hpp"
#include "cmd/meshctl/options.hpp"

#include <google/protobuf/stubs/logging.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) {
  using namespace meshlet::meshctl;
  std::signal(SIGPIPE, SIG_IGN); // a peer that closes early is an error line, not a kill
  google::protobuf::SetLogHandler(nullptr); // a bad response is our one error line, not a log
  try {
    auto parsed = parse_options(argc, argv, std::getenv("MESHLET_ADMIN_TOKEN"));
    if (!parsed.value) {
      std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
      if (!parsed.message.empty() && parsed.message.back() != '\n')
        std::fputc('\n', parsed.exit_code == 0 ? stdout : stderr);
      return parsed.exit_code;
    }
    auto r = run_command(*parsed.value, call_admin);
    std::fwrite(r.out.data(), 1, r.out.size(), stdout);
    std::fwrite(r.err.data(), 1, r.err.size(), stderr);
    return r.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "meshctl: internal error: %s\n", e.what());
    return 1;
  }
}
