// scaling: how SWIM's timings grow with the cluster (memberlist's util.go model), as pure
// functions of the member count.
#pragma once

#include <chrono>

namespace meshlet::membership {

using millis = std::chrono::milliseconds;

// The minimum suspicion timeout: mult * max(1, log10(max(1, n))) * interval, to the millisecond.
millis suspicion_timeout(int suspicion_mult, int n, millis probe_interval);

// How many times a broadcast is sent before it is dropped: mult * ceil(log10(n + 1)).
int retransmit_limit(int retransmit_mult, int n);

// Lifeguard: the time left on a suspicion timer that started at `max`, after `confirmations`
// of the `k` wanted independent confirmations and `elapsed` time. The total shrinks from max
// towards min as log(confirmations + 1) / log(k + 1); the result may be negative (expire now).
millis remaining_suspicion_time(int confirmations, int k, millis elapsed, millis min, millis max);

// memberlist's push-pull stretch: the interval times ceil(log2(n) - log2(32)) + 1 above 32 nodes.
millis push_pull_scale(millis interval, int n);

} // namespace meshlet::membership
