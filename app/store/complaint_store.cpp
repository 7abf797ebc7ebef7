// complaint_store.cpp — see complaint_store.h; the durable-write order of Submit and what a
// crash at each step leaves behind is argued in DESIGN.md.
//
// [SECTION] Open, enrolment
// [SECTION] Submit
// [SECTION] Lookup
// [SECTION] Orphans and session files
// [SECTION] Device health
#include "app/store/complaint_store.h"

#include <unistd.h>

#include <array>
#include <cassert>
#include <ctime>
#include <filesystem>
#include <set>
#include <tuple>

#include "app/store/files.h"
#include "app/store/rows.h"
#include "app/store/sql.h"
#include "sync/model/sha256.h"

namespace samvad::store {
namespace {

constexpr const char* kDbName = "samvad.db";

bool IsContentName(const std::string& name) {
  return name.size() == 64 + 4 && name.compare(64, 4, ".jpg") == 0 &&
         model::IsSha256Hex(std::string_view(name).substr(0, 64));
}

bool IsTempName(const std::string& name) { return name.rfind(files::kTempPrefix, 0) == 0; }

}  // namespace

const char* SubmitStatusName(SubmitStatus s) {
  switch (s) {
    case SubmitStatus::Ok: return "ok";
    case SubmitStatus::Invalid: return "invalid";
    case SubmitStatus::NotEnrolled: return "not_enrolled";
    case SubmitStatus::SequenceExhausted: return "sequence_exhausted";
    case SubmitStatus::DiskFull: return "disk_full";
    case SubmitStatus::StorageError: break;
  }
  return "storage_error";
}

// =====================================================================================
// [SECTION] Open, enrolment
// =====================================================================================

ComplaintStore::ComplaintStore() = default;
ComplaintStore::~ComplaintStore() = default;

OpenStatus ComplaintStore::Open(const std::string& data_dir, std::string* message) {
  std::lock_guard files_lock(files_mu_);
  data_dir_ = data_dir;
  photos_dir_ = data_dir + "/photos";
  session_dir_ = data_dir + "/session";
  for (const std::string* d : {&data_dir_, &photos_dir_, &session_dir_}) {
    if (files::Result r = files::EnsureDir(*d); !r) {
      *message = r.what;
      return OpenStatus::Failed;
    }
  }
  OpenStatus st;
  {
    std::lock_guard lock(db_mu_);
    outbox_.reset();
    st = store_.Open(data_dir_ + "/" + kDbName, message);
    if (st == OpenStatus::Failed) return st;
    outbox_ = std::make_unique<OutboxStore>(store_, db_mu_, photos_dir_);
  }
  // No send can be in flight yet (the sync client starts after Open): outbox invariant 7.
  if (outbox_->RecoverInterrupted(std::time(nullptr)) < 0) {
    std::lock_guard lock(db_mu_);
    *message = std::string("cannot recover the outbox: ") + sqlite3_errmsg(store_.db());
    outbox_.reset();
    store_.Close();
    return OpenStatus::Failed;
  }
  std::lock_guard lock(db_mu_);
  AssertOutboxInvariants(store_.db(), /*at_open=*/true);
  return st;
}

DeviceConfig ComplaintStore::device() {
  std::lock_guard lock(db_mu_);
  DeviceConfig c;
  sql::Stmt q(store_.db(), "SELECT ward_no, device_no, next_seq FROM device WHERE id = 1");
  if (q.Step() == SQLITE_ROW) {
    c.enrolled = true;
    c.ward = static_cast<int>(q.Int(0));
    c.device = static_cast<int>(q.Int(1));
    c.next_sequence = static_cast<int>(q.Int(2));
  }
  return c;
}

EnrolStatus ComplaintStore::Enrol(int ward, int device) {
  if (ward < model::kWardMin || ward > model::kWardMax || device < model::kDeviceMin ||
      device > model::kDeviceMax)
    return EnrolStatus::Invalid;
  std::lock_guard lock(db_mu_);
  sqlite3* db = store_.db();
  sql::Txn txn(db);
  if (!txn.began()) return EnrolStatus::StorageError;
  // Same device number: keep counting. Another number: continue after anything this database
  // ever issued under it (re-enrolment back to an old number must not repeat a ticket).
  sql::Stmt u(db,
              "INSERT INTO device(id, ward_no, device_no, next_seq, enrolled_at) "
              "VALUES(1, ?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM complaints WHERE device_no = ?2), ?3) "
              "ON CONFLICT(id) DO UPDATE SET ward_no = ?1, enrolled_at = ?3, "
              "  next_seq = CASE WHEN device_no = ?2 THEN next_seq ELSE excluded.next_seq END, "
              "  device_no = ?2");
  u.Bind(1, ward).Bind(2, device).Bind(3, static_cast<std::int64_t>(std::time(nullptr)));
  if (!u.Run()) return EnrolStatus::StorageError;
  return txn.Commit() == SQLITE_OK ? EnrolStatus::Ok : EnrolStatus::StorageError;
}

// =====================================================================================
// [SECTION] Submit
// =====================================================================================

SubmitResult ComplaintStore::Submit(const ComplaintDraft& draft) {
  SubmitResult r;
  model::ComplaintFields f = draft.fields;
  r.issues = model::ValidateFields(f);
  if (draft.photos.size() > static_cast<size_t>(model::kMaxPhotos))
    r.issues.push_back({model::Field::Photos, model::Problem::TooMany});
  for (const PhotoDraft& p : draft.photos) {
    const bool ok = !p.jpeg.empty() && !p.thumb.empty() &&
                    static_cast<std::int64_t>(p.jpeg.size()) <= model::kMaxPhotoBytes &&
                    static_cast<std::int64_t>(p.thumb.size()) <= model::kMaxPhotoBytes &&
                    p.width > 0 && p.width <= model::kMaxPhotoSide && p.height > 0 &&
                    p.height <= model::kMaxPhotoSide;
    assert(ok && "a photo draft app/capture could not have produced (empty, huge or no size)");
    if (!ok) {
      r.issues.push_back({model::Field::Photos, model::Problem::Malformed});
      break;
    }
  }
  if (!r.issues.empty()) {
    r.status = SubmitStatus::Invalid;
    return r;
  }

  std::lock_guard files_lock(files_mu_);
  assert(outbox_ && "Submit before a successful Open");
  if (!outbox_) return r;
  {  // Cheap early refusals, so a device that cannot issue a ticket writes no photo files.
    std::lock_guard lock(db_mu_);
    sql::Stmt q(store_.db(), "SELECT next_seq FROM device WHERE id = 1");
    const int rc = q.Step();
    if (rc == SQLITE_DONE) { r.status = SubmitStatus::NotEnrolled; return r; }
    if (rc == SQLITE_ROW && q.Int(0) > model::kSequenceMax) { r.status = SubmitStatus::SequenceExhausted; return r; }
  }

  // 1. Photo files, named by content: temp → fsync → rename, then one fsync of the folder.
  model::Complaint c;
  std::vector<std::string> created;  // final names this call created; removed if we give up
  std::set<std::string> written;
  const auto give_up = [&](SubmitStatus st, std::string detail) {
    for (const std::string& n : created) ::unlink((photos_dir_ + "/" + n).c_str());
    r.status = st;
    r.detail = std::move(detail);
    return r;
  };
  // Content-addressed names; a name already written (the same photo twice) or already on disk
  // under its final name (fsynced before its rename, so complete) is not written again.
  std::vector<files::PendingFile> pending;
  const auto plan = [&](const std::vector<std::uint8_t>& bytes, std::string* sha, std::string* name,
                        const std::string& known = {}) {
    // A digest handed in is checked in debug builds: a wrong one would name a file by bytes it
    // does not hold, and only the upload's checksum would notice.
    assert((known.empty() || known == model::Sha256Hex(bytes.data(), bytes.size())) &&
           "PhotoDraft::jpeg_sha256 is not the SHA-256 of its jpeg");
    *sha = model::IsSha256Hex(known) ? known : model::Sha256Hex(bytes.data(), bytes.size());
    *name = *sha + ".jpg";
    if (written.insert(*name).second && !files::Exists(photos_dir_ + "/" + *name))
      pending.push_back({*name, std::span<const std::uint8_t>(bytes)});
  };
  for (const PhotoDraft& p : draft.photos) {
    model::PhotoRef ref;
    ref.bytes = static_cast<std::int64_t>(p.jpeg.size());
    ref.thumb_bytes = static_cast<std::int64_t>(p.thumb.size());
    ref.width = p.width;
    ref.height = p.height;
    plan(p.jpeg, &ref.sha256, &ref.file, p.jpeg_sha256);
    plan(p.thumb, &ref.thumb_sha256, &ref.thumb_file);
    c.photos.push_back(std::move(ref));
  }
  if (files::Result w = files::WriteFilesDurably(photos_dir_, pending, &created); !w)
    return give_up(files::IsNoSpace(w.err) ? SubmitStatus::DiskFull : SubmitStatus::StorageError, w.what);
  if (!draft.photos.empty()) {
    // The renames must be durable before any row can point at them (DESIGN.md, step 2).
    if (files::Result s = files::SyncDir(photos_dir_); !s)
      return give_up(files::IsNoSpace(s.err) ? SubmitStatus::DiskFull : SubmitStatus::StorageError, s.what);
  }

  // 2. One transaction: ticket, complaint, photos, outbox entry, first status event.
  std::array<std::uint8_t, 16> rnd{};
  if (!files::RandomBytes(rnd.data(), rnd.size()))
    return give_up(SubmitStatus::StorageError, "getrandom failed");
  c.client_uuid = model::UuidV4FromBytes(rnd);
  c.category = f.category;
  c.ward_code = f.ward_code;
  c.landmark = f.landmark;
  c.description = f.description;
  if (!f.phone.empty()) c.phone = f.phone;
  c.lang = f.lang;
  c.created_at = std::time(nullptr);

  std::lock_guard lock(db_mu_);
  sqlite3* db = store_.db();
  const auto db_fail = [&](int rc, const char* what) {
    const bool full = sql::IsDiskFull(db, rc);
    return give_up(full ? SubmitStatus::DiskFull : SubmitStatus::StorageError,
                   std::string(what) + ": " + sqlite3_errmsg(db));
  };
  sql::Txn txn(db);
  if (!txn.began()) return db_fail(sqlite3_extended_errcode(db), "begin");
  {
    sql::Stmt q(db, "SELECT ward_no, device_no, next_seq FROM device WHERE id = 1");
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return give_up(SubmitStatus::NotEnrolled, "");
    if (rc != SQLITE_ROW) return db_fail(rc, "read device");
    c.ticket = {static_cast<int>(q.Int(0)), static_cast<int>(q.Int(1)), static_cast<int>(q.Int(2))};
  }
  if (c.ticket.sequence > model::kSequenceMax) return give_up(SubmitStatus::SequenceExhausted, "");
  assert(model::IsValid(c.ticket) && "the device row's CHECKs admit only valid ticket parts");
  const std::string key = model::CanonicalTicket(c.ticket);
  {
    sql::Stmt u(db, "UPDATE device SET next_seq = next_seq + 1 WHERE id = 1");
    if (!u.Run()) return db_fail(u.rc(), "issue sequence");
  }
  {
    sql::Stmt ins(db,
                  "INSERT INTO complaints(ticket, ward_no, device_no, seq, client_uuid, category, "
                  "ward_code, landmark, description, phone, lang, created_at, status) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'filed')");
    ins.Bind(1, key).Bind(2, c.ticket.ward).Bind(3, c.ticket.device).Bind(4, c.ticket.sequence);
    ins.Bind(5, c.client_uuid).Bind(6, c.category).Bind(7, c.ward_code).Bind(8, c.landmark);
    ins.Bind(9, c.description);
    if (c.phone) ins.Bind(10, *c.phone); else ins.BindNull(10);
    ins.Bind(11, c.lang).Bind(12, c.created_at);
    if (!ins.Run()) return db_fail(ins.rc(), "insert complaint");
  }
  for (size_t i = 0; i < c.photos.size(); ++i) {
    const model::PhotoRef& p = c.photos[i];
    sql::Stmt ins(db,
                  "INSERT INTO photos(ticket, idx, sha256, bytes, width, height, file, "
                  "thumb_sha256, thumb_bytes, thumb_file) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    ins.Bind(1, key).Bind(2, static_cast<int>(i)).Bind(3, p.sha256).Bind(4, p.bytes);
    ins.Bind(5, p.width).Bind(6, p.height).Bind(7, p.file).Bind(8, p.thumb_sha256);
    ins.Bind(9, p.thumb_bytes).Bind(10, p.thumb_file);
    if (!ins.Run()) return db_fail(ins.rc(), "insert photo");
  }
  {
    sql::Stmt ins(db, "INSERT INTO outbox(ticket, state, next_attempt_at) VALUES(?1, 'pending', ?2)");
    ins.Bind(1, key).Bind(2, c.created_at);
    if (!ins.Run()) return db_fail(ins.rc(), "insert outbox");
  }
  {
    sql::Stmt ins(db, "INSERT INTO status_events(ticket, status, at, note) VALUES(?1, 'filed', ?2, '')");
    ins.Bind(1, key).Bind(2, c.created_at);
    if (!ins.Run()) return db_fail(ins.rc(), "insert status");
  }
  if (const int rc = txn.Commit(); rc != SQLITE_OK) {
    // Do not remove the photo files here: after a failed COMMIT SQLite cannot say whether the
    // WAL frames will be replayed at the next open, and a replayed row must find its photos.
    // CleanOrphans decides at the next start, against the database as it then is.
    created.clear();
    return db_fail(rc, "commit");
  }
  AssertOutboxState(db, key, model::OutboxState::Pending);
  r.status = SubmitStatus::Ok;
  r.ticket = c.ticket;
  r.ticket_canonical = key;
  r.ticket_display = model::DisplayTicket(c.ticket);
  r.created_at = c.created_at;
  return r;
}

// =====================================================================================
// [SECTION] Lookup
// =====================================================================================

LookupResult ComplaintStore::Lookup(const model::Ticket& ticket, std::string_view phone_last4) {
  LookupResult r;
  if (!model::IsValid(ticket)) { r.status = LookupStatus::NotFound; return r; }
  const std::string key = model::CanonicalTicket(ticket);
  std::lock_guard lock(db_mu_);
  sqlite3* db = store_.db();
  sql::Stmt q(db,
              "SELECT c.status, c.phone, c.category, c.ward_code, c.created_at, o.state, o.last_sync_at, "
              "c.purged_at, c.purged_photos FROM complaints c JOIN outbox o USING(ticket) WHERE c.ticket = ?");
  q.Bind(1, key);
  const int rc = q.Step();
  if (rc == SQLITE_DONE) { r.status = LookupStatus::NotFound; return r; }
  if (rc != SQLITE_ROW) { r.detail = sqlite3_errmsg(db); return r; }
  if (!q.IsNull(1)) {
    const std::string phone = q.Text(1);
    if (phone_last4.empty()) { r.status = LookupStatus::NeedPhoneDigits; return r; }
    const auto typed = model::NormalizeLast4(phone_last4);
    if (!typed || phone.size() < 4 || phone.compare(phone.size() - 4, 4, *typed) != 0) {
      r.status = LookupStatus::WrongPhoneDigits;
      return r;
    }
    r.masked_phone = model::MaskPhone(phone);
  }
  r.current = model::ParseStatus(q.Text(0)).value_or(model::Status::Filed);
  r.category = q.Text(2);
  r.ward_code = q.Text(3);
  r.created_at = q.Int(4);
  r.sent = q.Text(5) == "sent";
  if (!q.IsNull(6)) r.last_sync_at = q.Int(6);
  if (!q.IsNull(7)) r.purged_at = q.Int(7);
  r.purged_photos = static_cast<int>(q.Int(8));
  sql::Stmt h(db, "SELECT status, at, note FROM status_events WHERE ticket = ? ORDER BY at, id");
  h.Bind(1, key);
  int hrc;
  while ((hrc = h.Step()) == SQLITE_ROW)
    r.history.push_back({model::ParseStatus(h.Text(0)).value_or(model::Status::Filed), h.Int(1), h.Text(2)});
  if (hrc != SQLITE_DONE) { r.detail = sqlite3_errmsg(db); r.history.clear(); return r; }
  r.status = LookupStatus::Found;
  return r;
}

// =====================================================================================
// [SECTION] Orphans and session files
// =====================================================================================

CleanReport ComplaintStore::CleanOrphans() {
  CleanReport rep;
  std::lock_guard files_lock(files_mu_);
  files::Result err;
  const std::vector<std::string> names = files::ListFiles(photos_dir_, &err);
  if (!err) { rep.ok = false; rep.detail = err.what; return rep; }

  std::set<std::string> referenced;
  {
    std::lock_guard lock(db_mu_);
    sql::Stmt q(store_.db(), "SELECT file FROM photos UNION SELECT thumb_file FROM photos");
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) referenced.insert(q.Text(0));
    if (rc != SQLITE_DONE) {
      // Never delete a photo on a guess: without the list of referenced files, keep them all.
      rep.ok = false;
      rep.detail = std::string("cannot list referenced photos: ") + sqlite3_errmsg(store_.db());
      return rep;
    }
  }
  // A database moved aside as corrupt may reference photos the new one does not: keep every
  // photo until staff have recovered (or given up on) that file.
  bool corrupt_aside = false;
  for (const std::string& n : files::ListFiles(data_dir_, nullptr))
    if (n.rfind(std::string(kDbName) + ".corrupt-", 0) == 0) corrupt_aside = true;

  std::set<std::string> present;
  for (const std::string& n : names) {
    if (IsTempName(n)) {
      if (::unlink((photos_dir_ + "/" + n).c_str()) == 0) ++rep.temp_removed;
    } else if (IsContentName(n)) {
      present.insert(n);
      if (referenced.count(n)) continue;
      if (corrupt_aside) ++rep.kept_for_recovery;
      else if (::unlink((photos_dir_ + "/" + n).c_str()) == 0) ++rep.orphans_removed;
    }
    // Any other name is not ours to delete.
  }
  for (const std::string& n : referenced)
    if (!present.count(n)) ++rep.missing;
  if (rep.missing > 0) {
    rep.ok = false;
    rep.detail = std::to_string(rep.missing) + " referenced photo files are missing";
  }
  for (const std::string& n : files::ListFiles(session_dir_, nullptr))
    ::unlink((session_dir_ + "/" + n).c_str());
  files::SyncDir(photos_dir_);  // not required for safety: a lost unlink is found again next start
  return rep;
}

int ComplaintStore::WipeSessionTemp() {
  std::lock_guard files_lock(files_mu_);
  int removed = 0;
  for (const std::string& n : files::ListFiles(photos_dir_, nullptr))
    if (IsTempName(n) && ::unlink((photos_dir_ + "/" + n).c_str()) == 0) ++removed;
  for (const std::string& n : files::ListFiles(session_dir_, nullptr))
    if (::unlink((session_dir_ + "/" + n).c_str()) == 0) ++removed;
  return removed;
}

// =====================================================================================
// [SECTION] Device health
// =====================================================================================

StorageHealth MeasureStorage(const std::string& data_dir) {
  namespace fs = std::filesystem;
  StorageHealth h;
  std::error_code ec;
  if (const fs::space_info sp = fs::space(data_dir, ec); !ec) h.free_bytes = static_cast<std::int64_t>(sp.available);
  std::int64_t db = 0;
  bool any = false;
  for (const char* name : {"samvad.db", "samvad.db-wal", "samvad.db-shm"}) {
    const auto n = fs::file_size(fs::path(data_dir) / name, ec);
    if (!ec) {
      db += static_cast<std::int64_t>(n);
      any = true;
    }
  }
  if (any) h.db_bytes = db;
  std::int64_t photos = 0;
  int files = 0;
  fs::directory_iterator it(fs::path(data_dir) / "photos", ec);
  if (!ec) {
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const auto n = it->file_size(ec);
      if (ec) continue;  // removed while we looked
      photos += static_cast<std::int64_t>(n);
      ++files;
    }
    h.photos_bytes = photos;
    h.photo_files = files;
  }
  return h;
}

}  // namespace samvad::store
