// sweep.h — what the media folder no longer needs (DESIGN.md, "Sweeping the media folder"): uploads
// a device began and never finished within N days, and files named like an upload, a day old or
// more, that no upload row names. Run by `samvad-central sweep` and, once at start and then every
// day, by `serve` itself. Safe while `serve` runs.
#pragma once
#include <atomic>
#include <cstdint>
#include <ctime>
#include <string>

#include "sync/central/storage.h"

namespace samvad::central {

struct SweepReport {
  bool ok = true;            // false: something was left (every error is in `problems`)
  std::string problems;      // one line per error, "; "-separated
  std::int64_t uploads = 0;  // unfinished uploads forgotten
  std::int64_t upload_bytes = 0;
  std::int64_t orphans = 0;  // files no upload named, removed
  std::int64_t orphan_bytes = 0;
  bool interrupted = false;  // `stop` was set: what is left waits for the next sweep
};

// Forgets uploads not finished within `days` of `now`, then removes their files and the orphans.
// The media folder is read as a stream and checked against the database kLookupBatch names at a
// time, so memory stays bounded on a city's folder (every finished photo is named like an upload
// and over a day old: they are all looked up). When `stop` is given and becomes true, the sweep
// ends at the next file, having made what it removed durable (serve's shutdown).
inline constexpr std::size_t kLookupBatch = 500;
SweepReport SweepMedia(Storage& db, const std::string& media_dir, int days, std::time_t now,
                       const std::atomic<bool>* stop = nullptr);

// "swept 1 upload(s) not finished within 30 days (0.1 MB) and 2 file(s) no upload names (0.0 MB)"
std::string SweepSummary(const SweepReport& r, int days);

}  // namespace samvad::central
