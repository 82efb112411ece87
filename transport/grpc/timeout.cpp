// grpc-timeout parsing (strict, saturating) and formatting (finest unit, rounded up).
#include "transport/grpc/timeout.hpp"

#include <array>
#include <cstdint>

namespace meshlet::grpc {

namespace {

constexpr std::size_t max_digits = 8;
constexpr std::int64_t max_value = 99'999'999;

struct unit {
  char symbol;
  std::int64_t nanos;
};

// Finest first: format_timeout takes the first that fits.
constexpr std::array<unit, 6> units = {{
    {'n', 1},
    {'u', 1'000},
    {'m', 1'000'000},
    {'S', 1'000'000'000},
    {'M', 60 * std::int64_t{1'000'000'000}},
    {'H', 3'600 * std::int64_t{1'000'000'000}},
}};

std::optional<std::int64_t> unit_nanos(char symbol) {
  for (const auto& u : units) {
    if (u.symbol == symbol) return u.nanos;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_timeout(std::string_view value) {
  if (value.size() < 2 || value.size() > max_digits + 1) return std::nullopt;
  auto nanos_per_unit = unit_nanos(value.back());
  if (!nanos_per_unit) return std::nullopt;
  std::int64_t number = 0;
  for (char c : value.substr(0, value.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + (c - '0');
  }
  // number <= 99999999, so the comparison below cannot overflow; the product is only formed
  // when it is known to stay within max_timeout.
  const std::int64_t cap = max_timeout.count();
  if (number > cap / *nanos_per_unit) return max_timeout;
  return std::chrono::nanoseconds{number * *nanos_per_unit};
}

std::string format_timeout(std::chrono::nanoseconds remaining) {
  const std::int64_t nanos = remaining.count();
  if (nanos <= 0) return "1n";
  for (const auto& u : units) {
    // Rounded-up division without forming nanos + u.nanos - 1, which could overflow.
    std::int64_t count = nanos / u.nanos + (nanos % u.nanos != 0 ? 1 : 0);
    if (count <= max_value) return std::to_string(count) + u.symbol;
  }
  // Unreachable: int64 max nanoseconds is about 2.6 million hours, well within 8 digits of H.
  return std::to_string(max_value) + 'H';
}

}  // namespace meshlet::grpc
