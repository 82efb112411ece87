// admin_actor: the admin API's service (meshlet.admin.v1.Admin and grpc.health.v1.Health) as a
// control-plane actor on CAF's scheduler. admin_call actors on I/O thread 0 hand it decoded
// requests; it answers from what the supervisor and the balancers tell it (config, snapshots),
// from reports it asks every I/O thread for (in-flight calls, outlier state, counters), and by
// asking balancers to change endpoints. Reload and drain run on the supervisor's control
// thread through hooks. Never on a call's path.
#pragma once

#include "actors/admin/admin_protocol.hpp"
#include "transport/clock.hpp"

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace meshlet::actors {

struct admin_info {
  std::string version;
  time_point started = now();
  unsigned threads = 1;
  std::string admin_address;
  std::string metrics_address; // the /metrics URL; "" = off
  std::string node_name;       // "" = no gossip
  std::chrono::milliseconds drain_grace{10000};
};

struct admin_hooks {
  // Re-reads the config on the control thread; `done` may run on any thread.
  std::function<void(std::function<void(reload_result)> done)> reload;
  // Starts a graceful drain on the control thread (as SIGTERM does).
  std::function<void()> drain;
  // One per I/O thread: asks it for its report, delivered to `done` on that thread.
  std::vector<std::function<void(std::function<void(worker_report)> done)>> reporters;
};

struct admin_state {
  struct pending_report {
    size_t remaining = 0;
    worker_report merged;
    std::function<void(const worker_report&)> then;
  };

  admin_info info;
  admin_hooks hooks;
  config::config cfg;
  std::string source = "flags";
  balancer_map balancers;
  std::map<std::string, std::pair<cluster_cptr, lb::endpoint_table_ptr>> tables;
  listener_list listeners;
  bool draining = false;
  std::vector<std::pair<caf::actor, std::string>> watchers; // Watch streams and their service
  int32_t serving = -1;                                       // last status told to watchers
  caf::actor mesh;
  uint64_t next_id = 1;
  std::map<uint64_t, pending_report> reports;
  std::map<uint64_t, caf::actor> reloads; // reload id -> caller
  static inline const char* name = "admin";
};

caf::behavior admin_actor(caf::stateful_actor<admin_state>* self, admin_info info,
                          admin_hooks hooks);

} // namespace meshlet::actors
