// yaml_reader: typed, error-collecting access to yaml-cpp nodes for the config loader.
#include "mesh/config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace meshlet::config::detail {

void diagnostics::error(const YAML::Mark& at, std::string message) {
  entries_.push_back(
    entry{std::max(at.line, 0) + 1, std::max(at.column, 0) + 1, std::move(message)});
}

namespace {

// Messages quote the user's text: keep each on one line.
std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

std::vector<std::string> diagnostics::lines() const {
  auto sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const entry& a, const entry& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  std::vector<std::string> out;
  out.reserve(sorted.size());
  for (const auto& e : sorted)
    out.push_back(file_ + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": "
                  + printable(e.message));
  return out;
}

int line_of(const YAML::Mark& m) {
  return std::max(m.line, 0) + 1;
}

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
  case YAML::NodeType::Map:
    return "a map";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Scalar:
    return n.Tag() == "!" ? "the string \"" + n.Scalar() + "\"" : "'" + n.Scalar() + "'";
  default:
    return "nothing";
  }
}

namespace {

std::string join(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty())
      out += ", ";
    out += k;
  }
  return out;
}

// A plain (unquoted) decimal integer.
std::optional<int64_t> plain_integer(const YAML::Node& n) {
  if (!n.IsScalar() || n.Tag() == "!")
    return std::nullopt;
  const auto& s = n.Scalar();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

// A plain (unquoted) decimal number, finite.
std::optional<double> plain_number(const YAML::Node& n) {
  if (!n.IsScalar() || n.Tag() == "!")
    return std::nullopt;
  const auto& s = n.Scalar();
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

} // namespace

map_reader::map_reader(const YAML::Node& map, std::string kind,
                       std::initializer_list<std::string_view> keys, diagnostics& d)
  : map_(map), label_(std::move(kind)), diags_(d) {
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    const YAML::Node k = it->first; // a copy: it-> returns a temporary
    if (!k.IsScalar()) {
      diags_.error(k.Mark(), "keys in " + label_ + " must be strings, got " + kind_of(k));
      continue;
    }
    entries_.push_back(entry{k.Scalar(), k, it->second});
  }
  if (auto* name = find("name");
      name && name->value.IsScalar() && std::find(keys.begin(), keys.end(), "name") != keys.end())
    label_ += " '" + name->value.Scalar() + "'";
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
      diags_.error(e.key_node.Mark(),
                   "unknown key '" + e.key + "' in " + label_ + " (expected: " + join(keys) + ")");
      continue;
    }
    auto first = find(e.key);
    if (first != &e)
      diags_.error(e.key_node.Mark(), "duplicate key '" + e.key + "' in " + label_
                                        + " (first at line "
                                        + std::to_string(line_of(first->key_node.Mark())) + ")");
  }
}

const map_reader::entry* map_reader::find(std::string_view key) const {
  for (const auto& e : entries_)
    if (e.key == key)
      return &e;
  return nullptr;
}

YAML::Mark map_reader::key_mark(std::string_view key) const {
  auto* e = find(key);
  return e ? e->key_node.Mark() : map_.Mark();
}

YAML::Mark map_reader::value_mark(std::string_view key) const {
  auto* e = find(key);
  if (!e)
    return map_.Mark();
  return e->value.IsNull() ? e->key_node.Mark() : e->value.Mark();
}

void map_reader::missing(std::string_view key) {
  diags_.error(map_.Mark(), "missing required key '" + std::string{key} + "' in " + label_);
}

const map_reader::entry* map_reader::typed(std::string_view key, bool required,
                                           YAML::NodeType::value type, std::string_view expected) {
  auto* e = find(key);
  if (!e) {
    if (required)
      missing(key);
    return nullptr;
  }
  if (e->value.Type() != type) {
    diags_.error(value_mark(key), "'" + e->key + "' in " + label_ + " must be "
                                    + std::string{expected} + ", got " + kind_of(e->value));
    return nullptr;
  }
  return e;
}

std::optional<std::string> map_reader::string(std::string_view key, bool required) {
  auto* e = typed(key, required, YAML::NodeType::Scalar, "a string");
  if (!e)
    return std::nullopt;
  return e->value.Scalar();
}

std::optional<int64_t> map_reader::integer(std::string_view key, int64_t min, int64_t max,
                                           bool required) {
  auto* e = find(key);
  if (!e) {
    if (required)
      missing(key);
    return std::nullopt;
  }
  auto v = plain_integer(e->value);
  if (!v || *v < min || *v > max) {
    diags_.error(value_mark(key), "'" + e->key + "' in " + label_ + " must be an integer from "
                                    + std::to_string(min) + " to " + std::to_string(max) + ", got "
                                    + (v ? std::to_string(*v) : kind_of(e->value)));
    return std::nullopt;
  }
  return v;
}

std::optional<double> map_reader::number(std::string_view key, double min, double max,
                                         bool required) {
  auto* e = find(key);
  if (!e) {
    if (required)
      missing(key);
    return std::nullopt;
  }
  auto v = plain_number(e->value);
  if (!v || *v < min || *v > max) {
    diags_.error(value_mark(key), "'" + e->key + "' in " + label_ + " must be a number from "
                                    + format_number(min) + " to " + format_number(max) + ", got "
                                    + (v ? e->value.Scalar() : kind_of(e->value)));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> map_reader::boolean(std::string_view key, bool required) {
  auto* e = find(key);
  if (!e) {
    if (required)
      missing(key);
    return std::nullopt;
  }
  if (e->value.IsScalar() && e->value.Tag() != "!") {
    const auto& s = e->value.Scalar();
    if (s == "true" || s == "True" || s == "TRUE")
      return true;
    if (s == "false" || s == "False" || s == "FALSE")
      return false;
  }
  diags_.error(value_mark(key), "'" + e->key + "' in " + label_ + " must be true or false, got "
                                  + kind_of(e->value));
  return std::nullopt;
}

std::optional<YAML::Node> map_reader::list(std::string_view key, bool required) {
  auto* e = typed(key, required, YAML::NodeType::Sequence, "a list");
  if (!e)
    return std::nullopt;
  return e->value;
}

std::optional<YAML::Node> map_reader::map(std::string_view key, bool required) {
  auto* e = typed(key, required, YAML::NodeType::Map, "a map");
  if (!e)
    return std::nullopt;
  return e->value;
}

std::optional<std::vector<map_reader::string_item>>
map_reader::strings(std::string_view key, std::string_view items, bool required) {
  auto l = list(key, required);
  if (!l)
    return std::nullopt;
  std::vector<string_item> out;
  for (const auto& item : *l) {
    if (!item.IsScalar()) {
      diags_.error(item.IsNull() ? value_mark(key) : item.Mark(),
                   std::string{items} + " in '" + std::string{key} + "' of " + label_
                     + " must be strings, got " + kind_of(item));
      continue;
    }
    out.push_back(string_item{item.Scalar(), item.Mark()});
  }
  return out;
}

bool valid_name(std::string_view name) {
  if (name.empty())
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool valid_header_name(std::string_view name) {
  if (!name.empty() && name.front() == ':')
    name.remove_prefix(1);
  if (name.empty())
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::string to_lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string format_number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::to_string(v);
}

} // namespace meshlet::config::detail
