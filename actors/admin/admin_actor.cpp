// admin_actor: request dispatch, the health service, reports from the I/O threads, and the
// calls that go on to balancers and the control thread.
#include "actors/admin/admin_actor.hpp"

#include "actors/admin/admin_views.hpp"
#include "actors/mesh/mesh_protocol.hpp"

#include "grpc/health/v1/health.pb.h"

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

namespace meshlet::actors {

namespace {

using self_ptr = caf::stateful_actor<admin_state>*;
using report_timeout_atom = caf::atom_constant<caf::atom("rtimeout")>;
namespace healthpb = ::grpc::health::v1;

constexpr int32_t invalid_argument = 3;
constexpr int32_t not_found = 5;
constexpr int32_t failed_precondition = 9;
constexpr int32_t unavailable = 14;
constexpr int32_t internal = 13;
constexpr int32_t unimplemented = 12;
constexpr auto balancer_timeout = std::chrono::seconds{5};

void reply(self_ptr self, const caf::actor& to, const google::protobuf::Message& m) {
  self->send(to, admin_resp_atom::value, int32_t{0}, std::string{}, m.SerializeAsString());
}

void reply_error(self_ptr self, const caf::actor& to, int32_t code, std::string message) {
  self->send(to, admin_resp_atom::value, code, std::move(message), std::string{});
}

// SERVING (1) when not draining and some cluster has an endpoint to send calls to: eligible,
// and, where the cluster has health checks, proven by at least one passed check.
int32_t serving_status(const admin_state& s) {
  if (s.draining)
    return healthpb::HealthCheckResponse::NOT_SERVING;
  for (auto& [name, entry] : s.tables) {
    bool checked = entry.first->health.enabled;
    for (auto& ep : entry.second->endpoints)
      if (ep.eligible && (!checked || ep.health_passed))
        return healthpb::HealthCheckResponse::SERVING;
  }
  return healthpb::HealthCheckResponse::NOT_SERVING;
}

bool known_health_service(const std::string& service) {
  return service.empty() || service == "meshlet.admin.v1.Admin";
}

void notify_watchers(self_ptr self) {
  auto& s = self->state;
  int32_t now_serving = serving_status(s);
  if (now_serving == s.serving)
    return;
  s.serving = now_serving;
  spdlog::info("admin: health is {}", now_serving == healthpb::HealthCheckResponse::SERVING
                                        ? "SERVING" : "NOT_SERVING");
  for (auto& [who, service] : s.watchers)
    if (known_health_service(service))
      self->send(who, health_update_atom::value, now_serving);
}

// Asks every I/O thread for its report, then runs `then` with the merge (after at most 2 s:
// a thread that does not answer is left out).
void with_report(self_ptr self, std::function<void(const worker_report&)> then) {
  auto& s = self->state;
  if (s.hooks.reporters.empty()) {
    then(worker_report{});
    return;
  }
  uint64_t id = s.next_id++;
  auto& p = s.reports[id];
  p.remaining = s.hooks.reporters.size();
  p.then = std::move(then);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  for (auto& r : s.hooks.reporters)
    r([me, id](worker_report w) { caf::anon_send(me, report_atom::value, id, std::move(w)); });
  self->delayed_send(self, std::chrono::seconds{2}, report_timeout_atom::value, id);
}

void finish_report(self_ptr self, uint64_t id) {
  auto i = self->state.reports.find(id);
  if (i == self->state.reports.end())
    return;
  auto p = std::move(i->second);
  self->state.reports.erase(i);
  p.then(p.merged);
}

template <class Request>
bool parse(self_ptr self, const caf::actor& to, const std::string& body, Request& req) {
  if (req.ParseFromString(body))
    return true;
  reply_error(self, to, invalid_argument,
              "request: malformed " + std::string{req.GetDescriptor()->name()});
  return false;
}

// The answer to SetEndpoint / AddEndpoint / RemoveEndpoint once the balancer changed it.
void endpoint_change(self_ptr self, const caf::actor& to, const std::string& method,
                     const caf::actor& balancer, caf::message msg, std::string address) {
  self->request(balancer, balancer_timeout, std::move(msg))
    .then(
      [self, to, method, address](int32_t code, std::string& message,
                                  lb::endpoint_table_ptr& table) {
        if (code != 0) {
          reply_error(self, to, code, std::move(message));
          return;
        }
        auto& s = self->state;
        auto c = s.tables.find(table->cluster);
        if (c != s.tables.end())
          c->second.second = table;
        if (method == "RemoveEndpoint") {
          reply(self, to, adminpb::RemoveEndpointResponse{});
          return;
        }
        const lb::endpoint* ep = nullptr;
        for (auto& e : table->endpoints)
          if (e.address == address)
            ep = &e;
        if (!ep || c == s.tables.end()) {
          reply_error(self, to, internal, "the endpoint vanished while it was changed");
          return;
        }
        auto view = endpoint_view(*c->second.first, *ep, nullptr);
        if (method == "SetEndpoint") {
          adminpb::SetEndpointResponse r;
          *r.mutable_endpoint() = view;
          reply(self, to, r);
        } else {
          adminpb::AddEndpointResponse r;
          *r.mutable_endpoint() = view;
          reply(self, to, r);
        }
      },
      [self, to](caf::error& err) {
        reply_error(self, to, unavailable,
                    "the cluster's balancer did not answer: " + self->system().render(err));
      });
}

// The cluster's balancer, or an error reply (NOT_FOUND) and nullptr.
caf::actor find_balancer(self_ptr self, const caf::actor& to, const std::string& cluster) {
  auto i = self->state.balancers.find(cluster);
  if (i == self->state.balancers.end()) {
    reply_error(self, to, not_found, "cluster: no cluster named '" + cluster + "'");
    return nullptr;
  }
  return i->second;
}

// Set/Add/RemoveEndpoint after validation: INVALID_ARGUMENT for `bad`, NOT_FOUND for an unknown
// cluster, else `msg` to the cluster's balancer.
void change_endpoint(self_ptr self, const caf::actor& to, const std::string& method,
                     const std::string& cluster, const std::string& bad,
                     const std::string& address, caf::message msg) {
  if (!bad.empty()) {
    reply_error(self, to, invalid_argument, bad);
    return;
  }
  if (auto b = find_balancer(self, to, cluster))
    endpoint_change(self, to, method, b, std::move(msg), address);
}

void handle(self_ptr self, const caf::actor& to, const std::string& method,
            const std::string& body) {
  auto& s = self->state;
  if (method == "health.Check") {
    healthpb::HealthCheckRequest req;
    if (!parse(self, to, body, req))
      return;
    if (!known_health_service(req.service())) {
      reply_error(self, to, not_found, "unknown service '" + req.service() + "'");
      return;
    }
    healthpb::HealthCheckResponse r;
    r.set_status(static_cast<healthpb::HealthCheckResponse_ServingStatus>(serving_status(s)));
    reply(self, to, r);
  } else if (method == "GetStatus") {
    adminpb::GetStatusRequest req;
    if (!parse(self, to, body, req))
      return;
    with_report(self, [self, to](const worker_report& w) {
      auto& s = self->state;
      adminpb::GetStatusResponse r;
      r.set_version(s.info.version);
      r.set_uptime_seconds(std::chrono::duration<double>(now() - s.info.started).count());
      for (auto& [name, address] : s.listeners) {
        auto* l = r.add_listeners();
        l->set_name(name);
        l->set_address(address);
      }
      r.set_threads(s.info.threads);
      r.set_config_source(s.source);
      r.set_admin_address(s.info.admin_address);
      r.set_metrics_address(s.info.metrics_address);
      r.set_draining(s.draining);
      r.set_node_name(s.info.node_name);
      r.set_active_streams(w.streams);
      r.set_active_connections(w.connections);
      reply(self, to, r);
    });
  } else if (method == "ListClusters") {
    adminpb::ListClustersRequest req;
    if (!parse(self, to, body, req))
      return;
    with_report(self, [self, to](const worker_report& w) {
      adminpb::ListClustersResponse r;
      for (auto& [name, entry] : self->state.tables)
        *r.add_clusters() = cluster_view(*entry.first, *entry.second, w);
      reply(self, to, r);
    });
  } else if (method == "ListEndpoints") {
    adminpb::ListEndpointsRequest req;
    if (!parse(self, to, body, req))
      return;
    if (!req.cluster().empty() && !s.tables.count(req.cluster())) {
      reply_error(self, to, not_found, "cluster: no cluster named '" + req.cluster() + "'");
      return;
    }
    with_report(self, [self, to, cluster = req.cluster()](const worker_report& w) {
      adminpb::ListEndpointsResponse r;
      for (auto& [name, entry] : self->state.tables)
        if (cluster.empty() || cluster == name)
          add_endpoint_views(*entry.first, *entry.second, w, r);
      reply(self, to, r);
    });
  } else if (method == "SetEndpoint") {
    adminpb::SetEndpointRequest req;
    if (!parse(self, to, body, req))
      return;
    std::string address;
    auto bad = check_set_endpoint(req, address);
    int64_t weight = req.weight() != 0 ? int64_t{req.weight()} : int64_t{-1};
    int32_t drain = req.drain() == adminpb::DRAIN_CHANGE_DRAIN     ? 1
                    : req.drain() == adminpb::DRAIN_CHANGE_UNDRAIN ? 0
                                                                   : -1;
    change_endpoint(self, to, method, req.cluster(), bad, address,
                    caf::make_message(set_ep_atom::value, address, weight, drain));
  } else if (method == "AddEndpoint") {
    adminpb::AddEndpointRequest req;
    if (!parse(self, to, body, req))
      return;
    std::string address;
    uint32_t weight = req.weight() == 0 ? 1 : req.weight();
    auto bad = check_endpoint_target(req.cluster(), req.address(), address);
    if (bad.empty())
      bad = check_weight_field(weight);
    change_endpoint(self, to, method, req.cluster(), bad, address,
                    caf::make_message(add_ep_atom::value, address, weight));
  } else if (method == "RemoveEndpoint") {
    adminpb::RemoveEndpointRequest req;
    if (!parse(self, to, body, req))
      return;
    std::string address;
    auto bad = check_endpoint_target(req.cluster(), req.address(), address);
    change_endpoint(self, to, method, req.cluster(), bad, address,
                    caf::make_message(remove_ep_atom::value, address));
  } else if (method == "ListMembers") {
    adminpb::ListMembersRequest req;
    if (!parse(self, to, body, req))
      return;
    if (!s.mesh) {
      adminpb::ListMembersResponse r;
      r.set_enabled(false);
      reply(self, to, r);
      return;
    }
    self->request(s.mesh, balancer_timeout, members_atom::value)
      .then([self, to](members_view& v) { reply(self, to, members_response(v)); },
            [self, to](caf::error& err) {
              reply_error(self, to, unavailable,
                          "the mesh actor did not answer: " + self->system().render(err));
            });
  } else if (method == "GetConfig") {
    adminpb::GetConfigRequest req;
    if (!parse(self, to, body, req))
      return;
    adminpb::GetConfigResponse r;
    r.set_yaml(config::to_yaml(s.cfg));
    r.set_source(s.source);
    reply(self, to, r);
  } else if (method == "ReloadConfig") {
    adminpb::ReloadConfigRequest req;
    if (!parse(self, to, body, req))
      return;
    if (!s.hooks.reload) {
      reply_error(self, to, failed_precondition, "reload is not available");
      return;
    }
    uint64_t id = s.next_id++;
    s.reloads[id] = to;
    caf::actor me = caf::actor_cast<caf::actor>(self);
    s.hooks.reload(
      [me, id](reload_result r) { caf::anon_send(me, reloaded_atom::value, id, std::move(r)); });
  } else if (method == "Drain") {
    adminpb::DrainRequest req;
    if (!parse(self, to, body, req))
      return;
    with_report(self, [self, to](const worker_report& w) {
      auto& s = self->state;
      adminpb::DrainResponse r;
      r.set_active_streams(w.streams);
      r.set_grace_ms(static_cast<uint32_t>(s.info.drain_grace.count()));
      reply(self, to, r);
      if (!s.draining && s.hooks.drain) {
        spdlog::info("admin: Drain requested");
        s.hooks.drain();
      }
    });
  } else {
    reply_error(self, to, unimplemented, "unknown method meshlet.admin.v1.Admin/" + method);
  }
}

} // namespace

caf::behavior admin_actor(caf::stateful_actor<admin_state>* self, admin_info info,
                          admin_hooks hooks) {
  self->state.info = std::move(info);
  self->state.hooks = std::move(hooks);
  return {
    [self](admin_req_atom, const std::string& method, const std::string& body, bool) {
      auto to = caf::actor_cast<caf::actor>(self->current_sender());
      if (to)
        handle(self, to, method, body);
    },
    [self](watch_atom, const std::string& service) {
      auto to = caf::actor_cast<caf::actor>(self->current_sender());
      if (!to)
        return;
      self->state.watchers.emplace_back(to, service);
      if (!known_health_service(service))
        self->send(to, health_update_atom::value,
                   int32_t{healthpb::HealthCheckResponse::SERVICE_UNKNOWN});
      else
        self->send(to, health_update_atom::value, serving_status(self->state));
    },
    [self](unwatch_atom) {
      auto from = self->current_sender();
      auto& w = self->state.watchers;
      w.erase(std::remove_if(w.begin(), w.end(),
                             [&](auto& x) { return x.first.address() == from->address(); }),
              w.end());
    },
    [self](report_atom, uint64_t id, worker_report& part) {
      auto i = self->state.reports.find(id);
      if (i == self->state.reports.end())
        return;
      merge_into(i->second.merged, part);
      if (--i->second.remaining == 0)
        finish_report(self, id);
    },
    [self](report_timeout_atom, uint64_t id) {
      if (self->state.reports.count(id)) {
        spdlog::warn("admin: an I/O thread did not report within 2 s; answering without it");
        finish_report(self, id);
      }
    },
    [self](reloaded_atom, uint64_t id, reload_result& r) {
      auto i = self->state.reloads.find(id);
      if (i == self->state.reloads.end())
        return;
      auto to = i->second;
      self->state.reloads.erase(i);
      if (!r.errors.empty()) {
        std::string all;
        for (auto& e : r.errors)
          all += (all.empty() ? "" : "; ") + e;
        reply_error(self, to, failed_precondition, "config rejected: " + all);
        return;
      }
      adminpb::ReloadConfigResponse resp;
      resp.set_clusters(static_cast<uint32_t>(r.clusters));
      resp.set_routes(static_cast<uint32_t>(r.routes));
      resp.set_source(self->state.source);
      reply(self, to, resp);
    },
    [self](config_atom, config::config& cfg, std::string& source) {
      self->state.cfg = std::move(cfg);
      self->state.source = std::move(source);
    },
    [self](balancers_atom, balancer_map& b) {
      auto& s = self->state;
      s.balancers = std::move(b);
      for (auto i = s.tables.begin(); i != s.tables.end();)
        i = s.balancers.count(i->first) ? std::next(i) : s.tables.erase(i);
      notify_watchers(self);
    },
    [self](table_atom, cluster_cptr& c, lb::endpoint_table_ptr& t) {
      auto& s = self->state;
      auto name = c->name;
      s.tables[name] = {std::move(c), std::move(t)};
      notify_watchers(self);
    },
    [self](listeners_atom, listener_list& l, std::string& admin_address,
           std::string& metrics_url, std::string& node_name) {
      auto& s = self->state;
      s.listeners = std::move(l);
      s.info.admin_address = std::move(admin_address);
      s.info.metrics_address = std::move(metrics_url);
      s.info.node_name = std::move(node_name);
    },
    [self](draining_atom) {
      self->state.draining = true;
      notify_watchers(self);
    },
    [self](mesh_atom, caf::actor& m) { self->state.mesh = std::move(m); },
  };
}

} // namespace meshlet::actors
