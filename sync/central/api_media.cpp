// api_media.cpp — tus 1.0.0 resumable uploads of a complaint's photos and thumbnails, and of the
// before/after photos of field work on a complaint or of a development work (core, creation,
// checksum with sha256), and serving the finished bytes at their media_url.
// The upload lifecycle and its invariants (U1–U5) are in DESIGN.md; the short form:
//
//   POST /media ──► created (received = 0) ──PATCH──► received = k ──PATCH──► complete
//                      ▲                      │ checksum mismatch (460), wrong offset (409):
//                      └── HEAD tells offset ─┘ nothing written counts, offset unchanged
//
// Bytes go to <media>/<upload id> at their offset as they arrive, are fsync'd, and only then is
// the new offset committed to the database and acknowledged (U1) — unless the device asked to
// flush later (Samvad-Durable: later): then the offset is committed and acknowledged unflushed,
// marked `unsynced`, and POST /media/sync (or the check at start) settles it (U8).
//
// [SECTION] helpers
// [SECTION] OPTIONS, creation (POST) and HEAD
// [SECTION] PATCH (class TusPatch)
// [SECTION] flushing later (U8)
// [SECTION] GET of finished media
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "sync/central/api.h"
#include "sync/central/crypto.h"
#include "sync/model/sha256.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "sync/protocol/tus.h"

namespace samvad::central {

namespace tus = protocol::tus;
namespace o311 = protocol::open311;

// ---------------------------------------------------------------------------------------------
// [SECTION] helpers
// ---------------------------------------------------------------------------------------------

namespace {

HttpResponse TusError(int status, std::string_view description) {
  HttpResponse r = ErrorResponse(status, description);
  r.headers.emplace_back("Tus-Resumable", std::string(tus::kVersion));
  return r;
}

HttpResponse TusReply(int status) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Tus-Resumable", std::string(tus::kVersion));
  return r;
}

// 412 when the client speaks another tus version (the spec's rule for every request but OPTIONS).
std::optional<HttpResponse> CheckVersion(const HttpRequest& req) {
  const std::string* v = req.Header("tus-resumable");
  if (v && *v == tus::kVersion) return std::nullopt;
  HttpResponse r = TusError(412, "Tus-Resumable: 1.0.0 is required");
  r.headers.emplace_back("Tus-Version", std::string(tus::kVersion));
  return r;
}

// SHA-256 (raw) of the first `length` bytes of `fd`, read back from the file; "" with `error`
// on a read error or a file shorter than that.
std::string Sha256OfFile(int fd, std::int64_t length, std::string* error) {
  Sha256Stream whole;
  char buf[1 << 16];
  for (off_t at = 0; at < length;) {
    const ssize_t n = pread(fd, buf, static_cast<size_t>(std::min<std::int64_t>(sizeof buf, length - at)), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n < 0 ? std::strerror(errno) : "short file";
      return {};
    }
    whole.Update(buf, static_cast<size_t>(n));
    at += n;
  }
  return whole.Final();
}

}  // namespace

// A new file's directory entry is made durable by an fsync of the directory (the file's own
// fsync does not promise it).
std::string Api::SyncMediaDir(std::uint64_t ticket) {
  std::string error;
  const bool ok = media_dir_sync_.JoinAs(ticket, [this]() -> std::string {
    return SyncDir(cfg_.media_dir) ? std::string() : std::strerror(errno);
  }, &error);
  return ok ? std::string() : error;
}

bool Api::ClaimUpload(const std::string& id) {
  std::lock_guard<std::mutex> lock(busy_mu_);
  return busy_uploads_.insert(id).second;
}

void Api::ReleaseUpload(const std::string& id) {
  std::lock_guard<std::mutex> lock(busy_mu_);
  busy_uploads_.erase(id);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] OPTIONS, creation (POST) and HEAD
// ---------------------------------------------------------------------------------------------

HttpResponse Api::WithTusResumable(HttpResponse r) {
  const bool has = std::any_of(r.headers.begin(), r.headers.end(),
                               [](const auto& h) { return strcasecmp(h.first.c_str(), "Tus-Resumable") == 0; });
  if (!has) r.headers.emplace_back("Tus-Resumable", std::string(tus::kVersion));
  return r;
}

HttpResponse Api::TusOptions() {
  HttpResponse r = TusReply(204);
  r.headers.emplace_back("Tus-Version", std::string(tus::kVersion));
  r.headers.emplace_back("Tus-Extension", "creation,creation-with-upload,checksum");
  r.headers.emplace_back("Tus-Max-Size", std::to_string(cfg_.max_upload_bytes));
  r.headers.emplace_back("Tus-Checksum-Algorithm", std::string(tus::kChecksumAlgorithm));
  return r;
}

HttpResponse Api::TusCreate(const HttpRequest& req, Upload* got, bool* fresh) {
  if (auto bad = CheckVersion(req)) return *bad;
  Upload want;
  // The device's standing is checked again by CreateUpload, in the transaction that writes.
  if (auto denied = KnownDevice(req, &want.device_id)) return *denied;  // Tus-Resumable: TusCreateHandler
  if (req.Header("upload-defer-length")) return TusError(400, "Upload-Defer-Length is not supported: send Upload-Length");
  const std::string* len_text = req.Header("upload-length");
  std::uint64_t length = 0;
  if (!len_text || !tus::ParseUint(*len_text, &length) || length == 0)
    return TusError(400, "Upload-Length must be a positive whole number of bytes");
  if (length > cfg_.max_upload_bytes)
    return TusError(413, "Upload-Length is larger than Tus-Max-Size (" + std::to_string(cfg_.max_upload_bytes) + ")");
  tus::Metadata md;
  std::string why;
  const std::string* md_text = req.Header("upload-metadata");
  if (!md_text || !tus::ParseMetadata(*md_text, &md, &why))
    return TusError(400, md_text ? why : "Upload-Metadata must name the complaint: service_request_id or client_uuid");
  // Kept with the upload for HEAD to repeat, so bounded: ours are ~200 bytes.
  if (md_text->size() > kMaxMetadataBytes)
    return TusError(400, "Upload-Metadata is longer than " + std::to_string(kMaxMetadataBytes) + " bytes");
  want.metadata = *md_text;
  for (const auto& [k, v] : md)
    if (!protocol::IsValidUtf8(v)) return TusError(400, "Upload-Metadata value for '" + k + "' is not UTF-8 text");

  // Which complaint: by central id, or by the device's client UUID when the create's response
  // was lost and the device never learnt the id.
  bool found = false;
  if (const std::string* id = tus::MetadataGet(md, "service_request_id")) {
    // Whether it exists is CreateUpload's to say (kNoTarget), in its own transaction.
    const auto r = std::from_chars(id->data(), id->data() + id->size(), want.request_id);
    found = r.ec == std::errc() && r.ptr == id->data() + id->size() && want.request_id > 0;
  } else if (const std::string* uuid = tus::MetadataGet(md, "client_uuid")) {
    std::string canonical;
    if (o311::ParseClientUuid(*uuid, &canonical)) {
      if (const Status st = storage_.FindRequestByClientUuid(canonical, &want.request_id, &found); !st.ok())
        return StorageFailure(st, "find request");
    }
  } else if (const std::string* work = tus::MetadataGet(md, "work_id")) {
    // A development work's before/after photos (POST /works.json made the work).
    o311::Work w;
    const auto r = std::from_chars(work->data(), work->data() + work->size(), want.work_id);
    if (r.ec == std::errc() && r.ptr == work->data() + work->size() && want.work_id > 0) {
      if (const Status st = storage_.GetWork(want.work_id, &w, &found); !st.ok()) return StorageFailure(st, "get work");
    }
    if (!found) return TusError(400, "Upload-Metadata names a work that does not exist");
  } else {
    return TusError(400, "Upload-Metadata must name the complaint (service_request_id or client_uuid) or the work (work_id)");
  }
  if (!found) return TusError(400, "Upload-Metadata names a service request that does not exist");
  const std::string* kind = tus::MetadataGet(md, "kind");
  want.kind = kind ? *kind : want.work_id ? "" : "photo";
  if (want.work_id) {
    if (want.kind != "before" && want.kind != "after") return TusError(400, "a work's photo has kind before or after");
  } else if (want.kind != "photo" && want.kind != "thumb" && want.kind != "before" && want.kind != "after") {
    return TusError(400, "kind must be photo, thumb, before or after");
  }
  // taken_at: when a field-work photo was taken, in the device's word (its camera or the
  // photo's EXIF). Stored as sent — an engineer's photo is never refused for an odd clock — but
  // only for field work: when a citizen's photo was taken (and so when they stood where it
  // shows) is theirs, and central keeps no such detail of it.
  if (const std::string* taken = tus::MetadataGet(md, "taken_at")) {
    if (want.kind != "before" && want.kind != "after")
      return TusError(400, "Upload-Metadata taken_at is only for a before or after photo of field work; "
                           "a citizen's photo (kind photo or thumb) is sent without it");
    std::int64_t at = 0;
    if (!o311::ParseDatetime(*taken, &at))
      return TusError(400, "Upload-Metadata taken_at must be a W3C datetime with a zone, like "
                           "2026-11-24T10:20:30+05:30 or 2026-11-24T04:50:30Z");
    want.taken_at = at;
  }
  // index: which of the complaint's photos (0 = the first, the Open311 media_url), or of its
  // before/after photos. One upload per (request or work, kind, index) — invariant U4 — kept in
  // the kind column as "photo.1", "thumb.2", "before.1", "after.2".
  if (const std::string* index = tus::MetadataGet(md, "index"); index && *index != "0") {
    if (*index != "1" && *index != "2") return TusError(400, "index must be 0, 1 or 2 (at most three photos of a kind)");
    want.kind += "." + *index;
  }
  if (const std::string* sha = tus::MetadataGet(md, "sha256")) {
    if (!model::IsSha256Hex(*sha)) return TusError(400, "Upload-Metadata sha256 must be 64 lower-case hex digits");
    want.sha256 = *sha;
  }
  const std::string* type = tus::MetadataGet(md, "filetype");
  want.content_type = type ? *type : "image/jpeg";
  if (want.content_type != "image/jpeg" && want.content_type != "image/png")
    return TusError(400, "filetype must be image/jpeg or image/png");
  if (const std::string* name = tus::MetadataGet(md, "filename")) want.filename = name->substr(0, 200);
  want.length = static_cast<std::int64_t>(length);
  want.id = RandomHex(16);  // 128 random bits: media URLs are public but not guessable

  // No file yet: the first PATCH creates it and makes its name durable before the first offset
  // is committed (U5). A row with nothing received needs no file.
  UploadCreate result;
  if (const Status st = storage_.CreateUpload(want, got, &result); !st.ok()) return StorageFailure(st, "create upload");
  if (result == UploadCreate::kRevoked) {
    ForgetKnownDevice(want.device_id);
    return ErrorResponse(403, "this device has been revoked; enrol it again");
  }
  if (result == UploadCreate::kNoTarget)
    return TusError(400, std::string("Upload-Metadata names a ") + (want.work_id ? "work" : "service request") +
                             " that does not exist");
  if (result == UploadCreate::kConflict)
    return TusError(409, std::string(want.work_id ? "this work" : "this complaint") + " already has a " + want.kind +
                             " upload of another size, checksum or from another device");
  *fresh = result == UploadCreate::kCreated;
  HttpResponse r = TusReply(201);
  r.headers.emplace_back("Location", cfg_.base_url + o311::MediaPath(got->id));
  return r;
}

HttpResponse Api::TusHead(const HttpRequest& req, const std::string& id) {
  if (auto bad = CheckVersion(req)) return *bad;
  std::string device;
  if (auto denied = Authenticate(req, nullptr, &device)) return *denied;  // Tus-Resumable: Route
  Upload u;
  bool found = false;
  if (IsUploadId(id)) {
    if (const Status st = storage_.GetUpload(id, &u, &found); !st.ok()) return StorageFailure(st, "get upload");
  }
  if (!found) return TusError(404, "no such upload");
  if (u.device_id != device) return TusError(403, "this upload belongs to another device");
  // The device goes on from this offset and never resends what is below it: it must be durable,
  // and the PATCH that committed it may still be waiting for its group's WAL sync.
  if (const Status st = storage_.WaitDurable(); !st.ok()) return StorageFailure(st, "sync upload");
  HttpResponse r = TusReply(200);
  r.headers.emplace_back("Upload-Offset", std::to_string(u.received));
  r.headers.emplace_back("Upload-Length", std::to_string(u.length));
  if (!u.metadata.empty()) r.headers.emplace_back("Upload-Metadata", u.metadata);
  if (u.unsynced) r.headers.emplace_back("Samvad-Durable", std::string(tus::kDurableLater));
  r.headers.emplace_back("Cache-Control", "no-store");  // the spec: offsets must never be cached
  return r;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] PATCH
// ---------------------------------------------------------------------------------------------

// One PATCH: validates at the headers, writes the body at its offset as it arrives, and at the
// end (or when the peer vanishes) decides what of it becomes durable.
class TusPatch final : public RequestHandler {
 public:
  TusPatch(Api& api, const HttpRequest& req, const std::string& id) : api_(api), id_(id) { Begin(req); }
  // creation-with-upload: the POST's body, for the upload `created` (its 201) just made, which
  // has nothing received yet. The answer is always that 201 with Upload-Offset: the upload
  // exists whatever became of the bytes, and the client resumes it like any other.
  TusPatch(Api& api, const HttpRequest& req, const std::string& id, HttpResponse created)
      : api_(api), id_(id), created_(std::move(created)) {
    Begin(req);
  }
  // The same for an upload this POST has just made: its row is `made`, not read again.
  TusPatch(Api& api, const HttpRequest& req, Upload made, HttpResponse created)
      : api_(api), id_(made.id), created_(std::move(created)), upload_(std::move(made)), known_(true) {
    Begin(req);
  }
  ~TusPatch() override {
    if (fd_ >= 0) close(fd_);
    if (claimed_) api_.ReleaseUpload(id_);
  }
  TusPatch(const TusPatch&) = delete;
  TusPatch& operator=(const TusPatch&) = delete;

  void OnBody(const char* data, size_t n) override {
    AssertUploadState();
    if (error_) return;  // drain the rest so the client reads our answer rather than a reset
    if (static_cast<std::uint64_t>(written_) + n > static_cast<std::uint64_t>(upload_.length - offset_)) {
      Fail(400, "the body runs past Upload-Length");
      return;
    }
    for (size_t done = 0; done < n;) {
      const ssize_t w = pwrite(fd_, data + done, n - done, static_cast<off_t>(offset_ + written_));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        const int err = w < 0 ? errno : ENOSPC;  // a write of 0 bytes to a regular file: no room
        std::fprintf(stderr, "samvad-central: write %s: %s\n", api_.MediaFile(id_).c_str(), std::strerror(err));
        // Nothing of this body is kept (Finish discards it); the device keeps the photo and asks
        // again. A full disk is not cleared in seconds: say so, and when to come back.
        const bool full = err == ENOSPC || err == EDQUOT;
        Fail(503, full ? "central's disk for photos is full; the upload resumes once space is freed"
                       : "cannot store uploads right now: " + std::string(std::strerror(err)));
        error_->headers.emplace_back("Retry-After", full ? "300" : "30");
        return;
      }
      done += static_cast<size_t>(w);
      written_ += w;
    }
    sha_.Update(data, n);
  }

  HttpResponse OnComplete() override {
    if (!created_) return Api::WithTusResumable(Finish());  // a storage failure's 503 too
    HttpResponse outcome = Finish();
    HttpResponse r = std::move(*created_);
    const bool kept = outcome.status == 204;
    r.headers.emplace_back("Upload-Offset", std::to_string(kept ? offset_ + written_ : offset_));
    if (kept && later_ && written_ > 0) r.headers.emplace_back("Samvad-Durable", std::string(tus::kDurableLater));
    return r;
  }

  // The peer went away mid-body. Without a checksum we keep what arrived, as tus asks servers to
  // ("store as much of the received data as possible"); with one, nothing can be verified (U2).
  void OnAbort() override {
    AssertUploadState();
    if (error_ || has_checksum_ || written_ == 0) {
      Discard();
      return;
    }
    Commit();
  }

 private:
  HttpResponse Finish() {
    AssertUploadState();
    if (error_) {
      Discard();
      return *error_;
    }
    const std::string digest = sha_.Final();
    if (has_checksum_ && !ConstantTimeEqual(digest, checksum_.digest)) {
      Discard();
      return TusError(tus::kStatusChecksumMismatch, "Upload-Checksum does not match the bytes received; offset unchanged");
    }
    if (offset_ + written_ == upload_.length && !upload_.sha256.empty()) {
      if (auto failed = VerifyWholeFile(digest)) return *failed;
    }
    if (auto failed = Commit()) return *failed;
    HttpResponse r = TusReply(204);
    r.headers.emplace_back("Upload-Offset", std::to_string(offset_ + written_));
    if ((later_ && written_ > 0) || (written_ == 0 && upload_.unsynced))
      r.headers.emplace_back("Samvad-Durable", std::string(tus::kDurableLater));
    return r;
  }

  void Begin(const HttpRequest& req) {
    std::string device;
    std::uint64_t offset = 0;  // a creation's body starts at 0
    const std::string* durable = req.Header(tus::kDurableHeader);
    later_ = durable && *durable == tus::kDurableLater;
    if (!created_) {
      if (auto bad = CheckVersion(req)) {
        error_ = *bad;
        return;
      }
      if (auto denied = api_.Authenticate(req, nullptr, &device)) {
        error_ = *denied;  // Tus-Resumable: OnComplete
        return;
      }
      const std::string* ct = req.Header("content-type");
      if (!ct || *ct != tus::kOffsetContentType) {
        Fail(415, "Content-Type must be application/offset+octet-stream");
        return;
      }
      const std::string* off = req.Header("upload-offset");
      if (!off || !tus::ParseUint(*off, &offset)) {
        Fail(400, "Upload-Offset must be a whole number of bytes");
        return;
      }
    }
    if (const std::string* cs = req.Header("upload-checksum")) {
      std::string why;
      if (!tus::ParseChecksum(*cs, &checksum_, &why)) {
        Fail(400, why);
        return;
      }
      if (checksum_.algorithm != tus::kChecksumAlgorithm) {
        Fail(400, "Upload-Checksum algorithm must be sha256 (see Tus-Checksum-Algorithm)");
        return;
      }
      has_checksum_ = true;
    }
    bool found = known_;
    if (!found && IsUploadId(id_)) {
      if (const Status st = api_.storage_.GetUpload(id_, &upload_, &found); !st.ok()) {
        error_ = api_.StorageFailure(st, "get upload");
        return;
      }
    }
    if (!found) {
      Fail(404, "no such upload");
      return;
    }
    if (!created_ && upload_.device_id != device) {
      Fail(403, "this upload belongs to another device");
      return;
    }
    if (!api_.ClaimUpload(id_)) {
      Fail(409, "another PATCH to this upload is in progress");
      return;
    }
    claimed_ = true;
    if (static_cast<std::int64_t>(offset) != upload_.received) {
      Fail(409, "Upload-Offset " + std::to_string(offset) + " is not the upload's offset " +
                    std::to_string(upload_.received) + "; ask with HEAD");
      return;
    }
    offset_ = upload_.received;
    // O_CREAT: the first PATCH makes the file (TusCreate does not; see U5).
    fd_ = open(api_.MediaFile(id_).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      std::fprintf(stderr, "samvad-central: open %s: %s\n", api_.MediaFile(id_).c_str(), std::strerror(errno));
      Fail(503, "cannot store uploads right now");
      return;
    }
    // Taken now, after the name exists: a directory fsync that another upload starts while this
    // body is arriving covers it, and Commit then need not run one of its own.
    if (offset_ == 0) dir_ticket_ = api_.MediaDirTicket();
  }

  void Fail(int status, std::string_view why) { error_ = TusError(status, why); }

  // DESIGN.md's upload invariants as this PATCH sees them; compiled out in release builds.
  void AssertUploadState() const {
#ifndef NDEBUG
    if (error_) return;  // a refused PATCH writes nothing
    assert(claimed_ && "U3: a PATCH writes only while it holds the upload");
    assert(fd_ >= 0 && "an accepted PATCH has its file open");
    assert(written_ >= 0 && offset_ + written_ <= upload_.length && "bytes stay within Upload-Length");
#endif
  }

  // Bytes past the committed offset mean nothing, but trimming them keeps the file honest.
  void Discard() {
    if (fd_ >= 0 && written_ > 0) {
      if (ftruncate(fd_, static_cast<off_t>(offset_)) != 0) { /* harmless: HEAD is the truth */ }
    }
    written_ = 0;
  }

  // fsync, then move the offset in the database: never the other way round (U1). The first
  // bytes also make the file's name durable (U5). fdatasync: the bytes and the file's size,
  // not its times, which nothing reads. Flushing later (U8): neither sync; the row says so.
  std::optional<HttpResponse> Commit() {
    const bool unflushed = written_ > 0 && later_;
    // Unflushed: start writing the bytes out now, without waiting, so the batch's flush
    // (POST /media/sync) finds most of them on the disk already.
    if (unflushed) sync_file_range(fd_, static_cast<off_t>(offset_), written_, SYNC_FILE_RANGE_WRITE);
    if (written_ > 0 && !unflushed) {
      std::string why;
      if (fdatasync(fd_) != 0) why = std::strerror(errno);
      // An upload begun unflushed (U8) may still lack its name on the disk.
      else if (offset_ == 0 || upload_.unsynced) why = api_.SyncMediaDir(offset_ == 0 ? dir_ticket_ : api_.MediaDirTicket());
      if (!why.empty()) {
        std::fprintf(stderr, "samvad-central: fsync %s: %s\n", api_.MediaFile(id_).c_str(), why.c_str());
        return TusError(503, "cannot store uploads right now");
      }
    }
    bool advanced = false;
    if (const Status st = api_.storage_.AdvanceUpload(id_, offset_, offset_ + written_, &advanced, unflushed); !st.ok())
      return api_.StorageFailure(st, "advance upload");
    if (!advanced) return TusError(409, "the upload's offset moved during this PATCH; ask with HEAD");
    return std::nullopt;
  }

  // The last byte has arrived but is not committed yet: the whole file must be what the device
  // declared at creation (U7). A PATCH that carried the whole file has hashed it already;
  // otherwise the file is read back. On a mismatch the upload starts again from 0 — which of its
  // bytes are wrong cannot be told — and nothing was ever complete or served.
  std::optional<HttpResponse> VerifyWholeFile(const std::string& this_patch_digest) {
    std::string digest = this_patch_digest;
    if (offset_ != 0) {
      std::string why;
      digest = Sha256OfFile(fd_, upload_.length, &why);
      if (digest.empty()) {
        std::fprintf(stderr, "samvad-central: read back %s: %s\n", api_.MediaFile(id_).c_str(), why.c_str());
        Discard();
        return TusError(503, "cannot check uploads right now");
      }
    }
    if (ToHex(digest) == upload_.sha256) return std::nullopt;
    bool reset = false;
    if (const Status st = api_.storage_.ResetUpload(id_, offset_, &reset); !st.ok()) {
      Discard();
      return api_.StorageFailure(st, "reset upload");
    }
    offset_ = 0;  // Discard now trims to the new offset
    Discard();
    return TusError(tus::kStatusChecksumMismatch,
                    "the finished file does not match the sha256 in Upload-Metadata; the upload starts again at offset 0");
  }

  Api& api_;
  std::string id_;
  std::optional<HttpResponse> created_;  // set for creation-with-upload (its 201)
  Upload upload_;
  bool known_ = false;                   // upload_ came with the handler (a fresh creation)
  std::uint64_t dir_ticket_ = 0;         // see Begin
  std::optional<HttpResponse> error_;
  bool claimed_ = false;
  int fd_ = -1;
  std::int64_t offset_ = 0, written_ = 0;
  bool has_checksum_ = false;
  bool later_ = false;                   // Samvad-Durable: later (U8)
  tus::Checksum checksum_;
  Sha256Stream sha_;
};

std::unique_ptr<RequestHandler> Api::TusPatchHandler(const HttpRequest& req, const std::string& id) {
  return std::make_unique<TusPatch>(*this, req, id);
}

std::unique_ptr<RequestHandler> Api::TusCreateHandler(const HttpRequest& req) {
  const std::string* ct = req.Header("content-type");
  const std::string* cl = req.Header("content-length");
  const std::string* te = req.Header("transfer-encoding");
  // A body of known length, or one sent in chunks (its length is Upload-Length's to bound) as
  // tus's content type says; a chunked POST without it is a plain creation, as it always was.
  const bool chunked = te && strcasestr(te->c_str(), "chunked") != nullptr;
  const bool with_body = (cl && *cl != "0") || (chunked && ct && *ct == tus::kOffsetContentType);
  if (with_body && (!ct || *ct != tus::kOffsetContentType))
    return Respond(TusError(415, "a POST /media body (creation-with-upload) must be application/offset+octet-stream"));
  Upload got;
  bool fresh = false;
  HttpResponse created = WithTusResumable(TusCreate(req, &got, &fresh));
  if (created.status != 201 || !with_body) return Respond(std::move(created));
  // U4 gave back an upload that already has bytes (a repeated POST): those stay, this body is
  // dropped, and the offset tells the client where to go on with PATCH.
  if (got.received != 0) {
    // As for HEAD: an offset the device will go on from must be durable (see TusHead).
    if (const Status st = storage_.WaitDurable(); !st.ok())
      return Respond(WithTusResumable(StorageFailure(st, "sync upload")));
    created.headers.emplace_back("Upload-Offset", std::to_string(got.received));
    if (got.unsynced) created.headers.emplace_back("Samvad-Durable", std::string(tus::kDurableLater));
    return Respond(std::move(created));
  }
  // A row this POST made is known in full; one it found is read again under the claim.
  if (!fresh) return std::make_unique<TusPatch>(*this, req, got.id, std::move(created));
  return std::make_unique<TusPatch>(*this, req, std::move(got), std::move(created));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] flushing later (U8)
// ---------------------------------------------------------------------------------------------

// One syncfs of the media folder's filesystem: the bytes, sizes and names of every file in it.
// Grouped like the directory fsync; a failure is sticky (after an fsync error Linux may drop the
// dirty pages and report success next time), so every later flush fails until a restart, whose
// check (SettleUnsynced) reads back what the disk really holds.
std::string Api::FlushMedia() {
  std::string error;
  const bool ok = media_fs_sync_.JoinAs(media_fs_sync_.Take(), [this]() -> std::string {
    const int fd = open(cfg_.media_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || syncfs(fd) != 0) {
      std::string why = std::strerror(errno);
      if (fd >= 0) close(fd);
      return why + " (uploads flushed later stop until samvad-central is restarted)";
    }
    close(fd);
    return {};
  }, &error);
  return ok ? std::string() : error;
}

// Lists the unsynced rows first, then flushes: a row it lists was committed after its bytes were
// written, so the flush covers them; MarkSynced clears a row only at the offset it listed.
std::optional<HttpResponse> Api::SealPending() {
  std::vector<Upload> pending;
  if (const Status st = storage_.ListUnsynced(&pending); !st.ok()) return StorageFailure(st, "list unsynced uploads");
  if (pending.empty()) return std::nullopt;
  if (const std::string why = FlushMedia(); !why.empty()) {
    std::fprintf(stderr, "samvad-central: syncfs %s: %s\n", cfg_.media_dir.c_str(), why.c_str());
    HttpResponse r = ErrorResponse(503, "cannot store uploads right now");
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }
  if (const Status st = storage_.MarkSynced(pending); !st.ok()) return StorageFailure(st, "mark uploads flushed");
  return std::nullopt;
}

// POST /media/sync: every upload whose bytes central acknowledged before this request arrived
// is on the disk when it answers (SealPending).
// With a form body of upload_id fields (the device's photos of a batch), it answers 200 and, for
// each of them that is this device's, the offset now durable: the device marks a photo sent only
// when that offset is the photo's length (a restart of central's machine between the upload and
// this request may have started it again: SettleUnsynced). Without a body: 204.
HttpResponse Api::MediaSync(const HttpRequest& req, const Body& body) {
  std::string device;
  if (auto denied = Authenticate(req, nullptr, &device)) return *denied;
  protocol::Form form;
  if (std::string why; !protocol::DecodeForm(body, &form, &why)) return ErrorResponse(400, why);
  std::vector<std::string> asked;
  for (const protocol::FormField& f : form) {
    if (f.name != "upload_id") return ErrorResponse(400, "unknown field " + f.name + "; only upload_id is accepted");
    asked.push_back(f.value);
  }
  if (asked.size() > kMaxSyncIds)
    return ErrorResponse(400, "at most " + std::to_string(kMaxSyncIds) + " upload_id fields per request");
  if (auto failed = SealPending()) return *failed;
  // Rows another flush cleared may be committed but not yet synced, and so may the offsets.
  if (const Status st = storage_.WaitDurable(); !st.ok()) return StorageFailure(st, "sync uploads");
  if (asked.empty()) {
    HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  protocol::JsonWriter w;
  w.BeginArray();
  for (const std::string& id : asked) {
    Upload u;
    bool found = false;
    if (const Status st = storage_.GetUpload(id, &u, &found); !st.ok()) return StorageFailure(st, "read upload");
    if (!found || u.device_id != device) continue;  // another device's uploads are not this one's business
    // Acknowledged again after the flush began (a PATCH racing this request): not durable yet.
    const std::int64_t durable = u.unsynced ? -1 : u.received;
    w.BeginObject().Field("upload_id", id).Field("offset", durable).Field("length", u.length).EndObject();
  }
  w.EndArray();
  HttpResponse r = HttpResponse::Json(200, w.str());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// At start, before serving. Bytes written but not flushed survive a killed process (they sit in
// the kernel's page cache) but not a stopped machine. The media folder's machine boot id, kept in
// samvad_meta, tells the two apart:
//  - same boot as the last start: every unsynced upload's bytes are in the page cache; one flush
//    makes them durable, and they are kept (a finished one only if it matches its SHA-256);
//  - another boot (or none recorded): a finished upload whose file still matches its declared
//    SHA-256 is flushed and kept; any other (unfinished, undeclared or damaged) starts again at
//    offset 0, and its device, which never had the flush confirmed, sends it again.
// The boot id is recorded only after every row is settled, so a failed check is redone in full.
// Returns a line for the log ("" when there was nothing to check).
std::string Api::SettleUnsynced() {
  std::string boot, last_boot;
  if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "re")) {
    char line[64] = {};
    if (std::fgets(line, sizeof line, f)) boot = line;
    std::fclose(f);
    while (!boot.empty() && (boot.back() == '\n' || boot.back() == ' ')) boot.pop_back();
  }
  if (const Status st = storage_.GetMeta("media_boot_id", &last_boot); !st.ok()) return "cannot read the boot id: " + st.message;
  const bool same_boot = !boot.empty() && boot == last_boot;
  std::vector<Upload> pending;
  if (const Status st = storage_.ListUnsynced(&pending); !st.ok()) return "cannot list unsynced uploads: " + st.message;
  std::vector<Upload> keep;
  int reset = 0;
  for (const Upload& u : pending) {
    // A file that can be checked always is: after a failed flush Linux may have dropped pages
    // that a later flush on a fresh descriptor would not report.
    const bool checkable = u.received == u.length && !u.sha256.empty();
    if (checkable ? FileMatches(u) : same_boot) {
      keep.push_back(u);
      continue;
    }
    bool done = false;
    if (const Status st = storage_.ResetUpload(u.id, u.received, &done); !st.ok())
      return "cannot reset upload " + u.id + ": " + st.message;
    if (truncate(MediaFile(u.id).c_str(), 0) != 0) { /* no file: the next PATCH makes it */ }
    ++reset;
  }
  if (!keep.empty()) {
    if (const std::string why = FlushMedia(); !why.empty()) return "cannot flush the media folder: " + why;
    if (const Status st = storage_.MarkSynced(keep); !st.ok()) return "cannot mark uploads flushed: " + st.message;
  }
  if (!boot.empty() && boot != last_boot)
    if (const Status st = storage_.SetMeta("media_boot_id", boot); !st.ok()) return "cannot record the boot id: " + st.message;
  if (pending.empty()) return {};
  return "checked " + std::to_string(pending.size()) + " upload(s) acknowledged before a flush (" +
         (same_boot ? "same boot: all in the page cache" : "after a restart of the machine") + "): " +
         std::to_string(keep.size()) + " kept, " + std::to_string(reset) + " started again at offset 0";
}

// A finished upload whose file holds exactly the bytes whose SHA-256 the device declared.
bool Api::FileMatches(const Upload& u) const {
  if (u.received != u.length || u.sha256.empty()) return false;
  const int fd = open(MediaFile(u.id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::string digest, why;
  if (fstat(fd, &st) == 0 && st.st_size == u.length) digest = Sha256OfFile(fd, u.length, &why);
  close(fd);
  return !digest.empty() && ToHex(digest) == u.sha256;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] GET of finished media
// ---------------------------------------------------------------------------------------------

HttpResponse Api::ServeMedia(const std::string& id) {
  Upload u;
  bool found = false;
  if (IsUploadId(id)) {
    if (const Status st = storage_.GetUpload(id, &u, &found); !st.ok()) return StorageFailure(st, "get upload");
  }
  // U6: served once finished and durable. A photo sent to be flushed later waits for the flush
  // that covers it: until then a power cut could still send it back to 0.
  if (!found || u.received != u.length || u.unsynced)
    return ErrorResponse(404, "no such media (or its upload is not finished and saved yet)");
  const int fd = open(MediaFile(id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrorResponse(404, "no such media");
  HttpResponse r;
  r.fd = fd;
  r.fd_size = static_cast<std::uint64_t>(u.length);
  r.headers.emplace_back("Content-Type", u.content_type);
  // A finished upload never changes: its URL can be cached for ever.
  r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  return r;
}

}  // namespace samvad::central
