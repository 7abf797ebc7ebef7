// field_store.cpp — see field_store.h (promises F1–F4). The lifecycle of an update is the
// outbox's (outbox_store.cpp), checked the same way: each transition is one UPDATE whose WHERE
// names the state it leaves, so a transition from the wrong state changes no row and says so.
#include "app/store/field_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "app/store/files.h"
#include "app/store/retention.h"
#include "app/store/sql.h"
#include "app/store/store.h"
#include "sync/model/complaint.h"

namespace samvad::store {
namespace {

constexpr int kMaxPerKind = 3;
constexpr size_t kMaxNoteBytes = 2000;

std::string NewUuid() {
  std::array<std::uint8_t, 16> r{};
  if (!files::RandomBytes(r.data(), r.size())) return {};
  return model::UuidV4FromBytes(r);
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void BindOptional(sql::Stmt& st, int i, const std::optional<double>& v) {
  if (v) st.Bind(i, *v);
  else st.BindNull(i);
}

// A photo's time: NULL when unknown (0).
void BindTakenAt(sql::Stmt& st, int i, std::int64_t taken_at) {
  if (taken_at > 0) st.Bind(i, taken_at);
  else st.BindNull(i);
}

std::optional<double> ColumnOptional(const sql::Stmt& q, int col) {
  if (q.IsNull(col)) return std::nullopt;
  return q.Double(col);
}

model::UpdateState ParseState(std::string_view s) {
  if (s == "sending") return model::UpdateState::Sending;
  if (s == "sent") return model::UpdateState::Sent;
  if (s == "failed") return model::UpdateState::Failed;
  return model::UpdateState::Pending;
}

// The newest time this store has seen: a clock reading earlier than this went backwards (F4).
std::int64_t ClockFloor(sqlite3* db) {
  sql::Stmt q(db,
              "SELECT max(coalesce((SELECT max(recorded_at) FROM field_updates), 0),"
              "           coalesce((SELECT max(sent_at) FROM field_updates), 0),"
              "           coalesce((SELECT max(listed_at) FROM assigned), 0),"
              "           coalesce((SELECT max(last_signin_at) FROM field_users), 0),"
              "           coalesce((SELECT max(created_at) FROM works), 0))");
  return q.Step() == SQLITE_ROW ? q.Int(0) : 0;
}

// The photos of one update (field_photos) or development work (work_photos), in upload order.
void ReadPhotos(sqlite3* db, const char* table, const std::string& uuid, std::vector<model::WorkPhoto>* out) {
  sql::Stmt p(db, std::string("SELECT kind, idx, file, sha256, bytes, coalesce(taken_at, 0) FROM ") + table +
                      " WHERE uuid = ? ORDER BY kind DESC, idx");
  p.Bind(1, uuid);
  while (p.Step() == SQLITE_ROW)
    out->push_back({p.Text(0), static_cast<int>(p.Int(1)), p.Text(2), p.Text(3), p.Int(4), p.Int(5)});
}

}  // namespace

bool IsWorkStatus(std::string_view s) {
  return s == "acknowledged" || s == "in_progress" || s == "resolved" || s == "transferred" || s == "rejected";
}

const char* RecordStatusName(RecordStatus s) {
  switch (s) {
    case RecordStatus::Ok: return "ok";
    case RecordStatus::Invalid: return "invalid";
    case RecordStatus::UnknownRequest: return "unknown_request";
    case RecordStatus::DiskFull: return "disk_full";
    case RecordStatus::StorageError: return "storage_error";
  }
  return "?";
}

FieldStore::FieldStore(Store& store, std::mutex& db_mutex, std::string dir)
    : store_(store), mu_(db_mutex), dir_(std::move(dir)) {}

bool FieldStore::Open(std::string* why) {
  if (files::Result r = files::EnsureDir(dir_); !r) {
    *why = r.what;
    return false;
  }
  // Photo files of an update whose transaction never committed: nothing references them.
  files::Result err;
  const std::vector<std::string> names = files::ListFiles(dir_, &err);
  if (!err) {
    *why = err.what;
    return false;
  }
  std::set<std::string> referenced;
  {
    std::lock_guard lock(mu_);
    // An update left sending by a process that died goes back to pending: resending is safe
    // (same Idempotency-Key, same payload: central replays its answer).
    sql::Stmt rec(store_.db(), "UPDATE field_updates SET state = 'pending' WHERE state = 'sending'");
    sql::Stmt rec_works(store_.db(), "UPDATE works SET state = 'pending' WHERE state = 'sending'");
    if (!rec.Run() || !rec_works.Run()) {
      *why = std::string("cannot recover interrupted work updates: ") + sqlite3_errmsg(store_.db());
      return false;
    }
    sql::Stmt q(store_.db(), "SELECT file FROM field_photos UNION SELECT file FROM work_photos");
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) referenced.insert(q.Text(0));
    if (rc != SQLITE_DONE) {
      *why = std::string("cannot list work photos: ") + sqlite3_errmsg(store_.db());
      return true;  // never delete on a guess
    }
  }
  for (const std::string& n : names) {
    const bool ours = n.rfind(files::kTempPrefix, 0) == 0 || (n.size() == 68 && n.ends_with(".jpg"));
    if (ours && !referenced.count(n)) ::unlink((dir_ + "/" + n).c_str());
  }
  return true;
}

bool FieldStore::RememberUser(const std::string& user_id, std::int64_t now) {
  std::lock_guard lock(mu_);
  sql::Stmt st(store_.db(),
               "INSERT INTO field_users(user_id, last_signin_at) VALUES(?, ?) "
               "ON CONFLICT(user_id) DO UPDATE SET last_signin_at = max(last_signin_at, excluded.last_signin_at)");
  return st.Bind(1, user_id).Bind(2, now).Run();
}

std::vector<std::string> FieldStore::FieldUsers() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  // The last 30 days' engineers: a tablet changes hands, and an old list is no one's work.
  sql::Stmt q(store_.db(),
              "SELECT user_id FROM field_users WHERE last_signin_at > "
              "(SELECT max(last_signin_at) FROM field_users) - 30 * 86400 ORDER BY user_id");
  while (q.Step() == SQLITE_ROW) out.push_back(q.Text(0));
  return out;
}

bool FieldStore::ReplaceAssigned(const std::string& user_id, const std::vector<model::AssignedRequest>& list,
                                 std::int64_t listed_at, std::string* why) {
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  sql::Txn txn(db);
  if (!txn.began()) { *why = sqlite3_errmsg(db); return false; }
  sql::Stmt del(db, "DELETE FROM assigned WHERE user_id = ?");
  if (!del.Bind(1, user_id).Run()) { *why = sqlite3_errmsg(db); return false; }
  sql::Stmt ins(db,
                "INSERT OR REPLACE INTO assigned(central_id, user_id, ticket, service_code, description, address,"
                " lang, status, detailed_status, department, latest_update_id, lat, lon, requested_at, expected_at,"
                " photo_count, thumbnail_url, listed_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const model::AssignedRequest& a : list) {
    ins.Reset();
    ins.Bind(1, a.central_id).Bind(2, user_id).Bind(3, a.ticket).Bind(4, a.service_code).Bind(5, a.description)
        .Bind(6, a.address).Bind(7, a.lang).Bind(8, a.status).Bind(9, a.detailed_status).Bind(10, a.department)
        .Bind(11, a.latest_update_id);
    const bool both = a.lat && a.lon;
    BindOptional(ins, 12, both ? a.lat : std::nullopt);
    BindOptional(ins, 13, both ? a.lon : std::nullopt);
    ins.Bind(14, a.requested_at).Bind(15, a.expected_at).Bind(16, a.photo_count).Bind(17, a.thumbnail_url)
        .Bind(18, listed_at);
    if (!ins.Run()) { *why = sqlite3_errmsg(db); return false; }
  }
  if (const int rc = txn.Commit(); rc != SQLITE_OK) { *why = sqlite3_errstr(rc); return false; }
  return true;
}

namespace {

constexpr const char* kAssignedCols =
    "a.central_id, a.ticket, a.service_code, a.description, a.address, a.lang, a.status, a.detailed_status,"
    " a.department, a.latest_update_id, a.lat, a.lon, a.requested_at, a.expected_at, a.photo_count,"
    " a.thumbnail_url";

model::AssignedRequest ReadAssigned(const sql::Stmt& q) {
  model::AssignedRequest a;
  a.central_id = q.Text(0);
  a.ticket = q.Text(1);
  a.service_code = q.Text(2);
  a.description = q.Text(3);
  a.address = q.Text(4);
  a.lang = q.Text(5);
  a.status = q.Text(6);
  a.detailed_status = q.Text(7);
  a.department = q.Text(8);
  a.latest_update_id = q.Text(9);
  a.lat = ColumnOptional(q, 10);
  a.lon = ColumnOptional(q, 11);
  a.requested_at = q.Int(12);
  a.expected_at = q.Int(13);
  a.photo_count = static_cast<int>(q.Int(14));
  a.thumbnail_url = q.Text(15);
  return a;
}

// Central's status words and ours are one vocabulary but for resolved (central: fixed) and
// rejected (central: closed).
std::string FromCentral(const std::string& s) {
  if (s == "fixed") return "resolved";
  if (s == "closed") return "rejected";
  return s;
}

// What this tablet's updates add to central's view of one complaint. Sent updates are part of
// central's view already (MarkUpdateSent writes central's answer, and the next list has it), so
// only those still waiting change what is shown; a conflict is shown with central's outcome.
void Overlay(sqlite3* db, AssignedView* v) {
  v->shown_status = FromCentral(v->request.detailed_status);
  sql::Stmt q(db, "SELECT status, state, coalesce(conflict, 0) FROM field_updates WHERE central_id = ? ORDER BY recorded_at, rowid");
  q.Bind(1, v->request.central_id);
  while (q.Step() == SQLITE_ROW) {
    const std::string status = q.Text(0), state = q.Text(1);
    if (state == "failed") ++v->failed_updates;
    if (state == "sent" && q.Int(2) == 1) v->conflict = true;
    if (state == "pending" || state == "sending") {
      ++v->pending_updates;
      v->shown_status = status;
    }
  }
  sql::Stmt p(db, "SELECT kind, count(*) FROM field_photos WHERE central_id = ? GROUP BY kind");
  p.Bind(1, v->request.central_id);
  while (p.Step() == SQLITE_ROW) (p.Text(0) == "before" ? v->before_photos : v->after_photos) = static_cast<int>(p.Int(1));
}

bool Finished(const std::string& s) { return s == "resolved" || s == "rejected" || s == "transferred"; }

}  // namespace

bool FieldStore::ListAssigned(const std::string& user_id, std::int64_t now, std::vector<AssignedView>* out) {
  std::lock_guard lock(mu_);
  out->clear();
  sql::Stmt q(store_.db(), std::string("SELECT ") + kAssignedCols +
                               " FROM assigned a WHERE a.user_id = ? ORDER BY a.expected_at, a.central_id");
  q.Bind(1, user_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    AssignedView v;
    v.request = ReadAssigned(q);
    out->push_back(std::move(v));
  }
  if (rc != SQLITE_DONE) return false;
  for (AssignedView& v : *out) {
    Overlay(store_.db(), &v);
    v.overdue = !Finished(v.shown_status) && v.request.expected_at > 0 && now > v.request.expected_at;
  }
  // Open work by due time first; finished work after it.
  std::stable_sort(out->begin(), out->end(), [](const AssignedView& a, const AssignedView& b) {
    return !Finished(a.shown_status) && Finished(b.shown_status);
  });
  return true;
}

bool FieldStore::GetAssigned(const std::string& central_id, std::int64_t now, AssignedDetail* out) {
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  sql::Stmt q(db, std::string("SELECT ") + kAssignedCols + " FROM assigned a WHERE a.central_id = ?");
  q.Bind(1, central_id);
  if (q.Step() != SQLITE_ROW) return false;
  *out = AssignedDetail{};
  out->view.request = ReadAssigned(q);
  Overlay(db, &out->view);
  out->view.overdue = !Finished(out->view.shown_status) && now > out->view.request.expected_at;
  sql::Stmt h(db,
              "SELECT uuid, status, note, department, recorded_at, state, coalesce(last_error, ''),"
              " coalesce(conflict, 0), clock_suspect, coalesce(outcome, ''), lat, lon FROM field_updates"
              " WHERE central_id = ? ORDER BY recorded_at, rowid");
  h.Bind(1, central_id);
  while (h.Step() == SQLITE_ROW) {
    UpdateView u;
    u.update.uuid = h.Text(0);
    u.update.status = h.Text(1);
    u.update.note = h.Text(2);
    u.update.department = h.Text(3);
    u.update.recorded_at = h.Int(4);
    u.state = h.Text(5);
    u.update.state = ParseState(u.state);
    u.update.last_error = h.Text(6);
    u.conflict = h.Int(7) == 1;
    u.clock_suspect = h.Int(8) == 1;
    u.outcome = FromCentral(h.Text(9));
    u.update.lat = ColumnOptional(h, 10);
    u.update.lon = ColumnOptional(h, 11);
    ReadPhotos(db, "field_photos", u.update.uuid, &u.update.photos);
    out->history.push_back(std::move(u));
  }
  sql::Stmt c(db,
              "SELECT update_id, status, at, note, conflict FROM assigned_history WHERE central_id = ?"
              " AND update_id NOT IN (SELECT update_id FROM field_updates WHERE update_id IS NOT NULL)"
              " ORDER BY at, CAST(update_id AS INTEGER)");
  c.Bind(1, central_id);
  while (c.Step() == SQLITE_ROW)
    out->central_history.push_back({c.Text(0), central_id, c.Text(1), c.Text(3), c.Int(2), c.Int(4) == 1});
  const std::string thumb = ThumbPath(central_id);
  if (files::Exists(thumb)) out->thumb_path = thumb;
  return true;
}

RecordResult FieldStore::RecordUpdate(const WorkDraft& d, std::int64_t now) {
  RecordResult r;
  auto invalid = [&](const char* key) {
    r.status = RecordStatus::Invalid;
    r.issue = key;
    return r;
  };
  if (!IsWorkStatus(d.status)) return invalid("work.err.status");
  std::string note = d.note;
  if (note.size() > kMaxNoteBytes) return invalid("work.err.note_long");
  const bool blank = note.find_first_not_of(" \t\n") == std::string::npos;
  if (d.status == "rejected" && blank) return invalid("work.err.need_reason");
  if (d.status == "transferred" && d.department.empty()) return invalid("work.err.need_department");
  if (d.status != "transferred" && !d.department.empty()) return invalid("work.err.status");
  if (d.lat.has_value() != d.lon.has_value()) return invalid("work.err.status");
  for (const WorkPhotoDraft& p : d.photos) {
    if ((p.kind != "before" && p.kind != "after") || p.jpeg.empty() || !IsHex64(p.sha256)) return invalid("work.err.photo");
  }

  std::string ticket, based_on;
  int have_before = 0, have_after = 0;
  std::int64_t floor = 0;
  {
    std::lock_guard lock(mu_);
    sqlite3* db = store_.db();
    sql::Stmt q(db, "SELECT ticket, latest_update_id FROM assigned WHERE central_id = ?");
    q.Bind(1, d.central_id);
    if (q.Step() != SQLITE_ROW) {
      r.status = RecordStatus::UnknownRequest;
      r.detail = "complaint " + d.central_id + " is not assigned on this tablet";
      return r;
    }
    ticket = q.Text(0);
    based_on = q.Text(1);
    sql::Stmt p(db, "SELECT kind, count(*) FROM field_photos WHERE central_id = ? GROUP BY kind");
    p.Bind(1, d.central_id);
    while (p.Step() == SQLITE_ROW) (p.Text(0) == "before" ? have_before : have_after) = static_cast<int>(p.Int(1));
    floor = ClockFloor(db);
  }
  const int new_before = static_cast<int>(std::count_if(d.photos.begin(), d.photos.end(), [](const WorkPhotoDraft& p) { return p.kind == "before"; }));
  const int new_after = static_cast<int>(d.photos.size()) - new_before;
  if (have_before + new_before > kMaxPerKind || have_after + new_after > kMaxPerKind) return invalid("work.err.too_many");
  if (d.status == "resolved" && have_after + new_after == 0) return invalid("work.err.need_after");

  r.uuid = NewUuid();
  if (r.uuid.empty()) { r.detail = "no random bytes for a UUID"; return r; }
  r.clock_suspect = now < floor;

  // F1: the files first (fsync'd, renamed, the folder fsync'd), then one transaction.
  std::lock_guard files_lock(files_mu_);  // F5: retention waits until the rows name them
  std::vector<std::string> created;
  if (!WritePhotos(d.photos, &created, &r)) return r;
  std::string unused;
  auto remove_created = [&] { UnlinkUnreferenced(created, &unused); };
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  auto fail = [&](int rc) {
    r.status = sql::IsDiskFull(db, rc) ? RecordStatus::DiskFull : RecordStatus::StorageError;
    r.detail = sqlite3_errmsg(db);
    remove_created();
    return r;
  };
  sql::Txn txn(db);
  if (!txn.began()) return fail(sqlite3_errcode(db));
  sql::Stmt ins(db,
                "INSERT INTO field_updates(uuid, central_id, ticket, user_id, status, note, department, based_on,"
                " recorded_at, lat, lon, clock_suspect) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  ins.Bind(1, r.uuid).Bind(2, d.central_id).Bind(3, ticket).Bind(4, d.user_id).Bind(5, d.status).Bind(6, note)
      .Bind(7, d.department).Bind(8, based_on).Bind(9, now);
  BindOptional(ins, 10, d.lat);
  BindOptional(ins, 11, d.lon);
  ins.Bind(12, r.clock_suspect ? 1 : 0);
  if (!ins.Run()) return fail(ins.rc());
  int next_before = have_before, next_after = have_after;
  sql::Stmt ph(db,
               "INSERT INTO field_photos(uuid, central_id, kind, idx, sha256, bytes, file, taken_at) VALUES(?,?,?,?,?,?,?,?)");
  for (const WorkPhotoDraft& p : d.photos) {
    ph.Reset();
    const int idx = p.kind == "before" ? next_before++ : next_after++;
    ph.Bind(1, r.uuid).Bind(2, d.central_id).Bind(3, p.kind).Bind(4, idx).Bind(5, p.sha256)
        .Bind(6, static_cast<std::int64_t>(p.jpeg.size())).Bind(7, p.sha256 + ".jpg");
    BindTakenAt(ph, 8, p.taken_at);
    if (!ph.Run()) return fail(ph.rc());
  }
  if (const int rc = txn.Commit(); rc != SQLITE_OK) return fail(rc);
  r.status = RecordStatus::Ok;
  return r;
}

bool FieldStore::WritePhotos(const std::vector<WorkPhotoDraft>& photos, std::vector<std::string>* created,
                             RecordResult* r) {
  std::vector<files::PendingFile> pending;
  for (const WorkPhotoDraft& p : photos) pending.push_back({p.sha256 + ".jpg", p.jpeg});
  files::Result fr = files::WriteFilesDurably(dir_, pending, created);
  if (fr) fr = files::SyncDir(dir_);
  if (fr) return true;
  for (const std::string& n : *created) ::unlink((dir_ + "/" + n).c_str());
  created->clear();
  r->status = files::IsNoSpace(fr.err) ? RecordStatus::DiskFull : RecordStatus::StorageError;
  r->detail = fr.what;
  return false;
}

RecordResult FieldStore::RecordWork(const DevWorkDraft& d, std::int64_t now) {
  RecordResult r;
  auto invalid = [&](const char* key) {
    r.status = RecordStatus::Invalid;
    r.issue = key;
    return r;
  };
  if (d.title.find_first_not_of(" \t\n") == std::string::npos) return invalid("devwork.err.title");
  if (d.title.size() > 200) return invalid("devwork.err.title_long");
  if (d.description.size() > 4000) return invalid("work.err.note_long");
  if (d.lang != "mr" && d.lang != "hi" && d.lang != "bn" && d.lang != "en") return invalid("work.err.status");
  if (d.lat.has_value() != d.lon.has_value()) return invalid("work.err.status");
  int before = 0, after = 0;
  for (const WorkPhotoDraft& p : d.photos) {
    if ((p.kind != "before" && p.kind != "after") || p.jpeg.empty() || !IsHex64(p.sha256)) return invalid("work.err.photo");
    ++(p.kind == "before" ? before : after);
  }
  if (before > kMaxPerKind || after > kMaxPerKind) return invalid("work.err.too_many");
  r.uuid = NewUuid();
  if (r.uuid.empty()) { r.detail = "no random bytes for a UUID"; return r; }
  std::lock_guard files_lock(files_mu_);  // F5
  std::vector<std::string> created;
  if (!WritePhotos(d.photos, &created, &r)) return r;
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  auto fail = [&](int rc) {
    r.status = sql::IsDiskFull(db, rc) ? RecordStatus::DiskFull : RecordStatus::StorageError;
    r.detail = sqlite3_errmsg(db);
    std::string unused;
    UnlinkUnreferenced(created, &unused);
    return r;
  };
  r.clock_suspect = now < ClockFloor(db);
  sql::Txn txn(db);
  if (!txn.began()) return fail(sqlite3_errcode(db));
  sql::Stmt ins(db, "INSERT INTO works(uuid, user_id, title, description, lang, ward, lat, lon, created_at) VALUES(?,?,?,?,?,?,?,?,?)");
  ins.Bind(1, r.uuid).Bind(2, d.user_id).Bind(3, d.title).Bind(4, d.description).Bind(5, d.lang).Bind(6, d.ward);
  BindOptional(ins, 7, d.lat);
  BindOptional(ins, 8, d.lon);
  ins.Bind(9, now);
  if (!ins.Run()) return fail(ins.rc());
  int next_before = 0, next_after = 0;
  sql::Stmt ph(db, "INSERT INTO work_photos(uuid, kind, idx, sha256, bytes, file, taken_at) VALUES(?,?,?,?,?,?,?)");
  for (const WorkPhotoDraft& p : d.photos) {
    ph.Reset();
    ph.Bind(1, r.uuid).Bind(2, p.kind).Bind(3, p.kind == "before" ? next_before++ : next_after++).Bind(4, p.sha256)
        .Bind(5, static_cast<std::int64_t>(p.jpeg.size())).Bind(6, p.sha256 + ".jpg");
    BindTakenAt(ph, 7, p.taken_at);
    if (!ph.Run()) return fail(ph.rc());
  }
  if (const int rc = txn.Commit(); rc != SQLITE_OK) return fail(rc);
  r.status = RecordStatus::Ok;
  return r;
}

int FieldStore::UnlinkUnreferenced(const std::vector<std::string>& names, std::string* why) {
  int deleted = 0;
  sql::Stmt ref(store_.db(),
                "SELECT 1 FROM field_photos WHERE file = ?1 UNION ALL SELECT 1 FROM work_photos WHERE file = ?1 LIMIT 1");
  for (const std::string& name : names) {
    ref.Reset();
    ref.Bind(1, name);
    const int rc = ref.Step();
    if (rc == SQLITE_ROW) continue;
    if (rc != SQLITE_DONE) {  // never delete on a guess: Open's sweep removes what is left
      *why = std::string("cannot check work photo references: ") + sqlite3_errmsg(store_.db());
      return deleted;
    }
    if (::unlink((dir_ + "/" + name).c_str()) == 0) ++deleted;
    else if (errno != ENOENT) *why = "unlink " + dir_ + "/" + name + ": " + std::strerror(errno);
  }
  return deleted;
}

FieldRetentionResult FieldStore::ApplyRetention(int keep_days, std::int64_t now) {
  FieldRetentionResult r;
  if (keep_days < 0 || keep_days > kMaxRetentionDays) {
    r.detail = "retention_days must be 0 to " + std::to_string(kMaxRetentionDays) + ", not " + std::to_string(keep_days);
    return r;
  }
  const std::int64_t cutoff = now - static_cast<std::int64_t>(keep_days) * 86400;
  std::lock_guard files_lock(files_mu_);
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  const auto fail = [&](const char* what) {
    r.photos_released = 0;  // rolled back: nothing released, every file kept
    r.detail = std::string(what) + ": " + sqlite3_errmsg(db);
    return r;
  };
  std::vector<std::string> names;
  {
    sql::Txn txn(db);
    if (!txn.began()) return fail("begin");
    sql::Stmt q(db,
                "SELECT file FROM field_photos WHERE file <> '' AND uuid IN"
                "  (SELECT uuid FROM field_updates WHERE state = 'sent' AND sent_at <= ?1)"
                " UNION SELECT file FROM work_photos WHERE file <> '' AND uuid IN"
                "  (SELECT uuid FROM works WHERE state = 'sent' AND sent_at <= ?1)");
    q.Bind(1, cutoff);
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) names.push_back(q.Text(0));
    if (rc != SQLITE_DONE) return fail("list sent work photos");
    for (const auto& [table, parent] : {std::pair{"field_photos", "field_updates"}, std::pair{"work_photos", "works"}}) {
      sql::Stmt up(db, std::string("UPDATE ") + table + " SET file = '' WHERE file <> '' AND uuid IN (SELECT uuid FROM " +
                           parent + " WHERE state = 'sent' AND sent_at <= ?)");
      up.Bind(1, cutoff);
      if (!up.Run()) return fail("release sent work photos");
      r.photos_released += sqlite3_changes(db);
    }
    if (txn.Commit() != SQLITE_OK) return fail("commit");
  }
  std::string why;
  r.files_deleted = UnlinkUnreferenced(names, &why);
  // Without it a power cut could bring the files back until Open's sweep.
  if (r.files_deleted > 0 && why.empty())
    if (files::Result s = files::SyncDir(dir_); !s) why = s.what;
  r.ok = why.empty();
  r.detail = why;
  return r;
}

bool FieldStore::ListWorks(size_t limit, std::vector<DevWorkRow>* out) {
  std::lock_guard lock(mu_);
  out->clear();
  sql::Stmt q(store_.db(),
              "SELECT uuid, title, state, coalesce(last_error, ''), coalesce(work_id, ''), created_at,"
              " (SELECT count(*) FROM work_photos p WHERE p.uuid = w.uuid) FROM works w"
              " ORDER BY created_at DESC, rowid DESC LIMIT ?");
  q.Bind(1, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW)
    out->push_back({q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Int(5), static_cast<int>(q.Int(6))});
  return rc == SQLITE_DONE;
}

bool FieldStore::ListDueWorks(std::int64_t now, size_t limit, std::vector<model::DevelopmentWork>* out) {
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  out->clear();
  sql::Stmt q(db,
              "SELECT uuid, title, description, lang, ward, lat, lon, coalesce(work_id, ''), attempts,"
              " coalesce(last_error, ''), user_id FROM works WHERE state = 'pending' AND next_attempt_at <= ?"
              " ORDER BY created_at, rowid LIMIT ?");
  q.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    model::DevelopmentWork w;
    w.uuid = q.Text(0);
    w.title = q.Text(1);
    w.description = q.Text(2);
    w.lang = q.Text(3);
    w.ward = q.Text(4);
    w.lat = ColumnOptional(q, 5);
    w.lon = ColumnOptional(q, 6);
    w.work_id = q.Text(7);
    w.attempts = static_cast<int>(q.Int(8));
    w.last_error = q.Text(9);
    w.user_id = q.Text(10);
    out->push_back(std::move(w));
  }
  if (rc != SQLITE_DONE) return false;
  for (model::DevelopmentWork& w : *out) ReadPhotos(db, "work_photos", w.uuid, &w.photos);
  return true;
}

bool FieldStore::MarkWorkSending(const std::string& uuid, std::int64_t now) {
  (void)now;
  return Transition("works", uuid, "pending", "state = 'sending', attempts = attempts + ?", {}, 1);
}

bool FieldStore::SetWorkId(const std::string& uuid, const std::string& work_id) {
  std::lock_guard lock(mu_);
  sql::Stmt st(store_.db(), "UPDATE works SET work_id = ? WHERE uuid = ? AND state = 'sending'");
  return st.Bind(1, work_id).Bind(2, uuid).Run() && sqlite3_changes(store_.db()) == 1;
}

bool FieldStore::MarkWorkSent(const std::string& uuid, std::int64_t now) {
  return Transition("works", uuid, "sending", "state = 'sent', last_error = NULL, sent_at = ?", {}, now);
}

bool FieldStore::MarkWorkRetry(const std::string& uuid, std::string_view cause, std::int64_t next_attempt_at) {
  return Transition("works", uuid, "sending", "state = 'pending', last_error = ?, next_attempt_at = ?", cause, next_attempt_at);
}

bool FieldStore::MarkWorkFailed(const std::string& uuid, std::string_view cause, std::int64_t now) {
  (void)now;
  return Transition("works", uuid, "sending", "state = 'failed', last_error = ?, next_attempt_at = ?", cause, 0);
}

bool FieldStore::Counts(FieldCounts* out) {
  std::lock_guard lock(mu_);
  *out = FieldCounts{};
  sql::Stmt q(store_.db(),
              "SELECT state, count(*) FROM (SELECT state FROM field_updates UNION ALL SELECT state FROM works) GROUP BY state");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    const std::string s = q.Text(0);
    const int n = static_cast<int>(q.Int(1));
    if (s == "sent") out->sent += n;
    else if (s == "failed") out->failed += n;
    else out->pending += n;
  }
  return rc == SQLITE_DONE;
}

bool FieldStore::RecordCentralUpdate(const model::CentralUpdate& u) {
  std::lock_guard lock(mu_);
  sql::Stmt st(store_.db(),
               "INSERT OR IGNORE INTO assigned_history(update_id, central_id, status, at, note, conflict)"
               " SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM assigned WHERE central_id = ?)");
  st.Bind(1, u.update_id).Bind(2, u.central_id).Bind(3, u.status).Bind(4, u.at).Bind(5, u.note)
      .Bind(6, u.conflict ? 1 : 0).Bind(7, u.central_id);
  return st.Run();
}

bool FieldStore::ListDueUpdates(std::int64_t now, size_t limit, std::vector<model::FieldUpdate>* out) {
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  out->clear();
  // Oldest first, and per complaint in the order recorded: central must see "in progress"
  // before "resolved".
  sql::Stmt q(db,
              "SELECT uuid, central_id, ticket, status, note, department, based_on, recorded_at, lat, lon, attempts,"
              " coalesce(last_error, ''), user_id FROM field_updates WHERE state = 'pending' AND next_attempt_at <= ?"
              " ORDER BY recorded_at, rowid LIMIT ?");
  q.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    model::FieldUpdate u;
    u.uuid = q.Text(0);
    u.central_id = q.Text(1);
    u.ticket = q.Text(2);
    u.status = q.Text(3);
    u.note = q.Text(4);
    u.department = q.Text(5);
    u.based_on_update_id = q.Text(6);
    u.recorded_at = q.Int(7);
    u.lat = ColumnOptional(q, 8);
    u.lon = ColumnOptional(q, 9);
    u.attempts = static_cast<int>(q.Int(10));
    u.last_error = q.Text(11);
    u.user_id = q.Text(12);
    out->push_back(std::move(u));
  }
  if (rc != SQLITE_DONE) return false;
  for (model::FieldUpdate& u : *out) ReadPhotos(db, "field_photos", u.uuid, &u.photos);
  // A later update of a complaint never goes before an earlier one that is still waiting.
  std::set<std::string> blocked;
  {
    sql::Stmt b(db, "SELECT DISTINCT central_id FROM field_updates WHERE state IN ('pending','sending') AND next_attempt_at > ?");
    b.Bind(1, now);
    while (b.Step() == SQLITE_ROW) blocked.insert(b.Text(0));
  }
  std::erase_if(*out, [&](const model::FieldUpdate& u) { return blocked.count(u.central_id) > 0; });
  return true;
}

std::string FieldStore::PhotoPath(std::string_view file) const { return dir_ + "/" + std::string(file); }

bool FieldStore::Transition(const char* table, const std::string& uuid, const char* from, const char* sql_set,
                            std::string_view text, std::int64_t n) {
  std::lock_guard lock(mu_);
  sql::Stmt st(store_.db(), std::string("UPDATE ") + table + " SET " + sql_set + " WHERE uuid = ? AND state = '" + from + "'");
  int i = 1;
  if (st.params() == 3) st.Bind(i++, text);
  st.Bind(i, n);
  st.Bind(i + 1, uuid);
  return st.Run() && sqlite3_changes(store_.db()) == 1;
}

bool FieldStore::MarkUpdateSending(const std::string& uuid, std::int64_t now) {
  (void)now;
  return Transition("field_updates", uuid, "pending", "state = 'sending', attempts = attempts + ?", {}, 1);
}

bool FieldStore::MarkUpdateSent(const std::string& uuid, const model::UpdateOutcome& o, std::int64_t now) {
  std::lock_guard lock(mu_);
  sql::Stmt st(store_.db(),
               "UPDATE field_updates SET state = 'sent', update_id = ?, conflict = ?, outcome = ?, sent_at = ?,"
               " last_error = NULL WHERE uuid = ? AND state = 'sending'");
  st.Bind(1, o.update_id).Bind(2, o.conflict ? 1 : 0).Bind(3, o.current_status).Bind(4, now).Bind(5, uuid);
  if (!st.Run() || sqlite3_changes(store_.db()) != 1) return false;
  // Central's answer is the complaint's state now: shown at once, before the next list arrives.
  sql::Stmt a(store_.db(),
              "UPDATE assigned SET detailed_status = ?, status = coalesce(nullif(?, ''), status),"
              " department = coalesce(nullif(?, ''), department) WHERE central_id ="
              " (SELECT central_id FROM field_updates WHERE uuid = ?)");
  a.Bind(1, o.current_status).Bind(2, o.request_status).Bind(3, o.department).Bind(4, uuid);
  return a.Run();
}

bool FieldStore::MarkUpdateRetry(const std::string& uuid, std::string_view cause, std::int64_t next_attempt_at) {
  return Transition("field_updates", uuid, "sending", "state = 'pending', last_error = ?, next_attempt_at = ?", cause, next_attempt_at);
}

bool FieldStore::MarkUpdateFailed(const std::string& uuid, std::string_view cause, std::int64_t now) {
  (void)now;
  return Transition("field_updates", uuid, "sending", "state = 'failed', last_error = ?, next_attempt_at = ?", cause, 0);
}

bool FieldStore::Requeue(const std::string& uuid, std::int64_t now) {
  return Transition("field_updates", uuid, "failed", "state = 'pending', next_attempt_at = ?", {}, now);
}

std::string FieldStore::ThumbPath(const std::string& central_id) const { return dir_ + "/central-" + central_id + ".jpg"; }

bool FieldStore::HasThumb(const std::string& central_id) { return files::Exists(ThumbPath(central_id)); }

bool FieldStore::SaveThumb(const std::string& central_id, std::string_view jpeg) {
  if (central_id.empty() || central_id.find_first_not_of("0123456789") != std::string::npos) return false;
  const auto* p = reinterpret_cast<const std::uint8_t*>(jpeg.data());
  return static_cast<bool>(files::WriteFileDurably(dir_, "central-" + central_id + ".jpg", {p, jpeg.size()}));
}

}  // namespace samvad::store
