// powerloss.tests.cpp — power cuts, simulated soundly without root. store_powerloss_child
// files complaints while powerloss_shim.c records every file change it makes (SQLite's and
// ours) and every fsync. This test then rebuilds, from that trace, the states a power cut may
// leave behind, under POSIX's only promise: what fsync (of a file: its data; of a directory:
// its names) made durable survives; anything after it may or may not.
//
//   worst case   only what was fsynced survives — checked at EVERY point of the trace (the
//                durable state changes only at an fsync, and the receipts shown only grow,
//                so cutting just before each fsync and at the end covers every cut)
//   random       cut at a random point; each unsynced change survives or not by a coin toss,
//                and each unsynced write is torn into 512-byte sectors that survive separately
//
// Each state is opened as the kiosk would after the power came back (Open + CleanOrphans) and
// must keep the promises the kill -9 test checks: every receipt shown before the cut is there
// with its photos whole, no unreferenced file, integrity ok, sequences unique and gap-free.
//
// Two mutations must be caught, or the simulation proves nothing: synchronous=NORMAL, and the
// photo files' fsyncs left out. What this does not model: a disk that acknowledges a flush it
// has not done, bit rot, memory-mapped writes (only SQLite's -shm, rebuilt after a crash), and
// a file system that reorders metadata in ways POSIX does not allow.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "app/store/complaint_store.h"
#include "support.h"
#include "sync/model/sha256.h"

using namespace samvad;
namespace fs = std::filesystem;

namespace {

struct Rec {
  char type = 0;
  std::uint64_t ino = 0, a = 0;
  std::string s1, s2, data;
};

std::vector<Rec> ReadTrace(const std::string& path) {
  const std::string t = test::ReadFile(path);
  std::vector<Rec> out;
  size_t at = 0;
  const auto take = [&](void* p, size_t n) {
    if (at + n > t.size()) throw std::runtime_error("truncated trace");
    std::memcpy(p, t.data() + at, n);
    at += n;
  };
  const auto str = [&]() {
    std::uint32_t n = 0;
    take(&n, 4);
    std::string s(n, '\0');
    if (n) take(s.data(), n);
    return s;
  };
  while (at < t.size()) {
    Rec r;
    take(&r.type, 1);
    take(&r.ino, 8);
    take(&r.a, 8);
    r.s1 = str();
    r.s2 = str();
    r.data = str();
    out.push_back(std::move(r));
  }
  return out;
}

std::string Parent(const std::string& p) { return p.substr(0, p.find_last_of('/')); }
std::string Base(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

enum class Mode { WorstCase, Random };

// The file system as the trace has it: per file, the content its last fsync made durable and
// the writes since; per directory, the names its last fsync made durable and the changes since.
class Machine {
 public:
  explicit Machine(const std::string& root) {
    objs_.push_back(Obj{true, {}, {}, {}, {}});
    dirs_[root] = 0;
  }
  std::vector<std::string> receipts;  // shown to citizens so far

  void Step(const Rec& r) {
    switch (r.type) {
      case 'C':
      case 'M': {
        const int id = static_cast<int>(objs_.size());
        objs_.push_back(Obj{r.type == 'M', {}, {}, {}, {}});
        ino_[r.ino] = id;
        if (r.type == 'M') dirs_[r.s1] = id;
        Dir(Parent(r.s1)).ns.push_back({'A', Base(r.s1), "", id});
        break;
      }
      case 'W':
      case 'T': File(r.ino).pending.push_back(&r); break;
      case 'F': {
        Obj& o = File(r.ino);
        for (const Rec* w : o.pending) Apply(o.durable, *w, nullptr);
        o.pending.clear();
        break;
      }
      case 'D': {
        Obj& d = Dir(r.s1);
        for (const NsOp& op : d.ns) ApplyNs(d.entries, op);
        d.ns.clear();
        break;
      }
      case 'R':
        if (Parent(r.s1) != Parent(r.s2)) throw std::runtime_error("rename across folders");
        Dir(Parent(r.s1)).ns.push_back({'R', Base(r.s1), Base(r.s2), ino_.at(r.ino)});
        break;
      case 'U': Dir(Parent(r.s1)).ns.push_back({'U', Base(r.s1), "", -1}); break;
      case 'K': receipts.push_back(r.s1); break;
      default: throw std::runtime_error("unknown trace record");
    }
  }

  // Writes one state a power cut at this point may leave into `out` (which must not exist).
  void Materialize(const fs::path& out, Mode mode, std::mt19937_64& rng) {
    std::map<int, std::string> contents;
    Emit(0, out, mode, rng, contents);
  }

 private:
  struct NsOp {
    char kind;  // A add, R rename, U unlink
    std::string name, name2;
    int obj;
  };
  struct Obj {
    bool dir;
    std::string durable;
    std::vector<const Rec*> pending;
    std::map<std::string, int> entries;
    std::vector<NsOp> ns;
  };

  Obj& File(std::uint64_t ino) { return objs_.at(static_cast<size_t>(ino_.at(ino))); }
  Obj& Dir(const std::string& path) { return objs_.at(static_cast<size_t>(dirs_.at(path))); }

  static void ApplyNs(std::map<std::string, int>& e, const NsOp& op) {
    if (op.kind == 'A') e[op.name] = op.obj;
    else if (op.kind == 'U') e.erase(op.name);
    else {
      e.erase(op.name);
      e[op.name2] = op.obj;
    }
  }

  // A write or truncate; with `rng`, each 512-byte sector of a write survives on its own.
  static void Apply(std::string& s, const Rec& r, std::mt19937_64* rng) {
    if (r.type == 'T') {
      s.resize(r.a);
      return;
    }
    for (size_t off = 0; off < r.data.size();) {
      const size_t abs = r.a + off;
      const size_t n = std::min(r.data.size() - off, 512 - abs % 512);
      if (!rng || (*rng)() % 2) {
        if (s.size() < abs + n) s.resize(abs + n);
        std::memcpy(s.data() + abs, r.data.data() + off, n);
      }
      off += n;
    }
  }

  void Emit(int dir, const fs::path& out, Mode mode, std::mt19937_64& rng,
            std::map<int, std::string>& contents) {
    fs::create_directories(out);
    const Obj& d = objs_[static_cast<size_t>(dir)];
    std::map<std::string, int> e = d.entries;
    if (mode == Mode::Random)
      for (const NsOp& op : d.ns)
        if (rng() % 2) ApplyNs(e, op);
    for (const auto& [name, id] : e) {
      const Obj& o = objs_[static_cast<size_t>(id)];
      if (o.dir) {
        Emit(id, out / name, mode, rng, contents);
        continue;
      }
      auto it = contents.find(id);
      if (it == contents.end()) {  // one content per file, even if it shows under two names
        std::string s = o.durable;
        if (mode == Mode::Random)
          for (const Rec* w : o.pending)
            if (rng() % 2) Apply(s, *w, &rng);
        it = contents.emplace(id, std::move(s)).first;
      }
      std::FILE* f = std::fopen((out / name).c_str(), "wb");
      if (!f) throw std::runtime_error("cannot write state file");
      std::fwrite(it->second.data(), 1, it->second.size(), f);
      std::fclose(f);
    }
  }

  std::vector<Obj> objs_;
  std::map<std::uint64_t, int> ino_;
  std::map<std::string, int> dirs_;
};

std::int64_t One(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

// Restarts on the state in `dir` as the kiosk would, and lists every broken promise.
std::vector<std::string> Verify(const std::string& dir, const std::vector<std::string>& receipts) {
  std::vector<std::string> bad;
  store::ComplaintStore s;
  std::string msg;
  const store::OpenStatus st = s.Open(dir, &msg);
  if (st != store::OpenStatus::Ok) return {"Open: " + msg};
  const store::CleanReport rep = s.CleanOrphans();
  if (!rep.ok) bad.push_back("CleanOrphans: " + rep.detail);
  sqlite3* db = s.store().db();
  if (!s.store().IntegrityOk()) bad.push_back("integrity_check failed");
  for (const std::string& t : receipts) {
    model::Ticket tk;
    model::OutboxEntry e;
    if (model::ParseTicket(t, &tk) != model::TicketError::None ||
        s.outbox().Get(tk, &e) != model::OutboxResult::Ok || e.complaint.photos.size() != 3)
      bad.push_back("receipted complaint lost: " + t);
  }
  std::set<std::string> referenced;
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db, "SELECT file, sha256 FROM photos UNION ALL SELECT thumb_file, thumb_sha256 FROM photos", -1, &q, nullptr);
  while (sqlite3_step(q) == SQLITE_ROW) {
    const std::string file = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    const std::string sha = reinterpret_cast<const char*>(sqlite3_column_text(q, 1));
    referenced.insert(file);
    const fs::path p = fs::path(s.photos_dir()) / file;
    if (!fs::exists(p)) bad.push_back("photo missing: " + file);
    else if (model::Sha256Hex(test::ReadFile(p)) != sha) bad.push_back("photo damaged: " + file);
  }
  sqlite3_finalize(q);
  for (const auto& e : fs::directory_iterator(s.photos_dir()))
    if (!referenced.count(e.path().filename().string()))
      bad.push_back("unreferenced file: " + e.path().filename().string());
  const std::int64_t rows = One(db, "SELECT COUNT(*) FROM complaints");
  if (One(db, "SELECT COUNT(DISTINCT seq) FROM complaints") != rows ||
      One(db, "SELECT coalesce(max(seq), 0) FROM complaints") != rows)
    bad.push_back("sequence numbers not unique and gap-free");
  if (One(db, "SELECT COUNT(*) FROM outbox") != rows) bad.push_back("outbox entries != complaints");
  return bad;
}

fs::path ScratchRoot() {
  // tmpfs when there is one: the states are thrown away, and the restarts' fsyncs cost nothing.
  std::error_code ec;
  if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return fs::temp_directory_path();
}

struct Outcome {
  size_t records = 0, receipts = 0, worst_states = 0, random_states = 0, bad_states = 0;
  std::string first_problem;
};

// Runs the child with `mutation`, then checks worst-case states at every fsync boundary and
// `random_states` random ones. With stop_at_first, returns at the first broken state.
Outcome Simulate(const std::string& mutation, int complaints, int random_states, bool stop_at_first) {
  Outcome o;
  const fs::path base = ScratchRoot() / ("samvad-powerloss-" + std::to_string(::getpid()) + "-" + mutation);
  fs::remove_all(base);
  struct Cleanup {  // also when a REQUIRE or a bad trace throws
    fs::path p;
    ~Cleanup() { std::error_code ec; fs::remove_all(p, ec); }
  } cleanup{base};
  const std::string root = (base / "data").string();
  const std::string trace = (base / "trace").string();
  fs::create_directories(root);
  const std::string cmd = std::string(STORE_POWERLOSS_CHILD) + " " + root + " " + trace + " " +
                          std::to_string(complaints) + " " + mutation;
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::vector<Rec> recs = ReadTrace(trace);
  o.records = recs.size();

  // Cut points: just before every fsync record and at the end (worst case), plus random ones.
  std::mt19937_64 rng(1234);
  std::map<size_t, std::vector<Mode>> cuts;
  for (size_t i = 0; i < recs.size(); ++i)
    if (recs[i].type == 'F' || recs[i].type == 'D') cuts[i].push_back(Mode::WorstCase);
  cuts[recs.size()].push_back(Mode::WorstCase);
  for (int i = 0; i < random_states; ++i) cuts[rng() % (recs.size() + 1)].push_back(Mode::Random);

  Machine m(root);
  size_t next = 0;
  const fs::path state = base / "state";
  for (const auto& [cut, modes] : cuts) {
    while (next < cut) m.Step(recs[next++]);
    for (Mode mode : modes) {
      fs::remove_all(state);
      m.Materialize(state, mode, rng);
      (mode == Mode::WorstCase ? o.worst_states : o.random_states)++;
      const auto bad = Verify(state.string(), m.receipts);
      if (!bad.empty()) {
        if (o.bad_states++ == 0)
          o.first_problem = "cut at record " + std::to_string(cut) + " of " + std::to_string(recs.size()) +
                            (mode == Mode::WorstCase ? " (worst case): " : " (random): ") + bad[0];
        if (stop_at_first) return o;
      }
    }
  }
  o.receipts = m.receipts.size();
  return o;
}

}  // namespace

TEST_CASE("a power cut at any point loses no receipted complaint", "[powerloss]") {
  const int randoms = std::getenv("SAMVAD_POWERLOSS_RANDOM") ? std::atoi(std::getenv("SAMVAD_POWERLOSS_RANDOM")) : 300;
  const Outcome o = Simulate("none", 12, randoms, false);
  INFO(o.first_problem);
  CHECK(o.bad_states == 0);
  CHECK(o.receipts == 12);
  CHECK(o.worst_states > 100);
  std::printf("power-loss simulation: %zu crash states (%zu worst-case, one per fsync boundary = every "
              "cut point; %zu random with torn 512-byte writes) over a %zu-record trace of %zu "
              "receipted submissions: states breaking a promise = %zu\n",
              o.worst_states + o.random_states, o.worst_states, o.random_states, o.records,
              o.receipts, o.bad_states);
  std::fflush(stdout);
}

TEST_CASE("the power-loss simulation catches a store that syncs too little", "[powerloss]") {
  const Outcome normal = Simulate("sync_normal", 12, 0, true);
  const Outcome nophoto = Simulate("no_photo_fsync", 12, 0, true);
  CHECK(normal.bad_states > 0);
  CHECK(nophoto.bad_states > 0);
  std::printf("power-loss mutations caught: synchronous=NORMAL → %s; photo fsync left out → %s\n",
              normal.first_problem.c_str(), nophoto.first_problem.c_str());
  std::fflush(stdout);
}
