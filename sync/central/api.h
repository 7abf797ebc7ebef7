// api.h — central's HTTP API: routes a request to Open311 GeoReport v2 (discovery, services,
// requests) or to one of our extensions (idempotent creates, the update feed, device enrolment,
// tus media uploads, staff accounts, development works, the Atom feed, the keys of sneakernet
// bundles), checks the device key, and turns Storage's results into responses.
// The contract is sync/protocol/PROTOCOL.md; the state rules are sync/central/DESIGN.md.
// Not the HTTP transport (http.h) and not the SQL (storage.h).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "sync/bundle/keys.h"
#include "sync/central/catalog.h"
#include "sync/central/http.h"
#include "sync/central/storage.h"
#include "sync/central/sync_group.h"

namespace samvad::central {

struct ApiConfig {
  std::string base_url;    // "http://127.0.0.1:8311": prefix of media_url and Location
  std::string media_dir;   // where uploaded bytes live, one file per upload
  Catalog catalog;
  std::uint64_t max_upload_bytes = 16u << 20;  // a kiosk photo is ~300 KB; 16 MiB is generous
  // The public half of central's bundle key (bundle_keys.h), served at GET /bundle-key.json;
  // unset: that endpoint answers 404.
  std::optional<bundle::CentralPublicKey> bundle_key;
};

// A handler whose answer is decided at the headers; any body is read and dropped, so the client
// reads the answer rather than a reset.
std::unique_ptr<RequestHandler> Respond(HttpResponse r);

class Api {
 public:
  Api(Storage& storage, ApiConfig config);
  std::unique_ptr<RequestHandler> Route(const HttpRequest& req);
  // Before serving: uploads acknowledged unflushed when central last stopped are checked against
  // their declared SHA-256 and kept, or started again (U8). A line for the log, "" if none.
  std::string SettleUnsynced();
  // What a POST /media/sync does for every device at once: uploads acknowledged unflushed (U8)
  // are flushed to disk and published. serve runs it every few minutes, so a photo whose device
  // never seals (a tablet lost, a third-party tus client) is not left unpublished until the next
  // start. A status 503 answer on failure (the log line is written), nullopt when done.
  std::optional<HttpResponse> SealPending();

 private:
  friend class TusPatch;
  using Body = std::string;

  // Open311 GeoReport v2 (api.cpp)
  HttpResponse Discovery();
  HttpResponse Services();
  HttpResponse ServiceDefinition(const std::string& code);
  HttpResponse CreateRequest(const HttpRequest& req, const Body& body);
  HttpResponse ListRequests(const HttpRequest& req);
  HttpResponse GetRequest(const HttpRequest& req, const std::string& id_text);
  // Who reads a request or the update feed: anyone (no key: the public view, phone numbers in
  // the text redacted and no staff id) or an enrolled device (everything) — except a kiosk
  // (`--kind kiosk`), which reads the public view too: it stands in a public hall, its key is
  // the one most easily taken, and nothing it shows needs more. A key that is sent but not
  // valid is refused (403), as everywhere. Sets `is_public`; the refusal, if any.
  std::optional<HttpResponse> Reader(const HttpRequest& req, bool* is_public);
  // Fills extra_photo_upload_ids (photos after the first) and the before/after work photos of
  // the rows about to be answered.
  Status AddPhotoLists(std::vector<o311::ServiceRequest>* rows);
  // Extensions (api.cpp)
  HttpResponse Feed(const HttpRequest& req);
  HttpResponse PostUpdate(const HttpRequest& req, const Body& body);
  HttpResponse Enroll(const HttpRequest& req, const Body& body);
  // The field tablet's extensions (api_field.cpp): staff accounts, development works, Atom.
  HttpResponse StaffList(const HttpRequest& req);
  HttpResponse CreateWork(const HttpRequest& req, const Body& body);
  HttpResponse GetWork(const HttpRequest& req, const std::string& id_text);
  HttpResponse AtomFeed(const HttpRequest& req);
  // Sneakernet bundles (api_bundle.cpp): central's public key, a device's signing key.
  HttpResponse BundleKey();
  HttpResponse RegisterSignKey(const HttpRequest& req, const Body& body);
  // tus 1.0.0 (api_media.cpp)
  HttpResponse TusOptions();
  // `r` with Tus-Resumable, which tus asks of every response but OPTIONS' — refusals included
  // (403, 405, and 500/503 from storage): added where a path did not add it already. Applied
  // once where each tus answer leaves: Route (HEAD, 405), TusCreateHandler, TusPatch's OnComplete.
  static HttpResponse WithTusResumable(HttpResponse r);
  // POST /media, with or without the first bytes (creation, creation-with-upload).
  std::unique_ptr<RequestHandler> TusCreateHandler(const HttpRequest& req);
  // The creation itself: 201 with Location (and the upload in `got`; `fresh` when this request
  // made it rather than found it, U4), or the refusal.
  HttpResponse TusCreate(const HttpRequest& req, Upload* got, bool* fresh);
  HttpResponse TusHead(const HttpRequest& req, const std::string& id);
  std::unique_ptr<RequestHandler> TusPatchHandler(const HttpRequest& req, const std::string& id);
  HttpResponse ServeMedia(const std::string& id);
  // POST /media/sync (U8): flushes every upload acknowledged unflushed before it arrived.
  HttpResponse MediaSync(const HttpRequest& req, const Body& body);
  static constexpr size_t kMaxSyncIds = 1000;
  static constexpr size_t kMaxMetadataBytes = 4096;  // a POST /media's Upload-Metadata, kept for HEAD

  // The device behind the request's key (api_key field or query, or "Authorization: Bearer"),
  // or the 403/503 to answer with.
  // `kind`, when asked for: the device's role ("kiosk", "tablet", "" for any).
  std::optional<HttpResponse> Authenticate(const HttpRequest& req, const protocol::Form* form, std::string* device_id,
                                           std::string* kind = nullptr);
  std::optional<HttpResponse> AuthenticateHash(const std::string& key_hash, std::string* device_id,
                                               std::string* kind = nullptr);
  // Authenticate for a handler whose write checks the device's standing itself, in its own
  // transaction (Storage::CreateUpload): a key already seen by this process is answered from
  // memory, without a read. Safe because a key, once issued, always names the same device
  // (RedeemEnrolment sets it once; rows are never deleted), and revocation — the only change —
  // is checked by that write. On kRevoked the handler calls ForgetKnownDevice.
  std::optional<HttpResponse> KnownDevice(const HttpRequest& req, std::string* device_id);
  void ForgetKnownDevice(const std::string& device_id);
  static constexpr size_t kMaxKnownKeys = 100000;
  // 503 with Retry-After for an unavailable database, 500 for our own bug; logged either way.
  HttpResponse StorageFailure(const Status& st, const char* what);
  // Claims an upload for one PATCH at a time (invariant U3); false when another holds it.
  bool ClaimUpload(const std::string& id);
  void ReleaseUpload(const std::string& id);
  std::string MediaFile(const std::string& id) const { return cfg_.media_dir + "/" + id; }
  // Makes the media folder's file names durable: every one created before `ticket` was taken
  // (MediaDirTicket, right after the file was made). One directory fsync serves every upload
  // waiting for one, and one that ran meanwhile for another upload serves this one too
  // (sync_group.h). Empty, or why not.
  std::uint64_t MediaDirTicket() { return media_dir_sync_.Take(); }
  std::string SyncMediaDir(std::uint64_t ticket);

  Storage& storage_;
  ApiConfig cfg_;
  std::mutex known_keys_mu_;
  std::unordered_map<std::string, std::string> known_keys_;  // SHA-256 of a key → its device (KnownDevice)
  std::mutex busy_mu_;
  std::set<std::string> busy_uploads_;
  SyncGroup media_dir_sync_{/*sticky=*/false};  // nothing is committed when it fails: U1 holds
  // One syncfs of the media folder's filesystem (U8), grouped; "" or why not.
  std::string FlushMedia();
  bool FileMatches(const Upload& u) const;  // see SettleUnsynced
  SyncGroup media_fs_sync_{/*sticky=*/true};    // see FlushMedia
};

// An Open311 error response: [{"code":status,"description":…}] with that HTTP status.
HttpResponse ErrorResponse(int status, std::string_view description);

// What idempotency compares (I2, I4): SHA-256 of the endpoint and the form without api_key.
std::string IdemPayloadHash(std::string_view endpoint, const protocol::Form& form);
// The answer to a create, [{"service_request_id":"17",…}]: stored with its key (I2). The import
// of a bundle stores the same, so a device's later online create replays it.
std::string CreatedRequestBody(std::int64_t id);

}  // namespace samvad::central
