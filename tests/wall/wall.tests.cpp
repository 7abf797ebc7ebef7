// wall.tests.cpp — links sync/model and app/store alone (no ImGui, no GLFW, no app/ui): that
// this binary links at all is the proof that the data layer stays free of the UI (GUIDE 1).
// The tests themselves exercise what it links, so the proof is not an empty program.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "app/store/store.h"
#include "sync/model/digits.h"

namespace fs = std::filesystem;

TEST_CASE("digits of every script are stored as ASCII", "[wall][model]") {
  CHECK(samvad::model::NormalizeDigits("९८२०१२३४५६") == "9820123456");
  CHECK(samvad::model::NormalizeDigits("৯৮২০ ward 12") == "9820 ward 12");
  CHECK(samvad::model::DigitValue(U'७') == 7);
  CHECK(samvad::model::DigitValue(U'क') == -1);
}

TEST_CASE("the store opens with WAL and synchronous=FULL and migrates", "[wall][store]") {
  const fs::path dir = fs::temp_directory_path() / ("samvad-wall-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "device.db").string();
  samvad::store::Store s;
  std::string msg;
  REQUIRE(s.Open(path, &msg) == samvad::store::OpenStatus::Ok);
  CHECK(s.schema_version() == samvad::store::Store::kSchemaVersion);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(s.db(), "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  REQUIRE(sqlite3_prepare_v2(s.db(), "PRAGMA synchronous", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 2);  // 2 = FULL
  sqlite3_finalize(st);

  SECTION("a corrupt file is moved aside, never deleted") {
    s.Close();
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      f << std::string(8192, 'x');  // not a database
    }
    samvad::store::Store again;
    CHECK(again.Open(path, &msg) == samvad::store::OpenStatus::RecoveredFromCorruption);
    CHECK(msg.find(".corrupt-") != std::string::npos);
    int kept = 0;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().string().find(".corrupt-") != std::string::npos && fs::file_size(e.path()) == 8192) ++kept;
    CHECK(kept == 1);
    CHECK(again.IntegrityOk());
  }
  fs::remove_all(dir);
}
