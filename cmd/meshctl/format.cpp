// format: the small value formatters behind meshctl's tables.
#include "cmd/meshctl/format.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace meshlet::meshctl {

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "-";
  if (seconds > 1e12) // ~31,700 years: not a real uptime, but no overflow either
    seconds = 1e12;
  auto s = static_cast<uint64_t>(seconds);
  uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  s %= 60;
  std::string out;
  if (d > 0)
    out += std::to_string(d) + "d";
  if (d > 0 || h > 0)
    out += std::to_string(h) + "h";
  if (d > 0 || h > 0 || m > 0)
    out += std::to_string(m) + "m";
  return out + std::to_string(s) + "s";
}

std::string format_ms(double ms) {
  if (!std::isfinite(ms))
    return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", ms);
  return buf;
}

std::string enum_short(const google::protobuf::EnumDescriptor* type, int value) {
  if (value == 0)
    return "-";
  auto* v = type->FindValueByNumber(value);
  if (v == nullptr)
    return std::to_string(value);
  // The prefix is what the zero value's name has before "UNSPECIFIED" (e.g. "HEALTH_STATE_").
  std::string prefix;
  if (auto* zero = type->FindValueByNumber(0)) {
    const std::string& z = zero->name();
    constexpr std::string_view unspecified = "UNSPECIFIED";
    if (z.size() > unspecified.size() && z.compare(z.size() - unspecified.size(),
                                                   unspecified.size(), unspecified) == 0)
      prefix = z.substr(0, z.size() - unspecified.size());
  }
  std::string name = v->name();
  if (!prefix.empty() && name.compare(0, prefix.size(), prefix) == 0)
    name.erase(0, prefix.size());
  for (auto& c : name)
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

} // namespace meshlet::meshctl
