// sweep.h — what the media folder no longer needs (DESIGN.md, "Sweeping the media folder"): uploads
// a device began and never finished within N days, and files named like an upload, a day old or
// more, that no upload row names. Run by `samvad-central sweep` and, once at start and then every
// day, by `serve` itself. Safe while `serve` runs.
#pragma once
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
};

// Forgets uploads not finished within `days` of `now`, then removes their files and the orphans.
SweepReport SweepMedia(Storage& db, const std::string& media_dir, int days, std::time_t now);

// "swept 1 upload(s) not finished within 30 days (0.1 MB) and 2 file(s) no upload names (0.0 MB)"
std::string SweepSummary(const SweepReport& r, int days);

}  // namespace samvad::central
