// table: column widths (in UTF-8 code points) and padding.
#include "cmd/meshctl/table.hpp"

#include <algorithm>

namespace meshlet::meshctl {

namespace {

constexpr size_t gap = 3;

size_t width(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80)
      ++n;
  return n;
}

} // namespace

std::string align(const std::vector<row>& rows) {
  std::vector<size_t> widths;
  for (auto& r : rows) {
    if (widths.size() < r.size())
      widths.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i)
      widths[i] = std::max(widths[i], width(r[i]));
  }
  std::string out;
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line.append(widths[i] - width(r[i]) + gap, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string cell(std::string_view text) {
  if (text.empty())
    return "-";
  std::string out{text};
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  return out;
}

} // namespace meshlet::meshctl
