// powerloss_child.cpp — the workload powerloss.tests.cpp replays power cuts against: a fresh
// kiosk opens its store, enrols, and files complaints with three photos each, marking in the
// trace (powerloss_shim.c) the moment each receipt would be shown. It runs to the end: the cuts
// are made afterwards, at every point of the trace, by the parent.
//
//   store_powerloss_child DATA_DIR TRACE_FILE COUNT [none|sync_normal|no_photo_fsync]
//
// The two mutations exist to prove the simulation has teeth: with synchronous=NORMAL (GUIDE 3
// measured it losing rows) or with photo fsyncs left out of the trace, it must find losses.
// wal_autocheckpoint is lowered to 16 pages (from 1000) so that cuts also land inside
// checkpoints, which a short run would otherwise never reach.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "app/store/complaint_store.h"

extern "C" void pl_init(const char* root, const char* log_path, int skip_photo_fsync);
extern "C" void pl_marker(const char* ticket);

namespace {
std::vector<std::uint8_t> Bytes(std::mt19937_64& rng, size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: store_powerloss_child DATA_DIR TRACE COUNT [mutation]\n");
    return 2;
  }
  const std::string mutation = argc > 4 ? argv[4] : "none";
  pl_init(argv[1], argv[2], mutation == "no_photo_fsync");
  {
    samvad::store::ComplaintStore store;
    std::string msg;
    if (store.Open(argv[1], &msg) != samvad::store::OpenStatus::Ok) {
      std::fprintf(stderr, "open: %s\n", msg.c_str());
      return 3;
    }
    {
      std::lock_guard lock(store.db_mutex());
      const std::string pragmas = std::string("PRAGMA wal_autocheckpoint=16;") +
                                  (mutation == "sync_normal" ? "PRAGMA synchronous=NORMAL;" : "");
      sqlite3_exec(store.store().db(), pragmas.c_str(), nullptr, nullptr, nullptr);
    }
    store.CleanOrphans();
    store.Enrol(14, 321);
    std::mt19937_64 rng(99);
    std::uniform_int_distribution<size_t> photo(8 << 10, 40 << 10), thumb(1 << 10, 3 << 10);
    const int count = std::atoi(argv[3]);
    for (int i = 0; i < count; ++i) {
      samvad::store::ComplaintDraft d;
      d.fields = {"drainage", "M/E", "", "गटार तुंबले आहे " + std::to_string(i), "", "mr"};
      for (int k = 0; k < 3; ++k) d.photos.push_back({Bytes(rng, photo(rng)), 1600, 1200, Bytes(rng, thumb(rng)), {}});
      const auto r = store.Submit(d);
      if (r.status != samvad::store::SubmitStatus::Ok) {
        std::fprintf(stderr, "submit: %s %s\n", samvad::store::SubmitStatusName(r.status), r.detail.c_str());
        return 4;
      }
      pl_marker(r.ticket_canonical.c_str());
    }
  }  // closing checkpoints and removes the WAL: cuts land there too
  return 0;
}
