// reconciliation.tests.cpp — the report's rows and totals from a real device store, and its CSV
// byte for byte: BOM, English header, RFC 4180 quoting, the order staff read it in (failed,
// waiting, acknowledged; by ticket within each), local times with their offset — and never the
// phone number or the citizen's words, though every complaint here has both.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/report/reconciliation.h"
#include "report_support.h"

using namespace samvad;
using model::OutboxResult;

namespace {

constexpr std::int64_t kT0 = 1795000000;  // 2026-11-18 16:36:40 in India

// Six complaints, one in every place an outbox entry can stand.
struct Scenario {
  test::Device dev;
  store::SubmitResult sent1, failed, untried, retrying, sending, sent2;
  Scenario() {
    test::UseIndianTime();
    model::Outbox& out = dev.s.outbox();
    sent1 = dev.File("pothole", kT0);
    failed = dev.File("garbage", kT0 + 600);
    untried = dev.File("water", kT0 + 1200);
    retrying = dev.File("drainage", kT0 + 1800);
    sending = dev.File("streetlight", kT0 + 2400);
    sent2 = dev.File("tree", kT0 + 3000);
    for (const auto* r : {&sent1, &failed, &retrying, &sending, &sent2})
      REQUIRE(out.MarkSending(r->ticket, kT0 + 60) == OutboxResult::Ok);
    REQUIRE(out.MarkSent(sent1.ticket, "BMC-2026-000101", kT0 + 120) == OutboxResult::Ok);
    REQUIRE(out.MarkFailed(failed.ticket,
                           "central refused it: category \"garbage\" is closed, ask the ward",
                           kT0 + 700) == OutboxResult::Ok);
    REQUIRE(out.MarkRetry(retrying.ticket, "network: timed out", kT0 + 3600) == OutboxResult::Ok);
    REQUIRE(out.MarkSent(sent2.ticket, "BMC-2026-000102", kT0 + 4000) == OutboxResult::Ok);
  }
};

}  // namespace

TEST_CASE("the reconciliation lists the unacknowledged first, with why, then the acknowledged",
          "[report][csv]") {
  Scenario sc;
  report::Reconciliation rec;
  std::string why;
  REQUIRE(report::LoadReconciliation(sc.dev.s, kT0 + 5000, &rec, &why));

  CHECK(rec.device.ward == 12);
  CHECK(rec.device.ward_code == "K/E");
  CHECK(rec.device.device == 7);
  CHECK(rec.generated_at == kT0 + 5000);
  CHECK(rec.totals.created == 6);
  CHECK(rec.totals.acknowledged == 2);
  CHECK(rec.totals.waiting == 3);
  CHECK(rec.totals.failed == 1);
  REQUIRE(rec.rows.size() == 6);
  std::vector<std::string> order;
  for (const report::ReconRow& r : rec.rows) order.push_back(r.ticket);
  CHECK(order == std::vector<std::string>{sc.failed.ticket_display, sc.untried.ticket_display,
                                          sc.retrying.ticket_display, sc.sending.ticket_display,
                                          sc.sent1.ticket_display, sc.sent2.ticket_display});
  CHECK(report::FileStem(rec) == "reconciliation-12-007-20261118-1800");

  SECTION("the CSV, byte for byte") {
    const std::string csv = report::ReconciliationCsv(rec);
    const std::string expected =
        "\xEF\xBB\xBF"
        "ticket,central_id,state,category,created_at,sent_at,attempts,cause\r\n" +
        sc.failed.ticket_display +
        ",,failed,garbage,2026-11-18T16:46:40+05:30,,1,"
        "\"central refused it: category \"\"garbage\"\" is closed, ask the ward\"\r\n" +
        sc.untried.ticket_display + ",,pending,water,2026-11-18T16:56:40+05:30,,0,not sent yet\r\n" +
        sc.retrying.ticket_display +
        ",,pending,drainage,2026-11-18T17:06:40+05:30,,1,network: timed out\r\n" +
        sc.sending.ticket_display +
        ",,sending,streetlight,2026-11-18T17:16:40+05:30,,1,being sent now\r\n" +
        sc.sent1.ticket_display +
        ",BMC-2026-000101,sent,pothole,2026-11-18T16:36:40+05:30,2026-11-18T16:38:40+05:30,1,\r\n" +
        sc.sent2.ticket_display +
        ",BMC-2026-000102,sent,tree,2026-11-18T17:26:40+05:30,2026-11-18T17:43:20+05:30,1,\r\n";
    CHECK(csv == expected);
  }

  SECTION("the file holds exactly that, and nothing the citizen gave") {
    const std::string path = sc.dev.dir.str() + "/" + report::FileStem(rec) + ".csv";
    REQUIRE(report::WriteReconciliationCsv(rec, path, &why));
    const std::string file = test::ReadFile(path);
    CHECK(file == report::ReconciliationCsv(rec));
    CHECK_FALSE(std::filesystem::exists(path + ".part"));
    CHECK(file.find(test::kPhone) == std::string::npos);
    CHECK(file.find("3456") == std::string::npos);  // not even the last digits
    CHECK(file.find(test::kDescription) == std::string::npos);
    CHECK(file.find("Andheri") == std::string::npos);  // the landmark the drafts carry
  }
}

TEST_CASE("CSV fields with commas, quotes, line ends or a formula's first character are made safe",
          "[report][csv]") {
  test::UseIndianTime();
  store::OutboxRow r;
  r.ticket = "not-a-ticket";  // kept as stored when it does not parse
  r.category = "@odd";
  r.state = model::OutboxState::Failed;
  r.attempts = 3;
  r.last_error = "HTTP 422,\n\"bad\"";
  r.created_at = kT0;
  store::OutboxRow s = r;
  s.ticket = "12007000018";
  s.state = model::OutboxState::Sent;
  s.central_id = "=HYPERLINK(\"http://x\")";
  s.category = "-minus";
  s.sent_at = kT0 + 1;
  s.last_error.clear();
  const report::Reconciliation rec = report::BuildReconciliation({s, r}, {12, "K/E", 7}, kT0);
  const std::string csv = report::ReconciliationCsv(rec);
  const std::string header = "\xEF\xBB\xBFticket,central_id,state,category,created_at,sent_at,attempts,cause\r\n";
  CHECK(csv == header +
                   "not-a-ticket,,failed,'@odd,2026-11-18T16:36:40+05:30,,3,"
                   "\"HTTP 422,\n\"\"bad\"\"\"\r\n"
                   "12-007-00001-8,\"'=HYPERLINK(\"\"http://x\"\")\",sent,'-minus,"
                   "2026-11-18T16:36:40+05:30,2026-11-18T16:36:41+05:30,3,\r\n");
}

TEST_CASE("every cause the page prints in the staff's language has a translation", "[report][i18n]") {
  const text::Catalog& cat = test::ShippedCatalog();
  store::OutboxRow untried, sending, pending_no_cause, failed_no_cause;
  untried.ticket = "1";
  sending.ticket = "2";
  sending.state = model::OutboxState::Sending;
  pending_no_cause.ticket = "3";
  pending_no_cause.attempts = 2;
  failed_no_cause.ticket = "4";
  failed_no_cause.state = model::OutboxState::Failed;
  const report::Reconciliation rec =
      report::BuildReconciliation({untried, sending, pending_no_cause, failed_no_cause}, {}, 0);
  int keyed = 0;
  for (const report::ReconRow& r : rec.rows) {
    INFO(r.ticket << ": " << r.cause);
    CHECK_FALSE(r.cause.empty());
    if (r.cause_key.empty()) continue;
    ++keyed;
    for (text::Lang l : text::kAllLangs) CHECK(cat.Has(l, r.cause_key));
  }
  CHECK(keyed == 4);
}

TEST_CASE("a device with nothing filed reconciles to zero", "[report]") {
  test::TempDir dir("report-empty");
  store::ComplaintStore s;
  std::string why;
  REQUIRE(s.Open(dir.str(), &why) == store::OpenStatus::Ok);
  report::Reconciliation rec;
  REQUIRE(report::LoadReconciliation(s, kT0, &rec, &why));
  CHECK(rec.device.ward == 0);  // not enrolled
  CHECK(rec.rows.empty());
  CHECK(rec.totals.created == 0);
  CHECK(report::ReconciliationCsv(rec) ==
        "\xEF\xBB\xBFticket,central_id,state,category,created_at,sent_at,attempts,cause\r\n");
}
