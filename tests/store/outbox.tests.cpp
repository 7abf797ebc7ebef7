// outbox.tests.cpp — the outbox lifecycle of outbox_store.cpp's design note, driven through
// the model::Outbox interface the sync client uses. Built twice: in store_tests (release, where
// a wrong transition returns WrongState) and in store_checked_tests, with the store compiled
// without NDEBUG, so every transition also runs AssertOutboxState — and a wrong one aborts.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "app/store/complaint_store.h"
#include "support.h"

using namespace samvad;
using model::OutboxResult;
using model::OutboxState;

namespace {

struct Filed {
  test::TempDir dir{"outbox"};
  std::unique_ptr<store::ComplaintStore> sp;
  model::Ticket t;
  std::int64_t at = 0;
  store::ComplaintStore& s() { return *sp; }
  void Reopen() {  // the process stops and starts again
    sp.reset();
    sp = std::make_unique<store::ComplaintStore>();
    std::string msg;
    REQUIRE(sp->Open(dir.str(), &msg) == store::OpenStatus::Ok);
  }
  Filed() {
    Reopen();
    REQUIRE(s().Enrol(12, 7) == store::EnrolStatus::Ok);
    std::mt19937_64 rng(1);
    auto d = test::Draft("पाणी येत नाही", "9820123456");
    d.photos.push_back(test::RandomPhoto(rng, 4000, 400));
    const auto r = s().Submit(d);
    REQUIRE(r.status == store::SubmitStatus::Ok);
    t = r.ticket;
    at = r.created_at;
  }
  OutboxState State() {
    model::OutboxEntry e;
    REQUIRE(s().outbox().Get(t, &e) == OutboxResult::Ok);
    return e.state;
  }
};

}  // namespace

TEST_CASE("an outbox entry goes pending → sending → sent", "[store][outbox]") {
  Filed f;
  model::Outbox& out = f.s().outbox();  // what sync/client sees: no app/ type
  std::vector<model::OutboxEntry> due;
  REQUIRE(out.ListDue(f.at, 10, &due) == OutboxResult::Ok);
  REQUIRE(due.size() == 1);
  const model::Complaint& c = due[0].complaint;
  CHECK(c.ticket == f.t);
  CHECK(c.phone == std::string("9820123456"));  // central needs it; screens never get it
  CHECK(model::IsUuidV4(c.client_uuid));
  CHECK(model::ValidateComplaint(c).empty());
  REQUIRE(c.photos.size() == 1);
  CHECK(test::ReadFile(out.PhotoPath(c.photos[0].file)).size() == 4000);

  REQUIRE(out.MarkSending(f.t, f.at) == OutboxResult::Ok);
  CHECK(f.State() == OutboxState::Sending);
  REQUIRE(out.ListDue(f.at + 1000, 10, &due) == OutboxResult::Ok);
  CHECK(due.empty());  // a sending entry is not handed out twice

  SECTION("sent: central's id is kept and the citizen sees 'received'") {
    REQUIRE(out.MarkSent(f.t, "BMC-1", f.at + 5) == OutboxResult::Ok);
    model::OutboxEntry e;
    REQUIRE(f.s().outbox().Get(f.t, &e) == OutboxResult::Ok);
    CHECK(e.state == OutboxState::Sent);
    CHECK(e.central_id == "BMC-1");
    CHECK(e.attempts == 1);
    const auto l = f.s().Lookup(f.t, "3456");
    CHECK(l.current == model::Status::Received);
    CHECK(l.sent);
    CHECK(l.last_sync_at == f.at + 5);
    REQUIRE(l.history.size() == 2);

    REQUIRE(out.ApplyStatus(f.t, model::Status::Resolved, f.at + 86400, "खड्डा बुजवला") == OutboxResult::Ok);
    const auto l2 = f.s().Lookup(f.t, "3456");
    CHECK(l2.current == model::Status::Resolved);
    REQUIRE(l2.history.size() == 3);
    CHECK(l2.history[2].note == "खड्डा बुजवला");
    CHECK(*l2.last_sync_at >= f.at + 86400);
    CHECK(f.State() == OutboxState::Sent);  // invariant 6: news never moves the entry
  }
  SECTION("a transient failure returns it to pending, due later") {
    REQUIRE(out.MarkRetry(f.t, "HTTP 503 Service Unavailable", f.at + 60) == OutboxResult::Ok);
    model::OutboxEntry e;
    REQUIRE(f.s().outbox().Get(f.t, &e) == OutboxResult::Ok);
    CHECK(e.state == OutboxState::Pending);
    CHECK(e.last_error == "HTTP 503 Service Unavailable");
    CHECK(e.next_attempt_at == f.at + 60);
    REQUIRE(out.ListDue(f.at + 59, 10, &due) == OutboxResult::Ok);
    CHECK(due.empty());
    REQUIRE(out.ListDue(f.at + 60, 10, &due) == OutboxResult::Ok);
    REQUIRE(due.size() == 1);
    CHECK(due[0].attempts == 1);
    REQUIRE(out.MarkSending(f.t, f.at + 60) == OutboxResult::Ok);
    REQUIRE(f.s().outbox().Get(f.t, &e) == OutboxResult::Ok);
    CHECK(e.attempts == 2);
  }
  SECTION("a permanent failure parks it for staff, who may requeue it") {
    REQUIRE(out.MarkFailed(f.t, "422: bad \xFF ward \x01", f.at + 1) == OutboxResult::Ok);
    model::OutboxEntry e;
    REQUIRE(f.s().outbox().Get(f.t, &e) == OutboxResult::Ok);
    CHECK(e.state == OutboxState::Failed);
    CHECK(e.last_error == "422: bad \xEF\xBF\xBD ward ");  // a peer's bad bytes, cleaned, kept
    REQUIRE(f.s().outbox().Requeue(f.t, f.at + 2) == OutboxResult::Ok);
    CHECK(f.State() == OutboxState::Pending);
  }
  SECTION("a device that stops mid-send sends again after restart") {
    f.Reopen();  // the process died with the entry sending
    model::OutboxEntry e;
    REQUIRE(f.s().outbox().Get(f.t, &e) == OutboxResult::Ok);
    CHECK(e.state == OutboxState::Pending);
    CHECK(e.last_error.find("interrupted") != std::string::npos);
    CHECK(e.attempts == 1);
  }
}

TEST_CASE("an unknown ticket is NotFound", "[store][outbox]") {
  Filed f;
  const model::Ticket other{12, 7, 500};
  CHECK(f.s().outbox().MarkSending(other, 0) == OutboxResult::NotFound);
  CHECK(f.s().outbox().ApplyStatus(other, model::Status::Resolved, 0, "") == OutboxResult::NotFound);
  model::OutboxEntry e;
  CHECK(f.s().outbox().Get(other, &e) == OutboxResult::NotFound);
}

#ifdef NDEBUG
TEST_CASE("release builds refuse a wrong transition and change nothing", "[store][outbox]") {
  Filed f;
  model::Outbox& out = f.s().outbox();
  CHECK(out.MarkSent(f.t, "BMC-1", 0) == OutboxResult::WrongState);
  CHECK(out.MarkRetry(f.t, "x", 0) == OutboxResult::WrongState);
  CHECK(out.MarkFailed(f.t, "x", 0) == OutboxResult::WrongState);
  CHECK(f.s().outbox().Requeue(f.t, 0) == OutboxResult::WrongState);
  CHECK(f.State() == OutboxState::Pending);
  REQUIRE(out.MarkSending(f.t, 0) == OutboxResult::Ok);
  CHECK(out.MarkSending(f.t, 0) == OutboxResult::WrongState);
  REQUIRE(out.MarkSent(f.t, "BMC-1", 0) == OutboxResult::Ok);
  CHECK(out.MarkRetry(f.t, "x", 0) == OutboxResult::WrongState);  // sent is terminal
  CHECK(out.MarkSending(f.t, 0) == OutboxResult::WrongState);
  CHECK(f.State() == OutboxState::Sent);
}
#else
namespace {
// Runs `body` in a child process; true when the child died of SIGABRT (a failed assert). The
// child builds its own store (an SQLite connection must not cross a fork) under `tmp`.
template <class F>
bool Aborts(const test::TempDir& tmp, F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The assert message is expected: keep the log clean, and let SIGABRT kill the child
    // outright instead of Catch's handler reporting a failure from inside it.
    ::signal(SIGABRT, SIG_DFL);
    ::close(1);
    ::close(2);
    ::setenv("TMPDIR", tmp.str().c_str(), 1);
    ::setenv("SAMVAD_KEEP_TMP", "1", 1);  // an aborted child cannot clean up; the parent does
    {
      Filed f;
      body(f, f.s().outbox());
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}
}  // namespace

TEST_CASE("debug builds assert on a wrong transition (AssertOutboxState)", "[store][outbox]") {
  test::TempDir tmp("asserts");
  using O = model::Outbox;
  CHECK(Aborts(tmp, [](Filed& f, O& o) { o.MarkSent(f.t, "BMC-1", 0); }));  // pending → sent
  CHECK(Aborts(tmp, [](Filed& f, O& o) { o.MarkRetry(f.t, "x", 0); }));     // pending → pending
  CHECK(Aborts(tmp, [](Filed& f, O& o) { o.MarkSending(f.t, 0); o.MarkSending(f.t, 0); }));
  CHECK(Aborts(tmp, [](Filed& f, O& o) { o.MarkSending(f.t, 0); o.MarkSent(f.t, "", 0); }));
  CHECK(Aborts(tmp, [](Filed& f, O& o) { o.ApplyStatus(f.t, model::Status::Filed, 0, ""); }));
  CHECK(Aborts(tmp, [](Filed& f, O&) {  // a row broken behind the store's back (invariant 5;
    // the schema's CHECKs already refuse rows that break invariants 2-4)
    REQUIRE(sqlite3_exec(f.s().store().db(),
                         "UPDATE outbox SET state = 'failed', last_error = 'x', attempts = 0",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    f.s().outbox().Requeue(f.t, 0);
  }));
  CHECK_FALSE(Aborts(tmp, [](Filed& f, O&) {  // ...and the schema refuses invariant 3 broken
    const int rc = sqlite3_exec(f.s().store().db(), "UPDATE outbox SET central_id = 'x'", nullptr,
                                nullptr, nullptr);
    if ((rc & 0xFF) != SQLITE_CONSTRAINT) std::abort();
  }));
  // The right transitions run clean with every check on.
  CHECK_FALSE(Aborts(tmp, [](Filed& f, O& o) {
    o.MarkSending(f.t, 0);
    o.MarkRetry(f.t, "timeout", 0);
    o.MarkSending(f.t, 0);
    o.MarkFailed(f.t, "422", 0);
    f.s().outbox().Requeue(f.t, 0);
    o.MarkSending(f.t, 0);
    o.MarkSent(f.t, "BMC-1", 0);
    o.ApplyStatus(f.t, model::Status::Resolved, 0, "done");
  }));
}
#endif

TEST_CASE("staff see every entry (unsent first) with its cause and central id, and counts that agree", "[store][outbox]") {
  Filed f;  // one complaint with a photo, pending
  std::mt19937_64 rng(2);
  std::vector<model::Ticket> more;
  for (int i = 0; i < 3; ++i) {
    const auto r = f.s().Submit(test::Draft("कचरा " + std::to_string(i), ""));
    REQUIRE(r.status == store::SubmitStatus::Ok);
    more.push_back(r.ticket);
  }
  store::OutboxStore& out = f.s().outbox();
  REQUIRE(out.MarkSending(more[0], f.at) == OutboxResult::Ok);
  REQUIRE(out.MarkSent(more[0], "4711", f.at + 5) == OutboxResult::Ok);
  REQUIRE(out.MarkSending(more[1], f.at) == OutboxResult::Ok);
  REQUIRE(out.MarkFailed(more[1], "central refused it (400): description is required", f.at + 6) == OutboxResult::Ok);
  REQUIRE(out.MarkSending(more[2], f.at) == OutboxResult::Ok);
  REQUIRE(out.MarkRetry(more[2], "central unreachable: connection refused", f.at + 60) == OutboxResult::Ok);

  std::vector<store::OutboxRow> rows;
  REQUIRE(out.List(0, &rows) == OutboxResult::Ok);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].ticket == model::CanonicalTicket(more[1]));  // failed first
  CHECK(rows[0].state == OutboxState::Failed);
  CHECK(rows[0].last_error == "central refused it (400): description is required");
  CHECK(rows[1].state == OutboxState::Pending);
  CHECK(rows[2].state == OutboxState::Pending);
  CHECK(rows.back().ticket == model::CanonicalTicket(more[0]));  // sent last
  CHECK(rows.back().central_id == "4711");
  CHECK(rows.back().sent_at == f.at + 5);
  CHECK(rows.back().status == "received");  // MarkSent records that central has it
  CHECK(rows.back().category == "pothole");
  bool saw_retry = false, saw_photo = false;
  for (const auto& r : rows) {
    if (r.ticket == model::CanonicalTicket(more[2])) {
      saw_retry = true;
      CHECK(r.last_error == "central unreachable: connection refused");
      CHECK(r.next_attempt_at == f.at + 60);
      CHECK(r.attempts == 1);
    }
    if (r.ticket == model::CanonicalTicket(f.t)) saw_photo = r.photos == 1 && r.central_id.empty() && r.sent_at == 0;
  }
  CHECK(saw_retry);
  CHECK(saw_photo);
  REQUIRE(out.List(2, &rows) == OutboxResult::Ok);
  CHECK(rows.size() == 2);

  store::OutboxSummary sum;
  REQUIRE(out.Summarize(&sum) == OutboxResult::Ok);
  CHECK(sum.pending == 2);
  CHECK(sum.failed == 1);
  CHECK(sum.sent == 1);
  CHECK(sum.sending == 0);
  CHECK(sum.oldest_unsent_at == f.at);
  CHECK(sum.oldest_unsent_at > 0);
}
