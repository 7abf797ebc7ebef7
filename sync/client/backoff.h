// backoff.h — how long to wait before trying central again: "full jitter" (a uniform draw in
// [0, min(cap, base·2^n)], n = failures in a row without progress), never less than what the
// server asked for with Retry-After. Full jitter spreads a ward's kiosks apart when central comes
// back after an outage, instead of having them all retry on the same exponential beat.
// Pure arithmetic over a caller-owned random engine, so tests can pin it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <random>

namespace samvad::sync {

struct BackoffPolicy {
  std::int64_t base_ms = 2'000;
  std::int64_t cap_ms = 10 * 60'000;  // a kiosk that tries every ten minutes at worst
};

// The ceiling of the draw after `failures` (≥ 1) failures in a row: min(cap, base·2^(failures-1)).
inline std::int64_t BackoffCeilingMs(const BackoffPolicy& p, int failures) {
  std::int64_t c = std::max<std::int64_t>(p.base_ms, 1);
  for (int i = 1; i < failures && c < p.cap_ms; ++i) c *= 2;
  return std::min(c, p.cap_ms);
}

// The wait before the next try. `retry_after_s` < 0 means the server did not ask.
inline std::int64_t BackoffDelayMs(const BackoffPolicy& p, int failures, std::int64_t retry_after_s,
                                   std::mt19937_64& rng) {
  std::uniform_int_distribution<std::int64_t> draw(0, BackoffCeilingMs(p, std::max(failures, 1)));
  const std::int64_t jitter = draw(rng);
  return retry_after_s >= 0 ? std::max(jitter, retry_after_s * 1000) : jitter;
}

}  // namespace samvad::sync
