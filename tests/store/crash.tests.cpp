// crash.tests.cpp — kill -9 during submission, 300 times, and check that the store keeps its
// promises after every one: each ticket a receipt was shown for is in the database with all its
// photo files, and their SHA-256 matches; no file is left that no row references (after the
// start-up CleanOrphans); integrity_check is ok; sequence numbers are unique and gap-free.
//
// This proves the write ordering against a process crash. A process crash keeps every write the
// process made (the kernel has it); a power cut does not — that is powerloss.tests.cpp, which
// replays cuts against a trace of every write and fsync (app/store/DESIGN.md, last section).
//
// The runs are shared between two lanes working in parallel, each with its own data folder and
// its own random stream (seed + lane): a Submit is ~70 ms of fsyncs here, mostly waiting, so two
// lanes halve the wall time without changing what each run checks.
//
// Reproduce a failure: SAMVAD_CRASH_SEED=<printed seed> [SAMVAD_CRASH_RUNS=<n>]
// [SAMVAD_CRASH_LANES=1] store_tests "[crash]" — the kill delays repeat exactly; where in
// Submit they land depends on the machine's speed.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "app/store/complaint_store.h"
#include "support.h"
#include "sync/model/sha256.h"

using namespace samvad;
namespace fs = std::filesystem;

namespace {

struct Child {
  int status = 0;
  std::string out;
};

// Starts the child, kills it with SIGKILL after `delay`, returns everything it printed.
Child RunAndKill(const std::string& data_dir, std::uint64_t seed, std::chrono::milliseconds delay) {
  Child c;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) { c.status = -1; return c; }
  // Everything the child needs is built before fork: from a lane thread, the child may only
  // make async-signal-safe calls (dup2, execve) before exec.
  const std::string seed_s = std::to_string(seed);
  std::string exe = STORE_CRASH_CHILD, dir = data_dir;
  char* argv[] = {exe.data(), dir.data(), const_cast<char*>(seed_s.c_str()), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) { c.status = -1; return c; }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::execve(argv[0], argv, environ);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &c.status, 0);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) c.out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  return c;
}

std::int64_t One(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

struct FileRow {
  std::string sha;
  std::int64_t bytes;
};

struct Lane {
  int lane = 0, runs = 0;
  std::uint64_t seed = 0;
  long receipts = 0, rows = 0, temps_cleaned = 0, orphans_cleaned = 0, runs_with_receipts = 0,
       unreferenced_after = 0, missing = 0, assertions = 0;
  bool integrity_ok = true, sequences_ok = true;
  std::vector<std::string> failures;  // Catch2 assertions are not thread-safe: collected here
};

// One lane: `runs` kill-and-check rounds. Every broken promise is a line in lane.failures.
void RunLane(Lane& L) {
  std::mt19937_64 rng(L.seed + static_cast<std::uint64_t>(L.lane));
  std::uniform_int_distribution<int> delay_ms(0, 400);
  std::unique_ptr<test::TempDir> dir;
  std::set<std::string> receipts;  // every RECEIPT printed into the current data folder
  std::set<std::string> hashed;    // files whose SHA-256 was already checked
  std::int64_t rows_before = 0;    // complaints in the folder before this run
  for (int run = 0; run < L.runs && L.failures.size() < 20; ++run) {
    if (run % 10 == 0) {  // a fresh folder every 10 runs keeps disk use and hashing bounded
      L.rows += rows_before;
      dir = std::make_unique<test::TempDir>("crash" + std::to_string(L.lane));
      receipts.clear();
      hashed.clear();
      rows_before = 0;
    }
    const int delay = delay_ms(rng);
    const std::uint64_t child_seed = rng();
    const Child c = RunAndKill(dir->str(), child_seed, std::chrono::milliseconds(delay));
    std::ostringstream where;
    where << "lane " << L.lane << " run " << run << " (seed " << L.seed << ", killed after " << delay
          << " ms, child printed " << c.out.size() << " bytes: " << c.out.substr(0, 300) << "): ";
    const auto check = [&](bool ok, const std::string& what) {
      ++L.assertions;
      if (!ok) L.failures.push_back(where.str() + what);
      return ok;
    };
    if (!check(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGKILL,
               "the child must be killed, not stop on its own"))
      continue;
    int new_receipts = 0;
    for (size_t at = 0; at < c.out.size();) {
      const size_t nl = c.out.find('\n', at);
      if (nl == std::string::npos) break;  // no partial line can come from one write(2)
      const std::string line = c.out.substr(at, nl - at);
      at = nl + 1;
      if (!check(line.rfind("RECEIPT ", 0) == 0, "unexpected line " + line)) continue;
      check(receipts.insert(line.substr(8)).second, "ticket issued twice: " + line);
      ++new_receipts;
    }
    L.receipts += new_receipts;
    if (new_receipts > 0) ++L.runs_with_receipts;

    // Restart as the kiosk does: Open, CleanOrphans. Then check every promise.
    store::ComplaintStore s;
    std::string msg;
    if (!check(s.Open(dir->str(), &msg) == store::OpenStatus::Ok,  // never "recovered"
               "Open after kill: " + msg))
      continue;
    const store::CleanReport rep = s.CleanOrphans();
    check(rep.ok, "CleanOrphans: " + rep.detail);
    check(rep.missing == 0, "referenced photo files missing");
    L.missing += rep.missing;
    L.temps_cleaned += rep.temp_removed;
    L.orphans_cleaned += rep.orphans_removed;
    sqlite3* db = s.store().db();
    const bool integrity = s.store().IntegrityOk();
    check(integrity, "integrity_check");
    L.integrity_ok = L.integrity_ok && integrity;
    check(One(db, "SELECT COUNT(*) FROM pragma_foreign_key_check") == 0, "foreign_key_check");

    for (const std::string& t : receipts) {
      model::Ticket tk;
      model::OutboxEntry e;
      check(model::ParseTicket(t, &tk) == model::TicketError::None &&
                s.outbox().Get(tk, &e) == model::OutboxResult::Ok && e.complaint.photos.size() == 3,
            "receipted ticket " + t + " is not in the database with its 3 photos");
    }
    // Every row's files are there, whole; every file is some row's.
    std::map<std::string, FileRow> referenced;
    {
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db, "SELECT file, sha256, bytes FROM photos UNION ALL "
                             "SELECT thumb_file, thumb_sha256, thumb_bytes FROM photos",
                         -1, &st, nullptr);
      while (sqlite3_step(st) == SQLITE_ROW)
        referenced[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = {
            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), sqlite3_column_int64(st, 2)};
      sqlite3_finalize(st);
    }
    for (const auto& [file, row] : referenced) {
      const fs::path p = fs::path(s.photos_dir()) / file;
      std::error_code ec;
      const auto size = fs::file_size(p, ec);
      if (!check(!ec, "photo file missing: " + file)) continue;
      check(static_cast<std::int64_t>(size) == row.bytes, "photo file size: " + file);
      if (hashed.insert(file).second)  // content never changes under a name: hash each once
        check(file == row.sha + ".jpg" && model::Sha256Hex(test::ReadFile(p)) == row.sha,
              "photo file content does not match its SHA-256: " + file);
    }
    for (const auto& e : fs::directory_iterator(s.photos_dir()))
      if (!referenced.count(e.path().filename().string())) {
        ++L.unreferenced_after;
        check(false, "unreferenced file after CleanOrphans: " + e.path().filename().string());
      }
    // One transaction per complaint: each has its outbox entry and first event; sequences
    // are unique (the schema) and gap-free (a rolled-back Submit uses no number).
    const std::int64_t rows = One(db, "SELECT COUNT(*) FROM complaints");
    // This run added its receipts, plus at most the one complaint killed after COMMIT and
    // before its RECEIPT line (saved, but the citizen saw no receipt: not lost, sent anyway).
    check(rows - rows_before - new_receipts >= 0 && rows - rows_before - new_receipts <= 1,
          "complaints committed vs receipts: " + std::to_string(rows) + " rows, " +
              std::to_string(rows_before) + " before, " + std::to_string(new_receipts) + " receipts");
    rows_before = rows;
    const bool seq_ok = One(db, "SELECT COUNT(DISTINCT seq) FROM complaints") == rows &&
                        One(db, "SELECT coalesce(max(seq), 0) FROM complaints") == rows &&
                        (rows == 0 || One(db, "SELECT next_seq FROM device") == rows + 1);
    check(seq_ok, "sequence numbers not unique and gap-free");
    L.sequences_ok = L.sequences_ok && seq_ok;
    check(One(db, "SELECT COUNT(*) FROM outbox") == rows, "an outbox entry per complaint");
    check(One(db, "SELECT COUNT(*) FROM status_events WHERE status = 'filed'") == rows,
          "a first status event per complaint");
    check(One(db, "SELECT COUNT(*) FROM photos") == 3 * rows, "three photo rows per complaint");
  }
  L.rows += rows_before;
}

std::uint64_t SeedFromEnv() {
  if (const char* s = std::getenv("SAMVAD_CRASH_SEED")) return std::strtoull(s, nullptr, 10);
  return static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007;
}

}  // namespace

TEST_CASE("kill -9 at random moments during submission loses no receipted complaint", "[crash]") {
  const auto env = [](const char* k, long d) { const char* v = std::getenv(k); return v ? std::atol(v) : d; };
  const int runs = static_cast<int>(env("SAMVAD_CRASH_RUNS", 300));
  const int lanes = static_cast<int>(std::max(1L, env("SAMVAD_CRASH_LANES", 2)));
  const std::uint64_t seed = SeedFromEnv();
  std::printf("store crash test: seed %llu, %d runs in %d lanes, kill after 0-400 ms\n",
              static_cast<unsigned long long>(seed), runs, lanes);
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Lane> L(static_cast<size_t>(lanes));
  std::vector<std::thread> threads;
  for (int i = 0; i < lanes; ++i) {
    L[static_cast<size_t>(i)].lane = i;
    L[static_cast<size_t>(i)].seed = seed;
    L[static_cast<size_t>(i)].runs = runs / lanes + (i < runs % lanes ? 1 : 0);
    threads.emplace_back(RunLane, std::ref(L[static_cast<size_t>(i)]));
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Lane sum;
  for (const Lane& l : L) {
    sum.receipts += l.receipts;
    sum.rows += l.rows;
    sum.temps_cleaned += l.temps_cleaned;
    sum.orphans_cleaned += l.orphans_cleaned;
    sum.runs_with_receipts += l.runs_with_receipts;
    sum.unreferenced_after += l.unreferenced_after;
    sum.missing += l.missing;
    sum.assertions += l.assertions;
    sum.integrity_ok = sum.integrity_ok && l.integrity_ok;
    sum.sequences_ok = sum.sequences_ok && l.sequences_ok;
    for (const std::string& f : l.failures) FAIL_CHECK(f);
  }
  CHECK(sum.assertions > runs * 10);  // the lanes really ran their checks
  std::printf("store crash test: %d runs (seed %llu), receipts verified %ld, complaints committed %ld "
              "(%ld without a printed receipt), runs with a receipt %ld, crash leftovers cleaned: "
              "%ld temporary + %ld orphan files, unreferenced files after clean = %ld, missing = %ld, "
              "integrity %s, sequences unique and gap-free: %s, %ld checks, %.1f s\n",
              runs, static_cast<unsigned long long>(seed), sum.receipts, sum.rows,
              sum.rows - sum.receipts, sum.runs_with_receipts, sum.temps_cleaned,
              sum.orphans_cleaned, sum.unreferenced_after, sum.missing,
              sum.integrity_ok ? "ok" : "FAILED", sum.sequences_ok ? "yes" : "NO", sum.assertions, secs);
  std::fflush(stdout);
}
