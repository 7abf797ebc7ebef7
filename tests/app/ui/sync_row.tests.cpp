// sync_row.tests.cpp — the line the staff sync screen shows under each outbox entry
// (SyncRowDetail), in every language: what it waits for, and the session's own figures.
#include <catch2/catch.hpp>
#include <string>

#include "app/ui/app.h"

using namespace samvad;
using namespace samvad::ui;

namespace {

// An AppState with only what SyncRowDetail reads: the catalogs and a language.
struct Screen {
  TextServices text;
  AppState app;
  Screen() {
    std::string err;
    REQUIRE(text.catalog.LoadDir(std::string(SAMVAD_SOURCE_DIR) + "/assets/i18n", &err));
    app.text = &text;
  }
};

sync::SyncSnapshot Sending(const std::string& ticket, std::int64_t done, std::int64_t total) {
  sync::SyncSnapshot snap;
  sync::ItemProgress ip;
  ip.ticket = ticket;
  ip.phase = sync::ItemPhase::Photo;
  ip.bytes_done = done;
  ip.bytes_total = total;
  snap.items.push_back(ip);
  return snap;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

TEST_CASE("an entry whose bytes are all in says it waits for central to save it", "[ui][sync]") {
  Screen s;
  SyncRowView row;
  row.ticket = "08-001-00042-9";
  row.state = "sending";
  for (const text::Lang lang : text::kAllLangs) {
    s.app.lang = lang;
    CAPTURE(text::LangCode(lang));
    const std::string saving = s.app.T("sync.saving"), sending = s.app.T("sync.sending_now");
    REQUIRE(saving != sending);
    REQUIRE(saving != "sync.saving");  // translated, not the bare key
    // Halfway: still sending, with its figures.
    const std::string half = SyncRowDetail(s.app, row, Sending(row.ticket, 150000, 300000), 0);
    CHECK(half == sending + "  ·  150.0 KB / 300.0 KB");
    // Every byte confirmed, the entry not yet settled (its batch's flush is on its way).
    const std::string full = SyncRowDetail(s.app, row, Sending(row.ticket, 300000, 300000), 0);
    CHECK(full == saving + "  ·  300.0 KB / 300.0 KB");
    // Already sent in the engine's snapshot (the row, read once a second, lags): not waiting.
    sync::SyncSnapshot done = Sending(row.ticket, 300000, 300000);
    done.items[0].phase = sync::ItemPhase::Sent;
    CHECK(SyncRowDetail(s.app, row, done, 0) == sending + "  ·  300.0 KB / 300.0 KB");
    // A complaint with no payload yet counted is sending, not saved.
    CHECK(SyncRowDetail(s.app, row, Sending(row.ticket, 0, 0), 0) == sending + "  ·  0 B / 0 B");
    // Another entry's progress is not this one's.
    CHECK(SyncRowDetail(s.app, row, Sending("08-001-00043-2", 300000, 300000), 0) == sending);
  }
}

TEST_CASE("a waiting entry shows its cause and the next try; a sent one its central number", "[ui][sync]") {
  Screen s;
  s.app.lang = text::Lang::Mr;
  SyncRowView row;
  row.ticket = "08-001-00042-9";
  row.state = "pending";
  CHECK(SyncRowDetail(s.app, row, {}, 1000) == s.app.T("sync.not_tried"));
  row.cause = "connection dropped mid-transfer (reset); will resume";
  row.next_attempt_at = 1014;
  const std::string d = SyncRowDetail(s.app, row, {}, 1000);
  CHECK(StartsWith(d, s.app.Cause(row.cause)));
  CHECK(d.find("14 s") != std::string::npos);
  CHECK(d.find("connection dropped mid-transfer") != std::string::npos);  // the engine's words stay
  row.state = "sent";
  row.central_id = "517";
  CHECK(StartsWith(SyncRowDetail(s.app, row, {}, 1000), "मुख्य क्र. 517"));
}
