// yaml_reader: typed, error-collecting access to yaml-cpp nodes for the config loader. Every
// problem becomes one "FILE:LINE:COLUMN: message" line and reading goes on.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::config::detail {

// The problems found in one file, reported in file order.
class diagnostics {
public:
  explicit diagnostics(std::string_view file) : file_(file) {}
  // `at` is yaml-cpp's 0-based mark; a null mark reads as 1:1.
  void error(const YAML::Mark& at, std::string message);
  bool empty() const { return entries_.empty(); }
  // "FILE:LINE:COLUMN: message" (1-based), sorted by position.
  std::vector<std::string> lines() const;

private:
  struct entry {
    int line;
    int column;
    std::string message;
  };
  std::string file_;
  std::vector<entry> entries_;
};

// 1-based line of a mark, for "first defined at line N".
int line_of(const YAML::Mark& m);
// "a map", "a list", "a string", "nothing": what a node is, for "expected X, got Y".
std::string kind_of(const YAML::Node& n);
// A YAML map read once: unknown keys, duplicate keys and non-string keys are reported when it
// is built; values are then read by key with their types and ranges checked.
class map_reader {
public:
  // `kind` names the map in messages ("cluster"); when the map has a string 'name', its label
  // says so too ("cluster 'echo'"). `keys` are the accepted keys, in the order messages list.
  map_reader(const YAML::Node& map, std::string kind, std::initializer_list<std::string_view> keys,
             diagnostics& d);

  const std::string& label() const { return label_; }
  YAML::Mark mark() const { return map_.Mark(); }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // Mark of the key itself (or of the map when the key is absent).
  YAML::Mark key_mark(std::string_view key) const;
  // Mark of the value, or of its key when the value is empty (yaml-cpp puts an empty value's
  // mark on the next token).
  YAML::Mark value_mark(std::string_view key) const;

  // Each returns nullopt when the key is absent (an error when `required`) or has the wrong
  // type or range (always reported).
  std::optional<std::string> string(std::string_view key, bool required);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max, bool required);
  // A plain decimal number: 2, 1.5, 1e1 (not inf or nan, not quoted).
  std::optional<double> number(std::string_view key, double min, double max, bool required);
  // Plain true/True/TRUE or false/False/FALSE (not YAML 1.1's yes/no/on/off).
  std::optional<bool> boolean(std::string_view key, bool required);
  std::optional<YAML::Node> list(std::string_view key, bool required);
  std::optional<YAML::Node> map(std::string_view key, bool required);
  // The items of list `key`, each a string with its mark; an item that is not a string is
  // reported as "<items> in 'key' of <label> must be strings, got ..." and skipped.
  struct string_item {
    std::string value;
    YAML::Mark mark;
  };
  std::optional<std::vector<string_item>> strings(std::string_view key, std::string_view items,
                                                  bool required);

  void missing(std::string_view key);

private:
  struct entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const entry* find(std::string_view key) const;
  // The value of `key` when present and of `type` (errors reported otherwise).
  const entry* typed(std::string_view key, bool required, YAML::NodeType::value type,
                     std::string_view expected);

  YAML::Node map_;
  std::string label_;
  std::vector<entry> entries_;
  diagnostics& diags_;
};

// "ab_c-1.x": the characters allowed in listener, cluster and route names.
bool valid_name(std::string_view name);
// An HTTP/2 header name (lower case token characters, optional leading ':').
bool valid_header_name(std::string_view name);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
// The shortest text that reads back as `v` ("2", "1.5").
std::string format_number(double v);
// 'text', for messages.
inline std::string quoted(std::string_view s) {
  return "'" + std::string{s} + "'";
}
// The longest duration a config accepts, in milliseconds (one day).
constexpr int64_t max_duration_ms = 86'400'000;

} // namespace meshlet::config::detail
