// sweep.cpp — see sweep.h.
#include "sync/central/sweep.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <vector>

namespace samvad::central {

namespace {

void Problem(SweepReport* r, const std::string& what) {
  r->ok = false;
  if (!r->problems.empty()) r->problems += "; ";
  r->problems += what;
}

// Removes `dir`/`name`, adding its size to `bytes`; false (noted in `r`) on an error other than
// "already gone".
bool RemoveMediaFile(const std::string& dir, const std::string& name, std::int64_t* bytes, SweepReport* r) {
  const std::string path = dir + "/" + name;
  struct stat st{};
  const bool sized = ::stat(path.c_str(), &st) == 0;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    Problem(r, "unlink " + path + ": " + std::strerror(errno));
    return false;
  }
  if (sized) *bytes += st.st_size;
  return true;
}

}  // namespace

SweepReport SweepMedia(Storage& db, const std::string& media, int days, std::time_t now,
                       const std::atomic<bool>* stop) {
  SweepReport r;
  const auto stopped = [&] {
    if (stop && stop->load(std::memory_order_relaxed)) r.interrupted = true;
    return r.interrupted;
  };
  // 1. Rows first (durable), then their files: a crash between leaves files step 2 removes.
  std::vector<std::string> forgotten;
  const std::int64_t before = static_cast<std::int64_t>(now) - std::int64_t{days} * 86400;
  if (const Status st = db.ForgetAbandonedUploads(before, &forgotten); !st.ok()) {
    Problem(&r, st.message);
    return r;
  }
  r.uploads = static_cast<std::int64_t>(forgotten.size());
  bool removed = false;
  for (const std::string& id : forgotten) {
    if (stopped()) break;  // their rows are gone: step 2 of a later sweep takes the files
    removed |= RemoveMediaFile(media, id, &r.upload_bytes, &r);
  }
  // 2. Files named like an upload, a day old at least, that no row names. A younger one may
  // belong to an upload or an import still being written. Checked a batch at a time.
  std::vector<std::string> batch;
  const auto settle = [&]() -> bool {
    std::set<std::string> known;
    if (const Status st = db.KnownUploads(batch, &known); !st.ok()) {
      Problem(&r, st.message + " (the rest of the folder not checked)");
      return false;
    }
    for (const std::string& name : batch) {
      if (known.count(name) || stopped()) continue;
      if (RemoveMediaFile(media, name, &r.orphan_bytes, &r)) ++r.orphans;
    }
    batch.clear();
    return true;
  };
  if (DIR* dir = ::opendir(media.c_str())) {
    bool ok = true;
    while (ok && !stopped()) {
      const dirent* e = ::readdir(dir);
      if (!e) break;
      struct stat st{};
      const std::string name = e->d_name;
      if (IsUploadId(name) && ::stat((media + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
          st.st_mtime < now - 86400)
        batch.push_back(name);
      if (batch.size() == kLookupBatch) ok = settle();
    }
    ::closedir(dir);
    if (ok && !batch.empty() && !stopped()) settle();
  } else if (errno != ENOENT) {
    Problem(&r, "cannot read the media folder " + media + ": " + std::strerror(errno));
  }
  // The removals themselves survive a power cut.
  if ((removed || r.orphans > 0) && !SyncDir(media))
    Problem(&r, "cannot fsync " + media + ": " + std::strerror(errno) + " (a power cut may bring files back)");
  return r;
}

std::string SweepSummary(const SweepReport& r, int days) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "swept %lld upload(s) not finished within %d days (%.1f MB) and %lld file(s) no upload names (%.1f MB)",
                static_cast<long long>(r.uploads), days, static_cast<double>(r.upload_bytes) / 1e6,
                static_cast<long long>(r.orphans), static_cast<double>(r.orphan_bytes) / 1e6);
  std::string out = buf;
  if (r.interrupted) out += "; stopped early for shutdown, the rest at the next sweep";
  return out;
}

}  // namespace samvad::central
