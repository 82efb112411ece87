// config_emit: the effective config as YAML (defaults spelled out), in the shape parse() reads,
// for --check-config output and the admin API.
#include "mesh/config/config.hpp"

#include "mesh/config/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

namespace meshlet::config {

namespace {

// Strings YAML would read back as null are quoted; the emitter quotes the rest as needed.
YAML::Emitter& str(YAML::Emitter& out, const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return out << YAML::DoubleQuoted << s;
  return out << s;
}

YAML::Emitter& key(YAML::Emitter& out, const char* k) {
  return out << YAML::Key << k << YAML::Value;
}

long long ms(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

void emit_lb(YAML::Emitter& out, const lb::policy_config& lb) {
  out << YAML::Flow << YAML::BeginMap;
  str(key(out, "policy"), lb.name);
  if (lb.name == "least_request") {
    key(out, "choice_count") << lb.choice_count;
  } else if (lb.name == "peak_ewma") {
    key(out, "default_rtt_ms") << ms(lb.default_rtt);
    key(out, "decay_ms") << ms(lb.decay);
  } else if (lb.name == "ring_hash") {
    if (!lb.hash_header.empty())
      str(key(out, "hash_header"), lb.hash_header);
    key(out, "ring_size") << lb.ring_size;
  }
  out << YAML::EndMap;
}

// "2.0", "1.5": a fraction point keeps it visibly a number that may have one.
std::string number(double v) {
  auto s = detail::format_number(v);
  return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
}

void emit_statuses(YAML::Emitter& out, const std::set<grpc::status_code>& codes) {
  out << YAML::Flow << YAML::BeginSeq;
  for (auto code : codes)
    out << std::string{grpc::status_name(code)};
  out << YAML::EndSeq;
}

void emit_health(YAML::Emitter& out, const health_check& h) {
  out << YAML::Flow << YAML::BeginMap;
  key(out, "enabled") << h.enabled;
  key(out, "interval_ms") << h.interval.count();
  key(out, "timeout_ms") << h.timeout.count();
  key(out, "unhealthy_threshold") << h.thresholds.unhealthy;
  key(out, "healthy_threshold") << h.thresholds.healthy;
  str(key(out, "service"), h.service);
  key(out, "watch") << h.watch;
  out << YAML::EndMap;
}

void emit_outlier(YAML::Emitter& out, bool enabled, const outlier::outlier_config& o) {
  out << YAML::Flow << YAML::BeginMap;
  key(out, "enabled") << enabled;
  key(out, "consecutive_failures") << o.consecutive_failures;
  emit_statuses(key(out, "failure_statuses"), o.failure_statuses);
  key(out, "base_ejection_ms") << o.base_ejection.count();
  key(out, "max_ejection_ms") << o.max_ejection.count();
  key(out, "max_ejection_percent") << o.max_ejection_percent;
  key(out, "panic_threshold_percent") << o.panic_threshold_percent;
  out << YAML::EndMap;
}

void emit_retry(YAML::Emitter& out, const retry::retry_config& r, const retry::budget_config& b) {
  out << YAML::Flow << YAML::BeginMap;
  key(out, "max_attempts") << r.max_attempts;
  emit_statuses(key(out, "retry_on"), r.retry_on);
  key(out, "methods") << YAML::Flow << YAML::BeginSeq;
  for (const auto& m : r.methods)
    str(out, m);
  out << YAML::EndSeq;
  key(out, "buffer_limit_bytes") << r.buffer_limit;
  key(out, "initial_backoff_ms") << r.initial_backoff.count();
  key(out, "max_backoff_ms") << r.max_backoff.count();
  key(out, "backoff_multiplier") << number(r.backoff_multiplier);
  key(out, "budget") << YAML::Flow << YAML::BeginMap;
  key(out, "ratio_percent") << b.ratio_percent;
  key(out, "min_retries_per_second") << b.min_retries_per_second;
  out << YAML::EndMap << YAML::EndMap;
}

void emit_cluster(YAML::Emitter& out, const cluster& c) {
  out << YAML::BeginMap;
  str(key(out, "name"), c.name);
  emit_lb(key(out, "lb"), c.lb);
  key(out, "dns_refresh_ms") << c.dns_refresh.count();
  key(out, "runtime_endpoints") << c.runtime_endpoints;
  emit_health(key(out, "health"), c.health);
  emit_outlier(key(out, "outlier"), c.outlier_enabled, c.outlier);
  emit_retry(key(out, "retry"), c.retry, c.retry_budget);
  key(out, "endpoints") << YAML::BeginSeq;
  for (const auto& e : c.endpoints) {
    out << YAML::Flow << YAML::BeginMap;
    str(key(out, "address"), e.address);
    key(out, "weight") << e.weight;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

void emit_match(YAML::Emitter& out, const route_match& m) {
  out << YAML::Flow << YAML::BeginMap;
  if (!m.service.empty())
    str(key(out, "service"), m.service);
  if (!m.method.empty())
    str(key(out, "method"), m.method);
  if (!m.path_prefix.empty())
    str(key(out, "path_prefix"), m.path_prefix);
  if (!m.headers.empty()) {
    key(out, "headers") << YAML::BeginMap;
    for (const auto& h : m.headers)
      out << YAML::Key << h.name << YAML::Value << YAML::DoubleQuoted << h.exact;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_route(YAML::Emitter& out, const route& r) {
  out << YAML::BeginMap;
  str(key(out, "name"), r.name);
  const auto& m = r.match;
  if (!m.service.empty() || !m.method.empty() || !m.path_prefix.empty() || !m.headers.empty())
    emit_match(key(out, "match"), m);
  if (r.clusters.size() == 1 && r.clusters.front().weight == 1) {
    str(key(out, "cluster"), r.clusters.front().cluster);
  } else {
    key(out, "split") << YAML::BeginSeq;
    for (const auto& w : r.clusters) {
      out << YAML::Flow << YAML::BeginMap;
      str(key(out, "cluster"), w.cluster);
      key(out, "weight") << w.weight;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void emit_listener(YAML::Emitter& out, const listener& l) {
  out << YAML::BeginMap;
  str(key(out, "name"), l.name);
  str(key(out, "address"), l.address);
  key(out, "routes") << YAML::Flow << YAML::BeginSeq;
  for (const auto& r : l.routes)
    str(out, r);
  out << YAML::EndSeq << YAML::EndMap;
}

} // namespace

std::string to_yaml(const config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (!c.listeners.empty()) {
    key(out, "listeners") << YAML::BeginSeq;
    for (const auto& l : c.listeners)
      emit_listener(out, l);
    out << YAML::EndSeq;
  }
  key(out, "clusters") << YAML::BeginSeq;
  for (const auto& cl : c.clusters)
    emit_cluster(out, cl);
  out << YAML::EndSeq;
  if (!c.routes.empty()) {
    key(out, "routes") << YAML::BeginSeq;
    for (const auto& r : c.routes)
      emit_route(out, r);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string{out.c_str()} + "\n";
}

} // namespace meshlet::config
