// submit.tests.cpp — filing a complaint and looking it up, as the kiosk's screens do: tickets,
// photo files, the phone gate, enrolment, orphan and session cleanup, a corrupt database.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "app/store/complaint_store.h"
#include "support.h"
#include "sync/model/sha256.h"

using namespace samvad;
namespace fs = std::filesystem;

namespace {

struct Kiosk {
  test::TempDir dir{"submit"};
  store::ComplaintStore s;
  std::mt19937_64 rng{42};
  Kiosk() {
    std::string msg;
    REQUIRE(s.Open(dir.str(), &msg) == store::OpenStatus::Ok);
  }
  std::int64_t Count(const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::int64_t n = -1;
    if (sqlite3_prepare_v2(s.store().db(), sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  }
  std::vector<std::string> PhotoFiles() {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(s.photos_dir())) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
};

}  // namespace

TEST_CASE("a complaint is filed only on an enrolled device", "[store][submit]") {
  Kiosk k;
  CHECK_FALSE(k.s.device().enrolled);
  auto d = test::Draft();
  d.photos.push_back(test::RandomPhoto(k.rng));
  CHECK(k.s.Submit(d).status == store::SubmitStatus::NotEnrolled);
  CHECK(k.PhotoFiles().empty());  // refused before any photo was written
  CHECK(k.s.Enrol(0, 7) == store::EnrolStatus::Invalid);
  CHECK(k.s.Enrol(12, 1000) == store::EnrolStatus::Invalid);
  REQUIRE(k.s.Enrol(12, 7) == store::EnrolStatus::Ok);
  const store::DeviceConfig c = k.s.device();
  CHECK(c.enrolled);
  CHECK(c.ward == 12);
  CHECK(c.device == 7);
  CHECK(c.next_sequence == 1);
}

TEST_CASE("Submit writes the photos, then the rows, and returns the ticket", "[store][submit]") {
  Kiosk k;
  REQUIRE(k.s.Enrol(12, 7) == store::EnrolStatus::Ok);
  auto d = test::Draft("रस्त्यावर मोठा खड्डा आहे", "+91 98201 23456");
  for (int i = 0; i < 3; ++i) d.photos.push_back(test::RandomPhoto(k.rng));
  const store::SubmitResult r = k.s.Submit(d);
  REQUIRE(r.status == store::SubmitStatus::Ok);
  CHECK(r.ticket == model::Ticket{12, 7, 1});
  CHECK(r.ticket_canonical == model::CanonicalTicket(r.ticket));
  CHECK(r.ticket_display == model::DisplayTicket(r.ticket));
  CHECK(r.created_at > 0);

  // Six files, each named by its content, holding exactly the bytes given.
  CHECK(k.PhotoFiles().size() == 6);
  for (const auto& p : d.photos)
    for (const auto* bytes : {&p.jpeg, &p.thumb}) {
      const std::string name = model::Sha256Hex(bytes->data(), bytes->size()) + ".jpg";
      const std::string got = test::ReadFile(k.s.photos_dir() + "/" + name);
      CHECK(got == std::string(bytes->begin(), bytes->end()));
    }
  CHECK(k.Count("SELECT COUNT(*) FROM complaints") == 1);
  CHECK(k.Count("SELECT COUNT(*) FROM photos") == 3);
  CHECK(k.Count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 1);
  CHECK(k.Count("SELECT COUNT(*) FROM status_events WHERE status = 'filed'") == 1);
  CHECK(k.Count("SELECT COUNT(*) FROM complaints WHERE phone = '9820123456'") == 1);

  SECTION("the status lookup asks for the phone's last 4 digits and never shows the phone") {
    CHECK(k.s.Lookup(r.ticket).status == store::LookupStatus::NeedPhoneDigits);
    CHECK(k.s.Lookup(r.ticket, "1234").status == store::LookupStatus::WrongPhoneDigits);
    CHECK(k.s.Lookup(r.ticket, "34x6").status == store::LookupStatus::WrongPhoneDigits);
    const store::LookupResult l = k.s.Lookup(r.ticket, "३४५६");  // typed in Devanagari
    REQUIRE(l.status == store::LookupStatus::Found);
    CHECK(l.masked_phone == "******3456");
    CHECK(l.current == model::Status::Filed);
    REQUIRE(l.history.size() == 1);
    CHECK(l.history[0].status == model::Status::Filed);
    CHECK(l.history[0].at == r.created_at);
    CHECK_FALSE(l.last_sync_at);
    CHECK_FALSE(l.sent);
    CHECK(l.category == "pothole");
    CHECK(l.ward_code == "K/E");
  }
  SECTION("without a phone at filing, the ticket alone shows the status") {
    const auto r2 = k.s.Submit(test::Draft());
    REQUIRE(r2.status == store::SubmitStatus::Ok);
    const auto l = k.s.Lookup(r2.ticket);
    CHECK(l.status == store::LookupStatus::Found);
    CHECK(l.masked_phone.empty());
    CHECK(k.s.Lookup(r2.ticket, "9999").status == store::LookupStatus::Found);
    CHECK(k.s.Lookup(model::Ticket{12, 7, 99}).status == store::LookupStatus::NotFound);
    CHECK(k.s.Lookup(model::Ticket{}).status == store::LookupStatus::NotFound);
  }
  SECTION("a photo given twice is stored once and shared") {
    auto d2 = test::Draft();
    d2.photos = {d.photos[0], d.photos[0]};
    REQUIRE(k.s.Submit(d2).status == store::SubmitStatus::Ok);
    CHECK(k.PhotoFiles().size() == 6);
    CHECK(k.s.CleanOrphans().orphans_removed == 0);
    CHECK(k.PhotoFiles().size() == 6);
  }
}

TEST_CASE("tickets follow on after a restart", "[store][submit]") {
  test::TempDir dir("restart");
  for (int run = 1; run <= 3; ++run) {
    store::ComplaintStore s;
    std::string msg;
    REQUIRE(s.Open(dir.str(), &msg) == store::OpenStatus::Ok);
    if (run == 1) REQUIRE(s.Enrol(3, 4) == store::EnrolStatus::Ok);
    CHECK(s.Submit(test::Draft()).ticket == model::Ticket{3, 4, run});
  }
}

TEST_CASE("bad input is refused with reasons and nothing is stored", "[store][submit]") {
  Kiosk k;
  REQUIRE(k.s.Enrol(1, 1) == store::EnrolStatus::Ok);
  auto d = test::Draft("valid start \xC0\xAF invalid end", "12345");
  d.photos.push_back(test::RandomPhoto(k.rng));
  const auto r = k.s.Submit(d);
  REQUIRE(r.status == store::SubmitStatus::Invalid);
  CHECK(r.issues.size() == 2);
  CHECK(k.Count("SELECT COUNT(*) FROM complaints") == 0);
  CHECK(k.PhotoFiles().empty());
  CHECK(k.s.device().next_sequence == 1);  // no ticket used
  auto four = test::Draft();
  for (int i = 0; i < 4; ++i) four.photos.push_back(test::RandomPhoto(k.rng, 1000, 100));
  CHECK(k.s.Submit(four).status == store::SubmitStatus::Invalid);
}

TEST_CASE("enrolment never lets a device issue the same ticket twice", "[store][submit]") {
  Kiosk k;
  REQUIRE(k.s.Enrol(5, 10) == store::EnrolStatus::Ok);
  for (int i = 0; i < 3; ++i) REQUIRE(k.s.Submit(test::Draft()).status == store::SubmitStatus::Ok);
  REQUIRE(k.s.Enrol(6, 10) == store::EnrolStatus::Ok);  // moved ward, same number: keeps counting
  CHECK(k.s.Submit(test::Draft()).ticket == model::Ticket{6, 10, 4});
  REQUIRE(k.s.Enrol(6, 11) == store::EnrolStatus::Ok);  // a new number starts at 1
  CHECK(k.s.Submit(test::Draft()).ticket == model::Ticket{6, 11, 1});
  REQUIRE(k.s.Enrol(6, 10) == store::EnrolStatus::Ok);  // back to the old number: after its last
  CHECK(k.s.Submit(test::Draft()).ticket == model::Ticket{6, 10, 5});

  SECTION("after 99,999 tickets the device must re-enrol") {
    REQUIRE(sqlite3_exec(k.s.store().db(), "UPDATE device SET next_seq = 99999", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto d = test::Draft();
    d.photos.push_back(test::RandomPhoto(k.rng, 5000, 500));
    CHECK(k.s.Submit(d).ticket.sequence == 99999);
    const auto files = k.PhotoFiles().size();
    d.photos[0] = test::RandomPhoto(k.rng, 5000, 500);
    CHECK(k.s.Submit(d).status == store::SubmitStatus::SequenceExhausted);
    CHECK(k.PhotoFiles().size() == files);
  }
}

TEST_CASE("CleanOrphans removes crash leftovers and nothing a complaint needs", "[store][orphans]") {
  Kiosk k;
  REQUIRE(k.s.Enrol(1, 1) == store::EnrolStatus::Ok);
  auto d = test::Draft();
  d.photos.push_back(test::RandomPhoto(k.rng, 5000, 500));
  REQUIRE(k.s.Submit(d).status == store::SubmitStatus::Ok);
  const auto kept = k.PhotoFiles();
  const std::string p = k.s.photos_dir() + "/";
  std::ofstream(p + ".tmp-0123456789abcdef") << "half a photo";
  std::ofstream(p + model::Sha256Hex("orphan") + ".jpg") << "orphan";
  std::ofstream(p + "README.txt") << "not ours";  // unknown names are left alone
  std::ofstream(k.s.session_dir() + "/draft-1.jpg") << "draft";

  store::CleanReport rep = k.s.CleanOrphans();
  CHECK(rep.ok);
  CHECK(rep.temp_removed == 1);
  CHECK(rep.orphans_removed == 1);
  CHECK(rep.missing == 0);
  auto now = k.PhotoFiles();
  CHECK(now.size() == kept.size() + 1);
  CHECK(fs::exists(p + "README.txt"));
  CHECK(fs::is_empty(k.s.session_dir()));

  SECTION("a referenced file that is gone is reported, not hidden") {
    fs::remove(p + kept[0]);
    rep = k.s.CleanOrphans();
    CHECK_FALSE(rep.ok);
    CHECK(rep.missing == 1);
  }
  SECTION("while a corrupt database is set aside, no photo is deleted") {
    std::ofstream(k.dir.str() + "/samvad.db.corrupt-1718000000") << "old";
    std::ofstream(p + model::Sha256Hex("maybe needed") + ".jpg") << "maybe needed";
    rep = k.s.CleanOrphans();
    CHECK(rep.orphans_removed == 0);
    CHECK(rep.kept_for_recovery == 1);
  }
}

TEST_CASE("the idle reset wipes an abandoned draft's temporary files", "[store][orphans]") {
  Kiosk k;
  REQUIRE(k.s.Enrol(1, 1) == store::EnrolStatus::Ok);
  auto d = test::Draft();
  d.photos.push_back(test::RandomPhoto(k.rng, 5000, 500));
  REQUIRE(k.s.Submit(d).status == store::SubmitStatus::Ok);
  std::ofstream(k.s.photos_dir() + "/.tmp-aaaa") << "x";
  std::ofstream(k.s.session_dir() + "/camera-0001.jpg") << "x";
  std::ofstream(k.s.session_dir() + "/camera-0002.jpg") << "x";
  CHECK(k.s.WipeSessionTemp() == 3);
  CHECK(k.PhotoFiles().size() == 2);  // the committed photo and thumbnail stay
  CHECK(fs::is_empty(k.s.session_dir()));
}

TEST_CASE("a corrupt database is moved aside, a new one started, and its photos kept", "[store][corrupt]") {
  test::TempDir dir("corrupt");
  std::mt19937_64 rng(3);
  std::string photo;
  {
    store::ComplaintStore s;
    std::string msg;
    REQUIRE(s.Open(dir.str(), &msg) == store::OpenStatus::Ok);
    REQUIRE(s.Enrol(1, 1) == store::EnrolStatus::Ok);
    auto d = test::Draft();
    d.photos.push_back(test::RandomPhoto(rng, 5000, 500));
    REQUIRE(s.Submit(d).status == store::SubmitStatus::Ok);
    photo = s.photos_dir();
  }
  // Scribble over the middle of the file (as a failing SD card would) and drop the WAL index.
  const std::string db = dir.str() + "/samvad.db";
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << std::string(100, '\x5a');
  }
  store::ComplaintStore s;
  std::string msg;
  CHECK(s.Open(dir.str(), &msg) == store::OpenStatus::RecoveredFromCorruption);
  CHECK(msg.find(".corrupt-") != std::string::npos);
  int aside = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename().string().rfind("samvad.db.corrupt-", 0) == 0) ++aside;
  CHECK(aside >= 1);
  CHECK(s.store().IntegrityOk());
  CHECK_FALSE(s.device().enrolled);  // a fresh database: staff must enrol again
  const store::CleanReport rep = s.CleanOrphans();
  CHECK(rep.orphans_removed == 0);
  CHECK(rep.kept_for_recovery == 2);
}

TEST_CASE("device health measures the database, the photo store and the free space", "[store][health]") {
  test::TempDir dir("health");
  store::ComplaintStore s;
  std::string msg;
  REQUIRE(s.Open(dir.str(), &msg) == store::OpenStatus::Ok);
  REQUIRE(s.Enrol(12, 7) == store::EnrolStatus::Ok);
  const store::StorageHealth before = store::MeasureStorage(dir.str());
  CHECK(before.free_bytes > 0);
  CHECK(before.db_bytes > 0);
  CHECK(before.photos_bytes == 0);
  CHECK(before.photo_files == 0);
  std::mt19937_64 rng(9);
  auto d = test::Draft();
  d.photos.push_back(test::RandomPhoto(rng, 50000, 5000));
  REQUIRE(s.Submit(d).status == store::SubmitStatus::Ok);
  const store::StorageHealth after = store::MeasureStorage(dir.str());
  CHECK(after.photo_files == 2);  // the photo and its thumbnail
  CHECK(after.photos_bytes == 55000);
  CHECK(after.db_bytes >= before.db_bytes);
  CHECK(store::MeasureStorage(dir.str() + "/nowhere").db_bytes == -1);
}
