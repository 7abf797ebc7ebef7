// tus_upload.cpp — the photo upload state machine (DESIGN.md, "One photo upload"; invariants
// P1–P4 there are what AssertUploadState checks in debug builds).
//
//   CREATE ──201──► PROBE ──offset < length──► SEND ──204, offset < length──► SEND
//     │  (fresh request: the POST carries the photo; 201 says the offset) ─► DONE or SEND
//     │  (fresh request: offset 0 known) ────────▲ │ ──204, offset = length──► DONE
//     │               │ offset = length ► DONE    │ ──409 (offset moved)────► PROBE
//     │               └─404 (upload gone)─► CREATE◄┘ ──404──────────────────► CREATE
//     └─ any other failure: return its verdict; memo says where to resume (offset unknown
//        after a cut, so the next attempt starts at PROBE: never resend what central has)
#include "sync/client/tus_upload.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <string>

#include "sync/model/sha256.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"
#include "sync/protocol/tus.h"

namespace samvad::sync {

namespace tus = protocol::tus;

std::string ResolveLocation(std::string_view base_url, std::string_view location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return std::string(location);
  // The origin of base_url: scheme://authority, without any path.
  const size_t scheme = base_url.find("://");
  const size_t path = scheme == std::string_view::npos ? std::string_view::npos : base_url.find('/', scheme + 3);
  std::string out(base_url.substr(0, path));
  if (location.empty() || location.front() != '/') out.push_back('/');
  out.append(location);
  return out;
}

namespace {

enum class UploadState { Create, Probe, Send, Done };

// P1: we send from an offset only central told us (or 0 on an upload we know is new).
// P2: offsets stay within [0, length]. P3: done ⇔ offset = length.
void AssertUploadState(UploadState s, const UploadMemo& m, std::int64_t length) {
#ifndef NDEBUG
  assert(m.offset >= -1 && m.offset <= length && "P2: an offset beyond the file: central and we disagree");
  assert((s != UploadState::Send || (m.offset >= 0 && !m.location.empty())) &&
         "P1: a PATCH only from an offset central reported, on an upload that exists");
  assert((s != UploadState::Probe || !m.location.empty()) && "HEAD needs the upload's URL");
  assert((!m.done || m.offset == length) && "P3: done exactly when central has every byte");
#else
  (void)s, (void)m, (void)length;
#endif
}

std::string Base64Sha256(std::string_view bytes) {
  model::Sha256 h;
  h.Update(bytes.data(), bytes.size());
  const auto d = h.Final();
  return tus::Base64Encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

bool ReadOffset(const HttpResult& r, std::int64_t* out) {
  std::uint64_t v = 0;
  if (!tus::ParseUint(r.Header("upload-offset"), &v)) return false;
  *out = static_cast<std::int64_t>(v);
  return true;
}

// The answer told an offset central has not flushed yet (U8).
bool AnsweredLater(const HttpResult& r) { return r.Header(tus::kDurableHeader) == tus::kDurableLater; }

Verdict Permanent(std::string cause) { return Verdict{Action::Permanent, std::move(cause), -1}; }

std::int64_t SteadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Verdict TusUploader::Create(Transport& t, const UploadTarget& target, std::int64_t length, UploadMemo* memo,
                            std::int64_t now, bool first, std::string_view body, const UploadProgress& progress) const {
  const std::string what = target.kind == "thumb" ? "thumbnail" : "photo";
  tus::Metadata md;
  if (!target.work_id.empty()) md.emplace_back("work_id", target.work_id);
  else if (!target.request_id.empty()) md.emplace_back("service_request_id", target.request_id);
  else md.emplace_back("client_uuid", target.client_uuid);
  md.emplace_back("kind", target.kind);
  if (target.index > 0) md.emplace_back("index", std::to_string(target.index));
  md.emplace_back("filetype", "image/jpeg");
  md.emplace_back("filename", target.filename);
  md.emplace_back("sha256", target.sha256_hex);
  if (target.taken_at > 0) md.emplace_back("taken_at", protocol::open311::FormatDatetime(target.taken_at));
  HttpCall call{"POST", target.base_url + "/media",
                {{"Tus-Resumable", std::string(tus::kVersion)}, {"Authorization", "Bearer " + target.api_key}}, {}, true};
  call.headers.emplace_back("Upload-Length", std::to_string(length));
  call.headers.emplace_back("Upload-Metadata", tus::FormatMetadata(md));
  if (!body.empty()) {
    call.body = body;
    call.rewindable = false;  // P4: a photo body goes once; after a cut HEAD says what arrived
    call.headers.emplace_back("Content-Type", std::string(tus::kOffsetContentType));
    if (opt_.always_checksum) call.headers.emplace_back("Upload-Checksum", "sha256 " + Base64Sha256(body));
    if (later_now_) call.headers.emplace_back("Samvad-Durable", std::string(tus::kDurableLater));
  }
  const HttpResult r = t.Perform(call, [&](std::int64_t up) {
    if (progress) progress(0, up);
    return true;
  });
  Verdict v = Classify(r, Op::TusCreate, now);
  if (v.action == Action::Conflict) v.action = Action::Permanent;  // another length: not ours to fix
  if (v.action != Action::Ok) return v;
  const std::string loc = r.Header("location");
  if (r.status != 201 || loc.empty()) return Permanent("central did not say where to upload the " + what);
  memo->location = ResolveLocation(target.base_url, loc);
  // A request we created just now cannot have bytes of this upload yet, unless this memo sent
  // some before central lost the upload (then HEAD must say).
  memo->offset = target.fresh_request && first && !memo->cut ? 0 : -1;
  if (!body.empty()) {
    // What central kept of the body (all of it, or less after a checksum refusal or a repeated
    // POST). An answer without it leaves the offset to HEAD.
    std::int64_t kept = -1;
    if (!ReadOffset(r, &kept) || kept < 0 || kept > length) kept = -1;
    memo->offset = kept;
    memo->unsynced = kept >= 0 && AnsweredLater(r);
    if (kept >= 0 && progress) progress(kept, 0);
  }
  // An upload we did not just make may have a PATCH of ours still running on central (the
  // device restarted mid-upload): start small until one is acknowledged.
  if (memo->offset < 0) memo->careful = true;
  return Verdict{};
}

void TusUploader::NoteRate(std::int64_t bytes, std::chrono::steady_clock::time_point start) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A small body says little about the link (its round trip dominates): keep the last estimate.
  if (bytes >= (64 << 10) && s > 0) body_rate_ = static_cast<double>(bytes) / s;
}

Verdict TusUploader::Upload(const UploadTarget& target, std::string_view bytes, UploadMemo* memo,
                            const UploadProgress& progress, std::int64_t now) {
  const auto length = static_cast<std::int64_t>(bytes.size());
  const std::string what = target.kind == "thumb" ? "thumbnail" : "photo";
  const Headers common = {{"Tus-Resumable", std::string(tus::kVersion)}, {"Authorization", "Bearer " + target.api_key}};
  if (memo->chunk <= 0) memo->chunk = opt_.max_chunk_bytes;
  UploadState state = memo->done ? UploadState::Done
                      : memo->location.empty() ? UploadState::Create
                      : memo->offset < 0 ? UploadState::Probe
                                         : UploadState::Send;
  int creates = 0, conflicts = 0;
  for (;;) {
    AssertUploadState(state, *memo, length);
    switch (state) {
      case UploadState::Create: {
        // Two creates in one call means the upload vanished right after we made it: not a
        // state to loop in.
        if (++creates > 2) return Permanent(what + " upload keeps disappearing on central");
        // creation-with-upload, once per upload: only for a request made just now (central
        // cannot hold bytes of it) and never after a cut, so nothing central kept is resent.
        if (opt_.create_with_upload && target.fresh_request && creates == 1 && !memo->cut && !memo->body_tried) {
          memo->body_tried = true;
          const std::int64_t n = opt_.always_checksum ? std::min(length, memo->chunk) : length;
          later_now_ = Later();
          const auto start = std::chrono::steady_clock::now();
          const Verdict v = Create(t_, target, length, memo, now, true, bytes.substr(0, static_cast<size_t>(n)), progress);
          later_now_ = false;
          if (v.action == Action::Ok && memo->offset == n) NoteRate(n, start);
          if (v.action == Action::Transient) {  // cut mid-body: ask where central stopped
            memo->cut = true;
            memo->careful = true;
            flaky_until_ = SteadySeconds() + opt_.flaky_memory_s;
          }
          if (v.action != Action::Ok) return v;
          state = memo->offset == length ? UploadState::Done : memo->offset >= 0 ? UploadState::Send : UploadState::Probe;
          break;
        }
        const Verdict v = Create(t_, target, length, memo, now, creates == 1);
        if (v.action != Action::Ok) return v;
        state = memo->offset == 0 ? UploadState::Send : UploadState::Probe;
        break;
      }
      case UploadState::Probe: {
        const HttpResult r = t_.Perform(HttpCall{"HEAD", memo->location, common, {}});
        if (r.status == 404) {  // central forgot it (or it was never committed): make it again
          memo->location.clear();
          memo->offset = -1;
          state = UploadState::Create;
          break;
        }
        const Verdict v = Classify(r, Op::TusHead, now);
        if (v.action != Action::Ok) return v;
        std::int64_t offset = 0;
        if (!ReadOffset(r, &offset) || offset > length)
          return Permanent("central reported an impossible offset for the " + what);
        if (const std::string l = r.Header("upload-length"); !l.empty() && l != std::to_string(length))
          return Permanent("central's " + what + " upload has another length than the file");
        memo->offset = offset;
        memo->unsynced = AnsweredLater(r);
        if (progress) progress(offset, 0);
        state = offset == length ? UploadState::Done : UploadState::Send;
        break;
      }
      case UploadState::Send: {
        const bool checksum = opt_.always_checksum || (!memo->cut && SteadySeconds() >= flaky_until_);
        std::int64_t n = length - memo->offset;
        if (checksum) n = std::min(n, memo->chunk);
        if (memo->careful) n = std::min(n, opt_.resume_probe_bytes);
        const std::string_view chunk = bytes.substr(static_cast<size_t>(memo->offset), static_cast<size_t>(n));
        HttpCall call{"PATCH", memo->location, common, chunk, false};
        call.headers.emplace_back("Content-Type", std::string(tus::kOffsetContentType));
        call.headers.emplace_back("Upload-Offset", std::to_string(memo->offset));
        if (checksum) call.headers.emplace_back("Upload-Checksum", "sha256 " + Base64Sha256(chunk));
        if (Later()) call.headers.emplace_back("Samvad-Durable", std::string(tus::kDurableLater));
        const std::int64_t from = memo->offset;
        const auto start = std::chrono::steady_clock::now();
        const HttpResult r = t_.Perform(call, [&](std::int64_t up) {
          if (progress) progress(from, up);
          return true;
        });
        if (r.status == 404) {
          memo->location.clear();
          memo->offset = -1;
          state = UploadState::Create;
          break;
        }
        const Verdict v = Classify(r, Op::TusPatch, now);
        if (v.action == Action::Conflict) {
          // Our offset is stale (a lost 204) or another PATCH runs (our own, cut off, still
          // being finished by central): ask. Repeated conflicts are a retry later, not a spin.
          memo->offset = -1;
          memo->careful = true;  // a refused PATCH costs its whole body: keep the next one small
          if (++conflicts > 3) return Verdict{Action::Transient, v.cause, v.retry_after_s};
          state = UploadState::Probe;
          break;
        }
        if (v.action != Action::Ok) {
          if (v.action == Action::Transient) {
            // Where central stopped is unknown until HEAD says: resume from there, never from
            // where we think we were.
            memo->offset = -1;
            memo->cut = true;
            memo->careful = true;
            flaky_until_ = SteadySeconds() + opt_.flaky_memory_s;
            if (opt_.always_checksum) memo->chunk = std::max(opt_.min_chunk_bytes, n / 2);
          }
          return v;
        }
        std::int64_t next = 0;
        if (!ReadOffset(r, &next) || next <= from || next > length)
          return Permanent("central acknowledged an impossible offset for the " + what);
        memo->offset = next;
        memo->unsynced = AnsweredLater(r);
        if (next == from + n) NoteRate(n, start);
        memo->careful = false;
        if (progress) progress(next, 0);
        state = next == length ? UploadState::Done : UploadState::Send;
        break;
      }
      case UploadState::Done:
        memo->offset = length;
        memo->done = true;
        AssertUploadState(state, *memo, length);
        return Verdict{};
    }
  }
}

std::string UploadId(const UploadMemo& memo) {
  const size_t slash = memo.location.rfind('/');
  return slash == std::string::npos ? std::string() : memo.location.substr(slash + 1);
}

Verdict SealUploads(Transport& t, const std::string& base_url, const std::string& api_key,
                    const std::vector<std::string>& upload_ids, std::map<std::string, std::int64_t>* durable,
                    std::int64_t now) {
  durable->clear();
  protocol::Form form;
  for (const std::string& id : upload_ids) form.push_back({"upload_id", id});
  const std::string body = protocol::EncodeForm(form);  // the call only views it
  const HttpCall call{"POST", base_url + std::string(tus::kSyncPath),
                      {{"Authorization", "Bearer " + api_key}, {"Content-Type", "application/x-www-form-urlencoded"}},
                      body, true};
  const HttpResult r = t.Perform(call);
  Verdict v = Classify(r, Op::TusHead, now);
  if (v.action != Action::Ok) return v;
  std::string why;
  const auto doc = protocol::ParseJson(r.body, &why);
  if (r.status != 200 || !doc || doc->type != protocol::JsonValue::Type::Array)
    return Verdict{Action::Transient, "central sent an unreadable answer to the photo flush; will retry", -1};
  for (const protocol::JsonValue& u : doc->items) {
    const protocol::JsonValue* offset = u.Find("offset");
    std::int64_t value = -1;
    if (offset && offset->type == protocol::JsonValue::Type::Number) {
      const auto [end, ec] = std::from_chars(offset->text.data(), offset->text.data() + offset->text.size(), value);
      if (ec != std::errc() || end != offset->text.data() + offset->text.size()) value = -1;
    }
    (*durable)[u.Str("upload_id")] = value;
  }
  return Verdict{};
}

bool SettleMemo(UploadMemo* memo, const std::map<std::string, std::int64_t>& durable) {
  if (!memo->unsynced) return memo->done;
  const auto it = durable.find(UploadId(*memo));
  if (memo->done && it != durable.end() && it->second == memo->offset) {  // done: offset = length (P3)
    memo->unsynced = false;
    return true;
  }
  // Central started it again (its machine restarted before the flush), or forgot it: ask.
  memo->done = false;
  memo->unsynced = false;
  memo->offset = -1;
  memo->careful = true;
  if (it == durable.end()) memo->location.clear();
  return false;
}

}  // namespace samvad::sync
