// retention.tests.cpp — retention on the device (retention.h, issue 6 item 5): once central has
// had a complaint for the configured days, its phone number and photos leave the device and the
// receipt stays. The acceptance check reads the raw bytes of every file of the database (and
// what the store printed) for the number: absent afterwards, and — so the check can fail —
// present before.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iterator>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include "app/store/complaint_store.h"
#include "app/store/retention.h"
#include "support.h"
#include "sync/model/sha256.h"

using namespace samvad;
namespace fs = std::filesystem;
using store::RetentionStatus;

namespace {

constexpr std::int64_t kDay = 86400;

// The data folder's own files (samvad.db, -wal, -shm and anything else SQLite left there) that
// hold `needle`. Photos live in photos/, which this does not read.
std::vector<std::string> FilesHolding(const fs::path& data_dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : fs::directory_iterator(data_dir))
    if (e.is_regular_file() && test::ReadFile(e.path()).find(needle) != std::string::npos)
      hits.push_back(e.path().filename().string());
  return hits;
}

// Everything written to stdout and stderr (the device's log) between construction and Stop().
class CapturedOutput {
 public:
  explicit CapturedOutput(fs::path file) : file_(std::move(file)) {
    std::fflush(stdout);
    std::fflush(stderr);
    out_ = ::dup(1);
    err_ = ::dup(2);
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::string Stop() {
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(out_, 1);
    ::dup2(err_, 2);
    ::close(out_);
    ::close(err_);
    return test::ReadFile(file_);
  }

 private:
  fs::path file_;
  int out_, err_;
};

std::string FileName(const std::vector<std::uint8_t>& bytes) {
  return model::Sha256Hex(bytes.data(), bytes.size()) + ".jpg";
}

struct Device {
  test::TempDir dir{"retention"};
  std::unique_ptr<store::ComplaintStore> sp;
  std::mt19937_64 rng{5};
  const std::int64_t now = std::time(nullptr);

  store::ComplaintStore& s() { return *sp; }
  void Reopen() {
    sp.reset();
    sp = std::make_unique<store::ComplaintStore>();
    std::string msg;
    REQUIRE(sp->Open(dir.str(), &msg) == store::OpenStatus::Ok);
  }
  Device() {
    Reopen();
    REQUIRE(s().Enrol(12, 7) == store::EnrolStatus::Ok);
  }
  model::Ticket File(std::string phone, std::vector<store::PhotoDraft> photos = {}) {
    auto d = test::Draft("रस्त्यावर मोठा खड्डा आहे", std::move(phone));
    d.photos = std::move(photos);
    const store::SubmitResult r = s().Submit(d);
    REQUIRE(r.status == store::SubmitStatus::Ok);
    return r.ticket;
  }
  store::PhotoDraft Photo() { return test::RandomPhoto(rng, 8000, 900); }
  // Central acknowledged it at `at` (what the sync client does on a 201).
  void Sent(const model::Ticket& t, std::int64_t at) {
    REQUIRE(s().outbox().MarkSending(t, at) == model::OutboxResult::Ok);
    REQUIRE(s().outbox().MarkSent(t, "BMC-" + std::to_string(t.sequence), at) == model::OutboxResult::Ok);
  }
  bool HasFile(const std::vector<std::uint8_t>& bytes) {
    return fs::exists(fs::path(s().photos_dir()) / FileName(bytes));
  }
  model::OutboxEntry Entry(const model::Ticket& t) {
    model::OutboxEntry e;
    REQUIRE(s().outbox().Get(t, &e) == model::OutboxResult::Ok);
    return e;
  }
  std::int64_t Count(const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::int64_t n = -1;
    if (sqlite3_prepare_v2(s().store().db(), sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  }
};

}  // namespace

TEST_CASE("retention removes the phone and photos central has had for the configured days, and keeps the receipt",
          "[store][retention]") {
  Device d;
  // Debian's SQLite zeroes deleted bytes by default, upstream's does not: the writes before
  // retention run with it off, as they would there (the next test shows what that leaves).
  REQUIRE(sqlite3_exec(d.s().store().db(), "PRAGMA secure_delete=OFF", nullptr, nullptr, nullptr) == SQLITE_OK);

  const store::PhotoDraft own = d.Photo(), shared = d.Photo(), later = d.Photo(), kept = d.Photo();
  const model::Ticket old = d.File("९८२० १२३ ४५६", {own, shared});  // typed in Devanagari
  const model::Ticket recent = d.File("9876501234", {shared, later});
  const model::Ticket pending = d.File("9123456780", {kept});
  const model::Ticket failed = d.File("9988776655", {kept});
  const model::Ticket sending = d.File("9012345678", {kept});
  const model::Ticket no_phone = d.File("");
  d.Sent(old, d.now - 40 * kDay);
  REQUIRE(d.s().outbox().ApplyStatus(old, model::Status::InProgress, d.now - 39 * kDay, "") == model::OutboxResult::Ok);
  d.Sent(recent, d.now - 10 * kDay);
  REQUIRE(d.s().outbox().MarkSending(failed, d.now - 50 * kDay) == model::OutboxResult::Ok);
  REQUIRE(d.s().outbox().MarkFailed(failed, "HTTP 422: unknown category", d.now - 50 * kDay) == model::OutboxResult::Ok);
  REQUIRE(d.s().outbox().MarkSending(sending, d.now - 50 * kDay) == model::OutboxResult::Ok);
  d.Sent(no_phone, d.now - 31 * kDay);

  const std::string number = "9820123456";
  REQUIRE_FALSE(FilesHolding(d.dir.path(), number).empty());  // the search finds it while it is there

  CapturedOutput log(d.dir.path() / "captured.log");
  const store::RetentionResult r = store::ApplyRetention(d.s(), store::kDefaultRetentionDays, d.now);
  const store::LookupResult l = d.s().Lookup(old);
  const store::CleanReport clean = d.s().CleanOrphans();
  const std::string printed = log.Stop();

  INFO(r.detail);
  REQUIRE(r.status == RetentionStatus::Ok);
  CHECK(r.complaints_purged == 2);  // old and no_phone
  CHECK(r.files_deleted == 2);      // own's photo and thumbnail; shared is still recent's
  CHECK(r.bytes_freed == static_cast<std::int64_t>(own.jpeg.size() + own.thumb.size()));
  CHECK(r.scrubbed);

  SECTION("the number is nowhere in the database's files, its WAL, or the log") {
    CHECK(FilesHolding(d.dir.path(), number).empty());
    CHECK(FilesHolding(d.dir.path(), "9876501234").size() >= 1);  // a kept number is still found
    CHECK(printed.find(number) == std::string::npos);
    CHECK(r.detail.find(number) == std::string::npos);
    CHECK(clean.detail.find(number) == std::string::npos);
  }
  SECTION("the receipt stays, and Lookup answers it without the phone check") {
    REQUIRE(l.status == store::LookupStatus::Found);
    CHECK(l.purged_at == d.now);
    CHECK(l.purged_photos == 2);
    CHECK(l.masked_phone.empty());
    CHECK(l.sent);
    CHECK(l.current == model::Status::InProgress);
    std::set<model::Status> history;
    for (const store::StatusEvent& h : l.history) history.insert(h.status);
    CHECK(l.history.size() == 3);
    CHECK(history == std::set<model::Status>{model::Status::Filed, model::Status::Received, model::Status::InProgress});
    CHECK(d.s().Lookup(old, "0000").status == store::LookupStatus::Found);  // nothing left to compare
    const model::OutboxEntry e = d.Entry(old);
    CHECK(e.state == model::OutboxState::Sent);
    CHECK(e.central_id == "BMC-1");
    CHECK_FALSE(e.complaint.phone);
    CHECK(e.complaint.photos.empty());
    CHECK(e.complaint.category == "pothole");
    const store::LookupResult n = d.s().Lookup(no_phone);
    CHECK(n.purged_at == d.now);
    CHECK(n.purged_photos == 0);
  }
  SECTION("entries not sent, or sent too recently, are untouched; a shared photo stays") {
    for (const model::Ticket& t : {recent, pending, failed, sending}) {
      CHECK(d.s().Lookup(t).status == store::LookupStatus::NeedPhoneDigits);
      const model::OutboxEntry e = d.Entry(t);
      CHECK(e.complaint.phone);
      CHECK_FALSE(e.complaint.photos.empty());
    }
    CHECK_FALSE(d.s().Lookup(recent, "1234").purged_at);
    CHECK_FALSE(d.HasFile(own.jpeg));
    CHECK_FALSE(d.HasFile(own.thumb));
    CHECK(d.HasFile(shared.jpeg));
    CHECK(d.HasFile(shared.thumb));
    CHECK(d.HasFile(later.jpeg));
    CHECK(d.HasFile(kept.jpeg));
    CHECK(clean.ok);
    CHECK(clean.missing == 0);
    CHECK(clean.orphans_removed == 0);
    CHECK(d.s().store().IntegrityOk());
    CHECK(d.Count("PRAGMA secure_delete") == 0);  // the connection's own setting is back
  }
  SECTION("a second run finds nothing; once the recent one is old enough, the shared photo goes too") {
    const store::RetentionResult again = store::ApplyRetention(d.s(), 30, d.now);
    CHECK(again.status == RetentionStatus::Ok);
    CHECK(again.complaints_purged == 0);
    CHECK(again.files_deleted == 0);
    CHECK_FALSE(again.scrubbed);

    const store::RetentionResult next = store::ApplyRetention(d.s(), 30, d.now + 21 * kDay);
    CHECK(next.status == RetentionStatus::Ok);
    CHECK(next.complaints_purged == 1);
    CHECK(next.files_deleted == 4);
    CHECK_FALSE(d.HasFile(shared.jpeg));
    CHECK_FALSE(d.HasFile(later.thumb));
    CHECK(d.HasFile(kept.jpeg));
    CHECK(FilesHolding(d.dir.path(), "9876501234").empty());
    CHECK(FilesHolding(d.dir.path(), "9123456780").size() >= 1);
  }
}

TEST_CASE("a copy of the number that an earlier rewrite left in a page's free space is scrubbed too",
          "[store][retention]") {
  Device d;
  REQUIRE(sqlite3_exec(d.s().store().db(), "PRAGMA secure_delete=OFF", nullptr, nullptr, nullptr) == SQLITE_OK);
  const model::Ticket old = d.File("9820123456", {d.Photo(), d.Photo()});
  d.File("9876501234");
  d.Sent(old, d.now - 40 * kDay);  // rewrites the row: the filed version stays behind as free space
  REQUIRE(d.s().outbox().ApplyStatus(old, model::Status::InProgress, d.now - 39 * kDay, "") == model::OutboxResult::Ok);
  REQUIRE(sqlite3_exec(d.s().store().db(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto copies = [&] {
    const std::string db = test::ReadFile(d.dir.path() / "samvad.db");
    int n = 0;
    for (size_t at = db.find("9820123456"); at != std::string::npos; at = db.find("9820123456", at + 1)) ++n;
    return n;
  };
  // The premise: the live row and a stale copy. secure_delete on for the purge alone zeroes
  // only the cell it frees, not this one (measured); VACUUM does.
  REQUIRE(copies() == 2);
  const store::RetentionResult r = store::ApplyRetention(d.s(), 30, d.now);
  CHECK(r.complaints_purged == 1);
  CHECK(copies() == 0);
  CHECK(FilesHolding(d.dir.path(), "9820123456").empty());
}

TEST_CASE("a complaint becomes eligible exactly the configured days after central acknowledged it",
          "[store][retention]") {
  Device d;
  const model::Ticket due = d.File("9820123456", {d.Photo()});
  const model::Ticket second_early = d.File("9876501234", {d.Photo()});
  d.Sent(due, d.now - 30 * kDay);
  d.Sent(second_early, d.now - 30 * kDay + 1);

  CHECK(store::ApplyRetention(d.s(), -1, d.now).status == RetentionStatus::Invalid);
  CHECK(store::ApplyRetention(d.s(), store::kMaxRetentionDays + 1, d.now).status == RetentionStatus::Invalid);
  CHECK(d.Count("SELECT COUNT(*) FROM complaints WHERE purged_at IS NOT NULL") == 0);

  const store::RetentionResult r = store::ApplyRetention(d.s(), 30, d.now);
  CHECK(r.status == RetentionStatus::Ok);
  CHECK(r.complaints_purged == 1);
  CHECK(d.s().Lookup(due).purged_at == d.now);
  CHECK(d.s().Lookup(second_early).status == store::LookupStatus::NeedPhoneDigits);

  const store::RetentionResult zero = store::ApplyRetention(d.s(), 0, d.now);  // as soon as sent
  CHECK(zero.complaints_purged == 1);
  CHECK(d.Count("SELECT COUNT(*) FROM photos") == 0);
  CHECK(d.Count("SELECT COUNT(*) FROM complaints WHERE phone IS NOT NULL") == 0);
}

TEST_CASE("a database migrated from schema 2 is purged as well", "[store][retention]") {
  test::TempDir dir("retention-v2");
  fs::copy_file(fs::path(SAMVAD_SOURCE_DIR) / "assets/store/fixtures/v2.db", dir.path() / "samvad.db");
  store::ComplaintStore s;
  std::string msg;
  REQUIRE(s.Open(dir.str(), &msg) == store::OpenStatus::Ok);
  REQUIRE_FALSE(FilesHolding(dir.path(), "9820123456").empty());

  // Sent in June 2024; the fixture has no photo files, so there is nothing to unlink.
  const store::RetentionResult r = store::ApplyRetention(s, 30, std::time(nullptr));
  INFO(r.detail);
  CHECK(r.status == RetentionStatus::Ok);
  CHECK(r.complaints_purged == 1);
  CHECK(r.files_deleted == 0);
  model::Ticket t;
  REQUIRE(model::ParseTicket("12-007-00001-8", &t) == model::TicketError::None);
  const store::LookupResult l = s.Lookup(t);
  REQUIRE(l.status == store::LookupStatus::Found);
  CHECK(l.purged_photos == 1);
  CHECK(l.history.size() == 3);
  CHECK(FilesHolding(dir.path(), "9820123456").empty());
  std::vector<model::OutboxEntry> due;
  REQUIRE(s.outbox().ListDue(1718007200, 10, &due) == model::OutboxResult::Ok);
  CHECK(due.size() == 1);  // the pending complaint is untouched
}

TEST_CASE("a kill at any moment of retention leaves each complaint whole or purged, and the next run finishes",
          "[store][retention]") {
  // The template: five complaints central has had for 40 days, two it has not got yet.
  test::TempDir base("retention-kill");
  const fs::path tmpl = base.path() / "template";
  std::vector<model::Ticket> eligible, kept;
  std::vector<std::string> eligible_numbers;
  {
    Device d;
    for (int i = 0; i < 5; ++i) {
      eligible_numbers.push_back("98200000" + std::to_string(10 + i));
      eligible.push_back(d.File(eligible_numbers.back(), {d.Photo(), d.Photo()}));
      d.Sent(eligible.back(), d.now - 40 * kDay);
    }
    kept.push_back(d.File("9123456780", {d.Photo()}));
    kept.push_back(d.File("9123456781", {d.Photo()}));
    d.sp.reset();  // closing checkpoints the WAL into samvad.db
    fs::copy(d.dir.path(), tmpl, fs::copy_options::recursive);
  }
  const std::int64_t now = std::time(nullptr);

  // Runs Open + ApplyRetention in a child killed after `delay_us` (never, if negative).
  const auto run = [&](const fs::path& data, long delay_us) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      store::ComplaintStore s;
      std::string msg;
      if (s.Open(data.string(), &msg) != store::OpenStatus::Ok) ::_exit(2);
      ::_exit(store::ApplyRetention(s, 30, now).status == RetentionStatus::Ok ? 0 : 1);
    }
    if (delay_us >= 0) {
      ::usleep(static_cast<useconds_t>(delay_us));
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  };

  const fs::path timed = base.path() / "timed";
  fs::copy(tmpl, timed, fs::copy_options::recursive);
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(run(timed, -1) == 0);
  const long full_us = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());

  std::mt19937_64 rng(11);
  int killed = 0;
  for (int i = 0; i < 25; ++i) {
    const fs::path data = base.path() / ("run" + std::to_string(i));
    fs::copy(tmpl, data, fs::copy_options::recursive);
    const int status = run(data, static_cast<long>(rng() % static_cast<std::uint64_t>(full_us + 1)));
    if (WIFSIGNALED(status)) ++killed;

    store::ComplaintStore s;
    std::string msg;
    REQUIRE(s.Open(data.string(), &msg) == store::OpenStatus::Ok);
    const store::CleanReport clean = s.CleanOrphans();  // what the next start does
    INFO("run " << i);
    CHECK(clean.missing == 0);  // no row names a file the kill took away
    for (const model::Ticket& t : eligible) {
      model::OutboxEntry e;
      REQUIRE(s.outbox().Get(t, &e) == model::OutboxResult::Ok);
      const bool purged = s.Lookup(t).status == store::LookupStatus::Found;
      CHECK(purged == !e.complaint.phone);          // the phone and ...
      CHECK(purged == e.complaint.photos.empty());  // ... the photos went together
    }
    const store::RetentionResult r = store::ApplyRetention(s, 30, now);
    INFO(r.detail);
    CHECK(r.status == RetentionStatus::Ok);
    for (const model::Ticket& t : eligible) CHECK(s.Lookup(t).purged_at);
    for (const model::Ticket& t : kept) CHECK(s.Lookup(t).status == store::LookupStatus::NeedPhoneDigits);
    CHECK(s.store().IntegrityOk());
    CHECK(std::distance(fs::directory_iterator(s.photos_dir()), fs::directory_iterator()) == 4);  // kept's
    for (const std::string& n : eligible_numbers) CHECK(FilesHolding(data, n).empty());
    CHECK_FALSE(FilesHolding(data, "9123456780").empty());
  }
  CHECK(killed > 0);
}
