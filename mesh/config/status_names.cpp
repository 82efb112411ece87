// status_names: gRPC status codes in meshlet.yaml, read by name.
#include "mesh/config/status_names.hpp"

namespace meshlet::config::detail {

namespace {

constexpr int last_code = static_cast<int>(grpc::status_code::unauthenticated);

// For "(expected: ...)": every name but OK.
std::string names_but_ok() {
  std::string out;
  for (int i = 1; i <= last_code; ++i)
    out += (out.empty() ? "" : ", ") + std::string{grpc::status_name(grpc::status_code{i})};
  return out;
}

} // namespace

std::optional<grpc::status_code> status_from_name(std::string_view name) {
  auto upper = to_upper(name);
  for (int i = 0; i <= last_code; ++i)
    if (grpc::status_name(grpc::status_code{i}) == upper)
      return grpc::status_code{i};
  return std::nullopt;
}

std::optional<std::set<grpc::status_code>> read_status_set(map_reader& m, std::string_view key,
                                                           diagnostics& diags) {
  auto items = m.strings(key, "status names", false);
  if (!items)
    return std::nullopt;
  const std::string where = quoted(key) + " of " + m.label();
  std::set<grpc::status_code> out;
  for (const auto& item : *items) {
    auto code = status_from_name(item.value);
    if (!code)
      diags.error(item.mark, "unknown status " + quoted(item.value) + " in " + where
                               + " (expected: " + names_but_ok() + ")");
    else if (*code == grpc::status_code::ok)
      diags.error(item.mark, quoted(key) + " in " + m.label() + " cannot include OK");
    else if (!out.insert(*code).second)
      diags.error(item.mark, quoted(grpc::status_name(*code)) + " is listed twice in " + where);
  }
  return out;
}

} // namespace meshlet::config::detail
