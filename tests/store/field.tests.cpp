// field.tests.cpp — the field engineer's work log on the tablet (field_store.h, issue 5): the
// rules an update must meet before it is saved (F2), photos written before the row that names
// them (F1), per-kind photo indexes across updates, the update lifecycle the sync engine drives,
// a clock that went backwards (F4), and central's outcome shown after a conflict.
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <random>

#include "app/store/complaint_store.h"
#include "app/store/field_store.h"
#include "support.h"
#include "sync/model/sha256.h"

using namespace samvad;

namespace {

constexpr std::int64_t T = 1750000000;

struct Tablet {
  test::TempDir dir{"field"};
  std::unique_ptr<store::ComplaintStore> cs;
  std::unique_ptr<store::FieldStore> field;
  std::mt19937_64 rng{7};

  Tablet() { Reopen(); }
  void Reopen() {
    field.reset();
    cs = std::make_unique<store::ComplaintStore>();
    std::string why;
    REQUIRE(cs->Open(dir.str(), &why) != store::OpenStatus::Failed);
    field = std::make_unique<store::FieldStore>(cs->store(), cs->db_mutex(), dir.str() + "/field");
    REQUIRE(field->Open(&why));
  }
  store::WorkPhotoDraft Photo(const char* kind) {
    store::WorkPhotoDraft p;
    p.kind = kind;
    p.jpeg = test::RandomBytes(rng, 5000);
    p.sha256 = model::Sha256Hex(std::string_view(reinterpret_cast<const char*>(p.jpeg.data()), p.jpeg.size()));
    return p;
  }
};

model::AssignedRequest Request(std::string id, std::int64_t due, std::string detailed = "in_progress") {
  model::AssignedRequest a;
  a.central_id = std::move(id);
  a.ticket = "08-001-00042-9";
  a.service_code = "pothole";
  a.description = "रस्त्यावर मोठा खड्डा";
  a.address = "near Shivaji Park";
  a.lang = "mr";
  a.status = "open";
  a.detailed_status = std::move(detailed);
  a.department = "roads";
  a.latest_update_id = "31";
  a.requested_at = due - 48 * 3600;
  a.expected_at = due;
  return a;
}

store::WorkDraft Draft(const char* status, std::string note = {}) {
  store::WorkDraft d;
  d.central_id = "17";
  d.user_id = "GN-ENG-04";
  d.status = status;
  d.note = std::move(note);
  return d;
}

}  // namespace

TEST_CASE("the assigned list comes in due order with overdue work marked", "[store][field]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600), Request("9", T - 60), Request("20", T + 60)}, T, &why));
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-05", {Request("30", T - 100)}, T, &why));
  std::vector<store::AssignedView> list;
  REQUIRE(t.field->ListAssigned("GN-ENG-04", T, &list));
  REQUIRE(list.size() == 3);
  CHECK(list[0].request.central_id == "9");
  CHECK(list[0].overdue);
  CHECK(list[1].request.central_id == "20");
  CHECK_FALSE(list[1].overdue);
  CHECK(list[2].request.central_id == "17");
  CHECK(list[2].request.description == "रस्त्यावर मोठा खड्डा");
  // Central's next list replaces this engineer's, not another's.
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600)}, T, &why));
  REQUIRE(t.field->ListAssigned("GN-ENG-04", T, &list));
  CHECK(list.size() == 1);
  REQUIRE(t.field->ListAssigned("GN-ENG-05", T, &list));
  CHECK(list.size() == 1);
}

TEST_CASE("an update is refused unless central would accept it", "[store][field]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600)}, T, &why));
  CHECK(t.field->RecordUpdate(Draft("resolved"), T).issue == "work.err.need_after");
  CHECK(t.field->RecordUpdate(Draft("rejected", "   "), T).issue == "work.err.need_reason");
  CHECK(t.field->RecordUpdate(Draft("transferred"), T).issue == "work.err.need_department");
  CHECK(t.field->RecordUpdate(Draft("closed"), T).issue == "work.err.status");
  store::WorkDraft unknown = Draft("acknowledged");
  unknown.central_id = "99";
  CHECK(t.field->RecordUpdate(unknown, T).status == store::RecordStatus::UnknownRequest);
  store::WorkDraft bad_photo = Draft("in_progress");
  bad_photo.photos.push_back(t.Photo("before"));
  bad_photo.photos.back().sha256 = "not a digest";
  CHECK(t.field->RecordUpdate(bad_photo, T).issue == "work.err.photo");
  // Nothing of the refused ones was kept.
  store::FieldCounts c;
  REQUIRE(t.field->Counts(&c));
  CHECK(c.pending == 0);
  CHECK(std::distance(std::filesystem::directory_iterator(t.dir.path() / "field"), {}) == 0);

  store::WorkDraft ok = Draft("rejected", "duplicate of 08-001-00040-7");
  REQUIRE(t.field->RecordUpdate(ok, T).status == store::RecordStatus::Ok);
}

TEST_CASE("before and after photos are kept with their update and numbered per complaint", "[store][field]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600)}, T, &why));
  store::WorkDraft first = Draft("in_progress", "खडी टाकली");
  first.photos = {t.Photo("before"), t.Photo("before")};
  first.lat = 19.0269;
  first.lon = 72.8383;
  const store::RecordResult r1 = t.field->RecordUpdate(first, T);
  REQUIRE(r1.status == store::RecordStatus::Ok);
  store::WorkDraft second = Draft("resolved", "काम पूर्ण");
  second.photos = {t.Photo("before"), t.Photo("after")};
  const store::RecordResult r2 = t.field->RecordUpdate(second, T + 60);
  REQUIRE(r2.status == store::RecordStatus::Ok);
  // A fourth before photo for this complaint would be a fourth tus upload central refuses.
  store::WorkDraft third = Draft("in_progress");
  third.photos = {t.Photo("before")};
  CHECK(t.field->RecordUpdate(third, T + 120).issue == "work.err.too_many");

  t.Reopen();  // what was saved survives a restart, files included
  std::vector<model::FieldUpdate> due;
  REQUIRE(t.field->ListDueUpdates(T + 200, 10, &due));
  REQUIRE(due.size() == 2);
  CHECK(due[0].uuid == r1.uuid);
  CHECK(due[0].status == "in_progress");
  CHECK(due[0].based_on_update_id == "31");
  REQUIRE(due[0].lat);
  CHECK(*due[0].lat == Approx(19.0269));
  REQUIRE(due[0].photos.size() == 2);
  CHECK(due[0].photos[0].index == 0);
  CHECK(due[0].photos[1].index == 1);
  REQUIRE(due[1].photos.size() == 2);
  CHECK(due[1].photos[0].kind == "before");
  CHECK(due[1].photos[0].index == 2);  // the third before photo of complaint 17
  CHECK(due[1].photos[1].kind == "after");
  CHECK(due[1].photos[1].index == 0);
  for (const model::FieldUpdate& u : due)
    for (const model::WorkPhoto& p : u.photos) {
      REQUIRE(std::filesystem::exists(t.field->PhotoPath(p.file)));
      CHECK(std::filesystem::file_size(t.field->PhotoPath(p.file)) == 5000);
    }
  // While an update waits, the list shows it; the second's "resolved" is the last word.
  std::vector<store::AssignedView> list;
  REQUIRE(t.field->ListAssigned("GN-ENG-04", T + 200, &list));
  REQUIRE(list.size() == 1);
  CHECK(list[0].shown_status == "resolved");
  CHECK(list[0].pending_updates == 2);
  CHECK(list[0].before_photos == 3);
  CHECK(list[0].after_photos == 1);
}

TEST_CASE("a crash between the photo files and the commit leaves no orphan behind", "[store][field]") {
  Tablet t;
  const auto stray = t.dir.path() / "field" / (std::string(64, 'b') + ".jpg");
  { std::ofstream(stray) << "half a transaction"; }
  t.Reopen();
  CHECK_FALSE(std::filesystem::exists(stray));
}

TEST_CASE("updates follow the outbox's lifecycle and keep central's outcome", "[store][field]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600)}, T, &why));
  store::WorkDraft d = Draft("resolved", "काम पूर्ण");
  d.photos = {t.Photo("after")};
  const std::string uuid = t.field->RecordUpdate(d, T).uuid;
  REQUIRE_FALSE(uuid.empty());
  CHECK_FALSE(t.field->MarkUpdateSent(uuid, {"50", false, "fixed", "closed", ""}, T));  // not sending
  REQUIRE(t.field->MarkUpdateSending(uuid, T));
  CHECK_FALSE(t.field->MarkUpdateSending(uuid, T));
  REQUIRE(t.field->MarkUpdateRetry(uuid, "central unreachable", T + 30));
  std::vector<model::FieldUpdate> due;
  REQUIRE(t.field->ListDueUpdates(T + 10, 10, &due));
  CHECK(due.empty());  // not due yet
  REQUIRE(t.field->ListDueUpdates(T + 30, 10, &due));
  REQUIRE(due.size() == 1);
  CHECK(due[0].attempts == 1);
  CHECK(due[0].last_error == "central unreachable");
  REQUIRE(t.field->MarkUpdateSending(uuid, T + 30));
  // Central had meanwhile rejected the complaint: ours is recorded, central's outcome stands.
  REQUIRE(t.field->MarkUpdateSent(uuid, {"50", true, "closed", "closed", ""}, T + 31));
  store::AssignedDetail det;
  REQUIRE(t.field->GetAssigned("17", T + 40, &det));
  CHECK(det.view.conflict);
  CHECK(det.view.shown_status == "rejected");
  REQUIRE(det.history.size() == 1);
  CHECK(det.history[0].update.status == "resolved");  // nothing of ours is overwritten
  CHECK(det.history[0].state == "sent");
  CHECK(det.history[0].conflict);
  CHECK(det.history[0].outcome == "rejected");
  store::FieldCounts c;
  REQUIRE(t.field->Counts(&c));
  CHECK(c.sent == 1);
}

TEST_CASE("a clock that went backwards is flagged, and the update kept", "[store][field]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600)}, T, &why));  // synced at T
  const store::RecordResult ok = t.field->RecordUpdate(Draft("acknowledged"), T + 5);
  CHECK_FALSE(ok.clock_suspect);
  const store::RecordResult back = t.field->RecordUpdate(Draft("in_progress"), T - 86400);
  REQUIRE(back.status == store::RecordStatus::Ok);
  CHECK(back.clock_suspect);
  store::AssignedDetail det;
  REQUIRE(t.field->GetAssigned("17", T, &det));
  REQUIRE(det.history.size() == 2);
  CHECK(det.history[0].clock_suspect);  // oldest recorded_at first: the suspect one
  CHECK_FALSE(det.history[1].clock_suspect);
}

TEST_CASE("a development work is kept with its photos and follows the lifecycle", "[store][field]") {
  Tablet t;
  store::DevWorkDraft d;
  d.user_id = "GN-ENG-04";
  d.lang = "mr";
  d.ward = "08";
  d.description = "पावसाळ्यापूर्वी नाल्यातील गाळ काढला";
  CHECK(t.field->RecordWork(d, T).issue == "devwork.err.title");
  d.title = std::string(201, 'x');
  CHECK(t.field->RecordWork(d, T).issue == "devwork.err.title_long");
  d.title = "नाला सफाई";
  d.photos = {t.Photo("before"), t.Photo("after"), t.Photo("after")};
  d.lat = 19.0176;
  d.lon = 72.8425;
  const store::RecordResult r = t.field->RecordWork(d, T);
  REQUIRE(r.status == store::RecordStatus::Ok);
  t.Reopen();
  std::vector<model::DevelopmentWork> due;
  REQUIRE(t.field->ListDueWorks(T, 10, &due));
  REQUIRE(due.size() == 1);
  CHECK(due[0].title == "नाला सफाई");
  CHECK(due[0].ward == "08");
  REQUIRE(due[0].photos.size() == 3);
  CHECK(due[0].photos[1].kind == "after");
  CHECK(due[0].photos[2].index == 1);
  for (const model::WorkPhoto& p : due[0].photos) CHECK(std::filesystem::exists(t.field->PhotoPath(p.file)));
  CHECK_FALSE(t.field->SetWorkId(r.uuid, "5"));  // only while sending
  REQUIRE(t.field->MarkWorkSending(r.uuid, T));
  REQUIRE(t.field->SetWorkId(r.uuid, "5"));
  REQUIRE(t.field->MarkWorkRetry(r.uuid, "connection dropped", T + 10));
  REQUIRE(t.field->ListDueWorks(T + 10, 10, &due));
  REQUIRE(due.size() == 1);
  CHECK(due[0].work_id == "5");  // a retry needs no second create
  REQUIRE(t.field->MarkWorkSending(r.uuid, T + 10));
  REQUIRE(t.field->MarkWorkSent(r.uuid, T + 11));
  std::vector<store::DevWorkRow> rows;
  REQUIRE(t.field->ListWorks(10, &rows));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "sent");
  CHECK(rows[0].work_id == "5");
  CHECK(rows[0].photos == 3);
}

TEST_CASE("central's history is kept for assigned complaints only, without the tablet's own updates twice",
          "[store][field]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600)}, T, &why));
  REQUIRE(t.field->RecordCentralUpdate({"30", "17", "open", "Complaint received", T - 100, false}));
  REQUIRE(t.field->RecordCentralUpdate({"31", "17", "in_progress", "Assigned to GN-ENG-04", T - 50, false}));
  REQUIRE(t.field->RecordCentralUpdate({"31", "17", "in_progress", "Assigned to GN-ENG-04", T - 50, false}));  // a page read twice
  REQUIRE(t.field->RecordCentralUpdate({"40", "99", "fixed", "not ours", T, false}));  // not assigned here
  const std::string uuid = t.field->RecordUpdate(Draft("acknowledged"), T).uuid;
  REQUIRE(t.field->MarkUpdateSending(uuid, T));
  REQUIRE(t.field->MarkUpdateSent(uuid, {"41", false, "acknowledged", "open", ""}, T));
  REQUIRE(t.field->RecordCentralUpdate({"41", "17", "acknowledged", "", T, false}));  // ours, from the feed
  store::AssignedDetail det;
  REQUIRE(t.field->GetAssigned("17", T, &det));
  REQUIRE(det.central_history.size() == 2);
  CHECK(det.central_history[0].status == "open");
  CHECK(det.central_history[1].note == "Assigned to GN-ENG-04");
  CHECK(det.history.size() == 1);
  CHECK_FALSE(t.field->GetAssigned("99", T, &det));
}

// F5: a tablet takes ~20 photos a day; once central has had them for the retention period they
// leave the tablet, and nothing the engineer still needs goes with them.
TEST_CASE("retention releases the photo files of sent updates and works, and nothing else", "[store][field][retention]") {
  Tablet t;
  std::string why;
  REQUIRE(t.field->ReplaceAssigned("GN-ENG-04", {Request("17", T + 3600), Request("18", T + 3600)}, T, &why));
  const auto files_of = [&](const std::vector<store::WorkPhotoDraft>& photos) {
    std::vector<std::filesystem::path> out;
    for (const auto& p : photos) out.push_back(t.field->PhotoPath(p.sha256 + ".jpg"));
    return out;
  };
  // Sent on day 0: an update with an after photo, and a development work.
  store::WorkDraft sent = Draft("in_progress", "खडी टाकली");
  sent.photos = {t.Photo("before"), t.Photo("after")};
  const std::string sent_uuid = t.field->RecordUpdate(sent, T).uuid;
  REQUIRE(t.field->MarkUpdateSending(sent_uuid, T));
  REQUIRE(t.field->MarkUpdateSent(sent_uuid, {"50", false, "open", "in_progress", ""}, T + 10));
  store::DevWorkDraft work;
  work.user_id = "GN-ENG-04";
  work.lang = "mr";
  work.ward = "08";
  work.title = "नाला सफाई";
  work.photos = {t.Photo("before")};
  const std::string work_uuid = t.field->RecordWork(work, T).uuid;
  REQUIRE(t.field->MarkWorkSending(work_uuid, T));
  REQUIRE(t.field->SetWorkId(work_uuid, "5"));
  REQUIRE(t.field->MarkWorkSent(work_uuid, T + 10));
  // Still waiting, from the same day: another complaint's update, whose before photo is the very
  // same picture as the sent one's (content addressing: one file, two rows).
  store::WorkDraft waiting = Draft("in_progress");
  waiting.central_id = "18";
  waiting.photos = {sent.photos[0], t.Photo("after")};
  const std::string waiting_uuid = t.field->RecordUpdate(waiting, T).uuid;
  REQUIRE_FALSE(waiting_uuid.empty());

  const auto sent_files = files_of(sent.photos), work_files = files_of(work.photos), waiting_files = files_of(waiting.photos);
  // Within the period nothing goes; a nonsense period is refused and touches nothing.
  CHECK_FALSE(t.field->ApplyRetention(-1, T + 40 * 86400).ok);
  store::FieldRetentionResult early = t.field->ApplyRetention(30, T + 29 * 86400);
  REQUIRE(early.ok);
  CHECK(early.photos_released == 0);
  for (const auto& f : sent_files) CHECK(std::filesystem::exists(f));

  const store::FieldRetentionResult r = t.field->ApplyRetention(30, T + 31 * 86400);
  INFO(r.detail);
  REQUIRE(r.ok);
  CHECK(r.photos_released == 3);  // the sent update's two and the work's one
  CHECK(r.files_deleted == 2);    // the shared before photo stays: the waiting update needs it
  CHECK(std::filesystem::exists(sent_files[0]));
  CHECK_FALSE(std::filesystem::exists(sent_files[1]));
  CHECK_FALSE(std::filesystem::exists(work_files[0]));
  for (const auto& f : waiting_files) CHECK(std::filesystem::exists(f));
  // The waiting update still goes out whole.
  std::vector<model::FieldUpdate> due;
  REQUIRE(t.field->ListDueUpdates(T + 31 * 86400, 10, &due));
  REQUIRE(due.size() == 1);
  CHECK(due[0].uuid == waiting_uuid);
  for (const model::WorkPhoto& p : due[0].photos) CHECK(std::filesystem::exists(t.field->PhotoPath(p.file)));
  // The rows stay: the counts and the resolve rule read as before (complaint 17's after photo
  // is on central; "resolved" needs no new one).
  std::vector<store::AssignedView> list;
  REQUIRE(t.field->ListAssigned("GN-ENG-04", T + 31 * 86400, &list));
  const auto seventeen = std::find_if(list.begin(), list.end(), [](const auto& v) { return v.request.central_id == "17"; });
  REQUIRE(seventeen != list.end());
  CHECK(seventeen->before_photos == 1);
  CHECK(seventeen->after_photos == 1);
  CHECK(t.field->RecordUpdate(Draft("resolved", "काम पूर्ण"), T + 31 * 86400).status == store::RecordStatus::Ok);
  std::vector<store::DevWorkRow> works;
  REQUIRE(t.field->ListWorks(10, &works));
  REQUIRE(works.size() == 1);
  CHECK(works[0].photos == 1);
  // Idempotent, and a restart's sweep keeps the shared file.
  const store::FieldRetentionResult again = t.field->ApplyRetention(30, T + 31 * 86400);
  REQUIRE(again.ok);
  CHECK(again.photos_released == 0);
  CHECK(again.files_deleted == 0);
  t.Reopen();
  CHECK(std::filesystem::exists(sent_files[0]));
}
