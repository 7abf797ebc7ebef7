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
// the new offset committed to the database and acknowledged (U1).
//
// [SECTION] helpers
// [SECTION] OPTIONS, creation (POST) and HEAD
// [SECTION] PATCH (class TusPatch)
// [SECTION] GET of finished media
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "sync/central/api.h"
#include "sync/central/crypto.h"
#include "sync/model/sha256.h"
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

bool IsUploadId(std::string_view id) {
  if (id.size() != 32) return false;
  for (const char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

// A new file's directory entry is made durable by an fsync of the directory (the file's own
// fsync does not promise it).
std::string Api::SyncMediaDir(std::uint64_t ticket) {
  std::string error;
  const bool ok = media_dir_sync_.JoinAs(ticket, [this]() -> std::string {
    const int fd = open(cfg_.media_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
      std::string why = std::strerror(errno);
      if (fd >= 0) close(fd);
      return why;
    }
    close(fd);
    return {};
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
  if (auto denied = Authenticate(req, nullptr, &want.device_id)) {
    denied->headers.emplace_back("Tus-Resumable", std::string(tus::kVersion));
    return *denied;
  }
  if (req.Header("upload-defer-length")) return TusError(400, "Upload-Defer-Length is not supported: send Upload-Length");
  const std::string* len_text = req.Header("upload-length");
  std::uint64_t length = 0;
  if (!len_text || !tus::ParseUint(*len_text, &length) || length == 0)
    return TusError(400, "Upload-Length must be a positive whole number of bytes");
  if (length > cfg_.max_upload_bytes)
    return TusError(413, "Upload-Length is larger than Tus-Max-Size (" + std::to_string(cfg_.max_upload_bytes) + ")");
  tus::Metadata md;
  std::string why;
  if (const std::string* h = req.Header("upload-metadata"); !h || !tus::ParseMetadata(*h, &md, &why))
    return TusError(400, h ? why : "Upload-Metadata must name the complaint: service_request_id or client_uuid");
  for (const auto& [k, v] : md)
    if (!protocol::IsValidUtf8(v)) return TusError(400, "Upload-Metadata value for '" + k + "' is not UTF-8 text");

  // Which complaint: by central id, or by the device's client UUID when the create's response
  // was lost and the device never learnt the id.
  bool found = false;
  if (const std::string* id = tus::MetadataGet(md, "service_request_id")) {
    o311::ServiceRequest sr;
    const auto r = std::from_chars(id->data(), id->data() + id->size(), want.request_id);
    if (r.ec == std::errc() && r.ptr == id->data() + id->size() && want.request_id > 0) {
      if (const Status st = storage_.GetRequest(want.request_id, &sr, &found); !st.ok())
        return StorageFailure(st, "get request");
    }
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
  if (auto denied = Authenticate(req, nullptr, &device)) {
    denied->headers.emplace_back("Tus-Resumable", std::string(tus::kVersion));
    return *denied;
  }
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
        std::fprintf(stderr, "samvad-central: write %s: %s\n", api_.MediaFile(id_).c_str(), std::strerror(errno));
        Fail(503, "cannot store uploads right now");
        return;
      }
      done += static_cast<size_t>(w);
      written_ += w;
    }
    sha_.Update(data, n);
  }

  HttpResponse OnComplete() override {
    if (!created_) return Finish();
    HttpResponse outcome = Finish();
    HttpResponse r = std::move(*created_);
    r.headers.emplace_back("Upload-Offset", std::to_string(outcome.status == 204 ? offset_ + written_ : offset_));
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
    return r;
  }

  void Begin(const HttpRequest& req) {
    std::string device;
    std::uint64_t offset = 0;  // a creation's body starts at 0
    if (!created_) {
      if (auto bad = CheckVersion(req)) {
        error_ = *bad;
        return;
      }
      if (auto denied = api_.Authenticate(req, nullptr, &device)) {
        denied->headers.emplace_back("Tus-Resumable", std::string(tus::kVersion));
        error_ = *denied;
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
  // not its times, which nothing reads.
  std::optional<HttpResponse> Commit() {
    if (written_ > 0) {
      std::string why;
      if (fdatasync(fd_) != 0) why = std::strerror(errno);
      else if (offset_ == 0) why = api_.SyncMediaDir(dir_ticket_);
      if (!why.empty()) {
        std::fprintf(stderr, "samvad-central: fsync %s: %s\n", api_.MediaFile(id_).c_str(), why.c_str());
        return TusError(503, "cannot store uploads right now");
      }
    }
    bool advanced = false;
    if (const Status st = api_.storage_.AdvanceUpload(id_, offset_, offset_ + written_, &advanced); !st.ok())
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
      Sha256Stream whole;
      char buf[1 << 16];
      for (off_t at = 0; at < upload_.length;) {
        const ssize_t n = pread(fd_, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          std::fprintf(stderr, "samvad-central: read back %s: %s\n", api_.MediaFile(id_).c_str(),
                       n < 0 ? std::strerror(errno) : "short file");
          Discard();
          return TusError(503, "cannot check uploads right now");
        }
        whole.Update(buf, static_cast<size_t>(n));
        at += n;
      }
      digest = whole.Final();
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
  tus::Checksum checksum_;
  Sha256Stream sha_;
};

std::unique_ptr<RequestHandler> Api::TusPatchHandler(const HttpRequest& req, const std::string& id) {
  return std::make_unique<TusPatch>(*this, req, id);
}

std::unique_ptr<RequestHandler> Api::TusCreateHandler(const HttpRequest& req) {
  const std::string* ct = req.Header("content-type");
  const std::string* cl = req.Header("content-length");
  const bool with_body = cl && *cl != "0";
  if (with_body && (!ct || *ct != tus::kOffsetContentType))
    return Respond(TusError(415, "a POST /media body (creation-with-upload) must be application/offset+octet-stream"));
  Upload got;
  bool fresh = false;
  HttpResponse created = TusCreate(req, &got, &fresh);
  if (created.status != 201 || !with_body) return Respond(std::move(created));
  // U4 gave back an upload that already has bytes (a repeated POST): those stay, this body is
  // dropped, and the offset tells the client where to go on with PATCH.
  if (got.received != 0) {
    // As for HEAD: an offset the device will go on from must be durable (see TusHead).
    if (const Status st = storage_.WaitDurable(); !st.ok()) return Respond(StorageFailure(st, "sync upload"));
    created.headers.emplace_back("Upload-Offset", std::to_string(got.received));
    return Respond(std::move(created));
  }
  // A row this POST made is known in full; one it found is read again under the claim.
  if (!fresh) return std::make_unique<TusPatch>(*this, req, got.id, std::move(created));
  return std::make_unique<TusPatch>(*this, req, std::move(got), std::move(created));
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
  if (!found || u.received != u.length) return ErrorResponse(404, "no such media (or its upload is not finished)");
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
