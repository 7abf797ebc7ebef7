// field_sync.cpp — the field engineer's work (issue 5), a tablet's part of a session:
//
//   PushField     every due work-log update (model::FieldLog), oldest first: its before/after
//                 photos by tus (kind before|after, index 0–2, named by the complaint's central
//                 id), then POST /servicerequestupdates.json with Idempotency-Key = the update's
//                 UUID. Central's answer (update id, conflict, the complaint's status now) is kept
//                 with the update. The photos go first because central refuses "resolved" without
//                 a finished after photo.
//   PushWorks     every due development work: POST /works.json (Idempotency-Key = its UUID; central's
//                 work_id kept at once), then its photos by tus named by work_id.
//   PullAssigned  GET /requests.json?assigned_to=USER for each engineer who signed in here, each
//                 list replacing the last; the citizen's first photo (thumbnail) once per complaint.
//
// Exactly once: a resent update carries the same key and payload, so central replays its first
// answer (PROTOCOL.md, Extension 1); a resent photo names the same upload (kind, index, sha256)
// and resumes it. The lifecycle is the outbox's (S1–S3 of DESIGN.md apply with "update" for
// "entry"): MarkUpdateSending before the first byte, MarkUpdateSent only on central's answer,
// never left sending at a session's end.
#include <fstream>
#include <iterator>
#include <limits>
#include <set>

#include "sync/client/engine_impl.h"
#include "sync/model/sha256.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"

namespace samvad::sync {

using protocol::JsonValue;
namespace o311 = protocol::open311;

namespace {

SessionEnd Ended(const Verdict& v) { return SessionEnd{v.action, v.cause, v.retry_after_s, -1}; }

std::string Coordinate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// The update's form, deterministic: a resend is the same payload, which idempotency compares.
protocol::Form UpdateForm(const model::FieldUpdate& u, const std::string& api_key) {
  protocol::Form f;
  f.push_back({"api_key", api_key});
  f.push_back({"service_request_id", u.central_id});
  f.push_back({"status", u.status});
  if (!u.note.empty()) f.push_back({"description", u.note});
  if (u.status == "transferred") f.push_back({"department", u.department});
  if (!u.based_on_update_id.empty()) f.push_back({"based_on_update_id", u.based_on_update_id});
  f.push_back({"recorded_at", o311::FormatDatetime(u.recorded_at)});
  if (!u.user_id.empty()) f.push_back({"user_id", u.user_id});  // who did it (not part of the payload hash)
  if (u.lat && u.lon) {
    f.push_back({"lat", Coordinate(*u.lat)});
    f.push_back({"long", Coordinate(*u.lon)});
  }
  return f;
}

std::optional<double> Number(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.Find(key);
  if (!v) return std::nullopt;
  if (v->type == JsonValue::Type::Number) return v->number;
  if (v->type == JsonValue::Type::String && !v->text.empty()) {
    char* end = nullptr;
    const double d = std::strtod(v->text.c_str(), &end);
    if (end && *end == '\0') return d;
  }
  return std::nullopt;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

Verdict SyncEngine::Impl::UploadWorkPhotos(const std::vector<model::WorkPhoto>& photos, const std::string& request_id,
                                           const std::string& work_id, const std::string& memo_key) {
  const auto memo_of = [&](const model::WorkPhoto& p) -> UploadMemo& {
    return work_memos[memo_key + "/" + p.kind + "/" + std::to_string(p.index)];
  };
  for (const model::WorkPhoto& p : photos) {
    UploadMemo& memo = memo_of(p);
    if (memo.done) continue;
    std::string bytes;
    std::ifstream in(cfg.field->PhotoPath(p.file), std::ios::binary);
    if (in) bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (!in || model::Sha256Hex(bytes) != p.sha256)
      return Verdict{Action::Permanent, "work photo missing or damaged on this tablet (" + p.file + ")", -1};
    UploadTarget t;
    t.base_url = cfg.base_url;
    t.api_key = cfg.api_key;
    t.request_id = request_id;
    t.work_id = work_id;
    t.kind = p.kind;
    t.index = p.index;
    t.filename = p.file;
    t.sha256_hex = p.sha256;
    t.taken_at = p.taken_at;
    const Verdict v = uploader.Upload(t, bytes, &memo, [](std::int64_t, std::int64_t) {}, Now());
    if (v.action != Action::Ok) return v;
    progress_since_failure = true;
  }
  // The flush (U8): the update that follows must not point at photos central could still lose.
  std::vector<std::string> ids;
  for (const model::WorkPhoto& p : photos)
    if (const UploadMemo& memo = memo_of(p); memo.unsynced) ids.push_back(UploadId(memo));
  if (ids.empty()) return Verdict{};
  std::map<std::string, std::int64_t> durable;
  if (const Verdict v = SealUploads(transport, cfg.base_url, cfg.api_key, ids, &durable, Now()); v.action != Action::Ok)
    return v;
  bool all = true;
  for (const model::WorkPhoto& p : photos)
    if (!SettleMemo(&memo_of(p), durable)) all = false;
  if (!all)
    return Verdict{Action::Transient, std::string(kSealLostCause), -1};
  return Verdict{};
}

// One update or work through a session (S1–S3): `attempt` is retried in the session while it
// fails transiently; then the outcome is recorded. Returns true to go on with the next item;
// false with `end` set when the session must end (a transient failure released for later, or the
// device's own storage failing). `refused`: central refused it for good (failed, staff look).
bool SyncEngine::Impl::RunFieldItem(const FieldItem& item, SessionEnd* end, bool* refused) {
  *refused = false;
  Verdict v;
  SessionEnd waited;
  bool ended_in_retry = false;
  for (;;) {
    v = item.attempt();
    if (v.action == Action::Transient) {
      if (RetryInSession(v, &waited)) continue;
      ended_in_retry = true;
    }
    break;
  }
  if (v.action == Action::Ok) {
    if (!item.sent()) {
      // Resending is safe (central replays its answer): leave it pending, never sending (S2).
      const std::string why = "device storage error while recording central's answer";
      item.retry(why, Now());
      *end = Ended(Verdict{Action::Transient, why, -1});
      return false;
    }
    progress_since_failure = true;
    Publish([](SyncSnapshot& s) { ++s.work_updates_sent; s.work_cause.clear(); });
    return true;
  }
  Publish([&](SyncSnapshot& s) { s.work_cause = v.cause; });
  if (v.action == Action::Transient || v.action == Action::AuthExpired) {
    if (!ended_in_retry) {
      waited = Ended(v);
      waited.delay_ms = transport.cancelled() ? 0 : DrawDelay(v.action, v.retry_after_s);
    }
    // S2: released, due when the engine's wait ends (or at once after a Stop).
    item.retry(v.cause, Now() + std::max<std::int64_t>(v.retry_after_s, waited.delay_ms / 1000));
    *end = waited;
    return false;
  }
  // Central refused it for good (a 400, a 404, a 409 on the key, a damaged photo): staff look.
  item.failed(v.cause);
  *refused = true;
  return true;
}

SessionEnd SyncEngine::Impl::PushField(bool forced) {
  std::vector<model::FieldUpdate> due;
  if (!cfg.field->ListDueUpdates(forced ? std::numeric_limits<std::int64_t>::max() : Now(), 50, &due))
    return Ended(Verdict{Action::Transient, "device storage error while reading work updates", -1});
  std::set<std::string> held;  // complaints one of whose updates did not go: the later ones wait
  for (const model::FieldUpdate& u : due) {
    if (transport.cancelled()) break;
    if (held.count(u.central_id)) continue;
    if (!cfg.field->MarkUpdateSending(u.uuid, Now())) continue;  // not pending any more
    model::UpdateOutcome outcome;
    FieldItem item;
    item.attempt = [&]() -> Verdict {
      // 1. The photos (central wants the after photo in before it accepts "resolved").
      Verdict v = UploadWorkPhotos(u.photos, u.central_id, "", u.uuid);
      if (v.action != Action::Ok) return v;
      // 2. The update itself.
      const std::string body = protocol::EncodeForm(UpdateForm(u, cfg.api_key));
      const HttpResult r = transport.Perform(HttpCall{"POST", cfg.base_url + "/servicerequestupdates.json",
                                                      {{"Content-Type", "application/x-www-form-urlencoded"},
                                                       {"Idempotency-Key", u.uuid}},
                                                      body});
      v = Classify(r, Op::WorkUpdate, Now());
      if (cfg.log) cfg.log("POST /servicerequestupdates.json " + u.uuid + " -> " + std::to_string(r.status));
      if (v.action != Action::Ok) return v;
      std::string why;
      const auto ans = protocol::ParseJson(r.body, &why);
      if (!ans || ans->type != JsonValue::Type::Array || ans->items.empty() || ans->items[0].Str("update_id").empty())
        return Verdict{Action::Transient, "central sent an unreadable answer to a work update; will resend", -1};
      const JsonValue& a = ans->items[0];
      outcome.update_id = a.Str("update_id");
      outcome.conflict = a.True("conflict");
      outcome.current_status = a.Str("current_status");
      outcome.request_status = a.Str("request_status");
      outcome.department = a.Str("department");
      return v;
    };
    item.sent = [&] { return cfg.field->MarkUpdateSent(u.uuid, outcome, Now()); };
    item.retry = [&](std::string_view cause, std::int64_t due_at) { cfg.field->MarkUpdateRetry(u.uuid, cause, due_at); };
    item.failed = [&](std::string_view cause) { cfg.field->MarkUpdateFailed(u.uuid, cause, Now()); };
    SessionEnd end;
    bool refused = false;
    if (!RunFieldItem(item, &end, &refused)) return end;
    if (refused) held.insert(u.central_id);
  }
  return SessionEnd{};
}

SessionEnd SyncEngine::Impl::PushWorks(bool forced) {
  std::vector<model::DevelopmentWork> due;
  if (!cfg.field->ListDueWorks(forced ? std::numeric_limits<std::int64_t>::max() : Now(), 50, &due))
    return Ended(Verdict{Action::Transient, "device storage error while reading development works", -1});
  for (const model::DevelopmentWork& w : due) {
    if (transport.cancelled()) break;
    if (!cfg.field->MarkWorkSending(w.uuid, Now())) continue;
    std::string work_id = w.work_id;
    FieldItem item;
    item.attempt = [&]() -> Verdict {
      // 1. The work (POST /works.json, idempotent on its UUID), once: central's id is kept at once.
      if (work_id.empty()) {
        protocol::Form f;
        f.push_back({"api_key", cfg.api_key});
        f.push_back({"title", w.title});
        if (!w.description.empty()) f.push_back({"description", w.description});
        f.push_back({"lang", w.lang});
        f.push_back({"ward", w.ward});
        if (!w.user_id.empty()) f.push_back({"user_id", w.user_id});
        if (w.lat && w.lon) {
          f.push_back({"lat", Coordinate(*w.lat)});
          f.push_back({"long", Coordinate(*w.lon)});
        }
        const std::string body = protocol::EncodeForm(f);
        const HttpResult r = transport.Perform(HttpCall{
            "POST", cfg.base_url + "/works.json",
            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Idempotency-Key", w.uuid}}, body});
        const Verdict v = Classify(r, Op::WorkUpdate, Now());
        if (cfg.log) cfg.log("POST /works.json " + w.uuid + " -> " + std::to_string(r.status));
        if (v.action != Action::Ok) return v;
        std::string why;
        const auto ans = protocol::ParseJson(r.body, &why);
        const std::string id = ans && ans->type == JsonValue::Type::Array && !ans->items.empty() ? ans->items[0].Str("work_id") : "";
        if (!IsDigits(id)) return Verdict{Action::Transient, "central sent an unreadable answer to a development work; will resend", -1};
        if (!cfg.field->SetWorkId(w.uuid, id)) return Verdict{Action::Transient, "device storage error while saving central's work id", -1};
        work_id = id;
      }
      // 2. Its photos, named by central's work id.
      return UploadWorkPhotos(w.photos, "", work_id, "work:" + w.uuid);
    };
    item.sent = [&] { return cfg.field->MarkWorkSent(w.uuid, Now()); };
    item.retry = [&](std::string_view cause, std::int64_t due_at) { cfg.field->MarkWorkRetry(w.uuid, cause, due_at); };
    item.failed = [&](std::string_view cause) { cfg.field->MarkWorkFailed(w.uuid, cause, Now()); };
    SessionEnd end;
    bool refused = false;
    if (!RunFieldItem(item, &end, &refused)) return end;
  }
  return SessionEnd{};
}

SessionEnd SyncEngine::Impl::PullAssigned() {
  const Headers auth = {{"Authorization", "Bearer " + cfg.api_key}};
  for (const std::string& user : cfg.field->FieldUsers()) {
    if (transport.cancelled()) break;
    const HttpResult r = transport.Perform(HttpCall{
        "GET", cfg.base_url + "/requests.json?assigned_to=" + protocol::PercentEncode(user) + "&page_size=200", auth, {}});
    const Verdict v = Classify(r, Op::WorkList, Now());
    if (v.action != Action::Ok) return Ended(v);
    std::string why;
    const auto list = protocol::ParseJson(r.body, &why);
    if (!list || list->type != JsonValue::Type::Array)
      return Ended(Verdict{Action::Transient, "central sent an unreadable assigned list; keeping the old one", -1});
    std::vector<model::AssignedRequest> out;
    for (const JsonValue& q : list->items) {
      model::AssignedRequest a;
      a.central_id = q.Str("service_request_id");
      if (!IsDigits(a.central_id)) continue;
      a.ticket = q.Str("ticket");
      a.service_code = q.Str("service_code");
      a.description = q.Str("description");
      a.address = q.Str("address");
      a.lang = q.Str("lang");
      a.status = q.Str("status");
      a.detailed_status = q.Str("detailed_status");
      if (a.detailed_status.empty()) a.detailed_status = a.status;
      a.department = q.Str("department");
      a.latest_update_id = q.Str("latest_update_id");
      a.lat = Number(q, "lat");
      a.lon = Number(q, "long");
      if (!a.lat || !a.lon) a.lat = a.lon = std::nullopt;
      o311::ParseDatetime(q.Str("requested_datetime"), &a.requested_at);
      o311::ParseDatetime(q.Str("expected_datetime"), &a.expected_at);
      const JsonValue* media = q.Find("media_urls");
      a.photo_count = media && media->type == JsonValue::Type::Array ? static_cast<int>(media->items.size()) : 0;
      a.thumbnail_url = q.Str("thumbnail_url");
      out.push_back(std::move(a));
    }
    if (!cfg.field->ReplaceAssigned(user, out, Now(), &why))
      return Ended(Verdict{Action::Transient, "device storage error while saving the assigned list: " + why, -1});
    // The citizen's photo, small, once per complaint: what the engineer looks for on site.
    for (const model::AssignedRequest& a : out) {
      if (transport.cancelled()) break;
      if (a.thumbnail_url.empty() || cfg.field->HasThumb(a.central_id)) continue;
      const std::string url = ResolveLocation(cfg.base_url, a.thumbnail_url);
      if (url.rfind(cfg.base_url + "/", 0) != 0) continue;  // only from central itself
      const HttpResult t = transport.Perform(HttpCall{"GET", url, auth, {}});
      if (t.status != 200 || t.body.size() > (2u << 20) || t.body.size() < 4 ||
          static_cast<unsigned char>(t.body[0]) != 0xFF || static_cast<unsigned char>(t.body[1]) != 0xD8)
        continue;  // not worth failing a session: the list is what matters
      cfg.field->SaveThumb(a.central_id, t.body);
    }
  }
  return SessionEnd{};
}

}  // namespace samvad::sync
