// report_support.h — what the report tests share: a device store in a temporary folder with
// complaints filed at chosen times (each with a phone number, which no report may contain), the
// time zone pinned to India's, and the catalog and fonts the kiosk ships. Header-only.
#pragma once
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

#include "app/store/complaint_store.h"
#include "app/text/catalog.h"
#include "app/text/fonts.h"
#include "tests/store/support.h"

namespace samvad::test {

// Times in the reports are the device's local time: pin it, so expected text is exact. A POSIX
// zone string needs no tzdata.
inline void UseIndianTime() {
  ::setenv("TZ", "IST-5:30", 1);
  ::tzset();
}

inline constexpr const char* kPhone = "9820123456";
inline constexpr const char* kDescription = "रस्त्यावर मोठा खड्डा आहे";

// Enrolled as ward 12 (K/E), device 7.
struct Device {
  TempDir dir{"report"};
  store::ComplaintStore s;
  Device() {
    std::string msg;
    REQUIRE(s.Open(dir.str() + "/data", &msg) == store::OpenStatus::Ok);
    REQUIRE(s.Enrol(12, 7) == store::EnrolStatus::Ok);
  }
  // Files a complaint with a phone number, then sets its creation time to `at` (Submit reads
  // the clock; the report's tests need times they can write down).
  store::SubmitResult File(const std::string& category, std::int64_t at) {
    auto d = Draft(kDescription, kPhone);
    d.fields.category = category;
    store::SubmitResult r = s.Submit(d);
    REQUIRE(r.status == store::SubmitStatus::Ok);
    std::lock_guard lock(s.db_mutex());
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(s.store().db(), "UPDATE complaints SET created_at = ? WHERE ticket = ?",
                               -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_text(st, 2, r.ticket_canonical.c_str(), -1, SQLITE_TRANSIENT);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    REQUIRE(rc == SQLITE_DONE);
    return r;
  }
};

// Loaded once for the whole run, as the kiosk loads them once.
inline const text::Catalog& ShippedCatalog() {
  static text::Catalog catalog;
  static const std::string error = [] {
    std::string err;
    return catalog.LoadDir(std::string(SAMVAD_SOURCE_DIR) + "/assets/i18n", &err) ? std::string() : err;
  }();
  if (!error.empty()) FAIL(error);
  return catalog;
}

inline const text::FontSet& ShippedFonts() {
  static text::FontSet fonts;
  static const std::string error = [] {
    std::string err;
    return fonts.Load(std::string(SAMVAD_SOURCE_DIR) + "/fonts/fonts.txt", &err) ? std::string() : err;
  }();
  if (!error.empty()) FAIL(error);
  return fonts;
}

}  // namespace samvad::test
