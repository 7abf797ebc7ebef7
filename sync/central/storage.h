// storage.h — the ONE interface the server and the CLI use for central's data: services,
// devices, service requests with idempotent creation, the update feed, uploads, assignments,
// staff accounts, development works and the import of sneakernet bundles.
// Behind it, the same SQL runs on SQLite (default; one file, WAL, group commit) or PostgreSQL
// (city scale) through sql.h's two small drivers. Thread-safe: each call leases a connection
// from a pool. Not a query builder and not where HTTP or JSON is decided (that is api*.cpp).
// Rules it keeps are numbered in DESIGN.md (I1…, F1…, U1…).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sync/central/sql.h"
#include "sync/central/sync_group.h"
#include "sync/protocol/open311.h"

namespace samvad::central {

namespace o311 = protocol::open311;

// An environment failure (GUIDE 2.3): the database is unreachable, the disk is full, or — for
// kBug — our own SQL is wrong. Outcomes such as "not found" or "conflict" are results, not this.
struct Status {
  // kFull: the database's disk is full (a kind of unavailable that lasts until someone frees space).
  enum class Code { kOk, kUnavailable, kFull, kBug };
  Code code = Code::kOk;
  std::string message;
  bool ok() const { return code == Code::kOk; }
};

enum class AuthResult { kOk, kUnknown, kRevoked };

// Who claims an idempotency key, for what, and a hash of what they sent.
struct IdemKey {
  std::string key;           // client UUID for creates; the Idempotency-Key header for updates
  std::string device_id;
  std::string endpoint;      // "requests" | "updates"
  std::string payload_hash;  // sha256 of open311::CanonicalForm
};

struct IdemOutcome {
  enum class Kind { kCreated, kReplayed, kConflict, kNotFound };
  Kind kind = Kind::kCreated;
  int status = 200;      // HTTP status to answer with (kCreated/kReplayed)
  std::string body;      // response body to answer with (kCreated/kReplayed)
  std::int64_t id = 0;   // the request or update it names
  std::string reason;    // kConflict: why, in a sentence
};

// Builds the response body for a new row, inside the transaction that creates it, so the stored
// response is exactly the one first sent (invariant I2).
using Renderer = std::function<std::string(std::int64_t new_id)>;

struct RequestQuery {
  std::vector<std::int64_t> ids;
  std::vector<std::string> service_codes;
  std::string status;          // "" = any
  std::int64_t start = 0, end = 0;  // requested_at range, inclusive; end 0 = no upper bound
  std::string ticket_digits;   // "" = any
  std::string assigned_to;     // "" = anyone; else that user id, and the list is by due time
  int limit = 50, offset = 0;
};

// What a field update did (POST /servicerequestupdates.json), rendered into its stored answer.
struct UpdateApplied {
  std::int64_t update_id = 0;
  bool conflict = false;        // kept in the history, but the request was not changed (W2)
  std::string current_status;   // the request's detailed status now (central's outcome on a conflict)
  std::string request_status;   // open | closed
  std::string department;       // the department responsible now
};
using UpdateRenderer = std::function<std::string(const UpdateApplied&)>;

struct StaffAccount {
  std::string user_id;     // upper-case, 1–32 of A-Z 0-9 . _ -
  std::string name;        // UTF-8
  std::string ward;        // ward number of wards.tsv, e.g. "08"
  std::string department;  // department code of departments.tsv, e.g. "roads"
  std::string role;        // engineer | ward_staff | nodal_officer
  bool active = true;
  std::string pin_hash;    // libsodium's encoded Argon2id string (sync/model/pin_hash.h)
  std::int64_t created_at = 0, updated_at = 0;
};

enum class AssignResult { kAssigned, kNoRequest, kNoUser, kInactiveUser };

// An upload id as central makes them: 32 lower-case hex digits (128 random bits), which is also
// its file's name in the media folder.
bool IsUploadId(std::string_view id);

// fsync of a directory, which makes the names of files created or removed in it durable (a
// file's own fsync does not promise its name). False with errno set.
bool SyncDir(const std::string& dir);

struct Upload {
  std::string id;
  std::int64_t request_id = 0;  // the complaint the upload belongs to, or 0 for a work's
  std::int64_t work_id = 0;     // the development work it belongs to, or 0 for a complaint's
  // "photo" | "thumb" (the first photo), "photo.1" | "thumb.1" | "photo.2" | … (further ones);
  // "before" | "after" (work photos, index 0), "before.1" | "after.2" | … (further ones).
  std::string kind;
  std::string content_type, filename, device_id;
  std::string sha256;  // hex of the whole file, as the device declared it; "" = not declared
  // A work photo's time as the device declared it (Upload-Metadata taken_at), unix seconds;
  // none when not declared. Kept as sent (the device's word, even from an odd clock); the
  // citizen's photos never have one.
  std::optional<std::int64_t> taken_at;
  // The Upload-Metadata header of the POST that made it, as sent; HEAD answers with it (tus
  // creation: "responses to HEAD requests MUST include the Upload-Metadata header"). "" for an
  // upload made before schema 10 and for an import's photos, which came without one.
  std::string metadata;
  std::int64_t length = 0, received = 0, created_at = 0, completed_at = 0;
  // Its bytes since `received` last moved may not be on the disk yet: the device asked for a
  // later flush (Samvad-Durable: later, U8) and no POST /media/sync has covered it since.
  bool unsynced = false;
};

// The work photos among `uploads` (WorkPhotos' rows) that belong to this request or work (the
// other id 0), as a request's or work's JSON lists them: befores first, then afters, each in
// index order.
std::vector<o311::PublishedWorkPhoto> PublishedWorkPhotos(const std::vector<Upload>& uploads, std::int64_t request_id,
                                                          std::int64_t work_id);

// Which updates a page of the feed holds (Storage::FeedAfter): all, or narrowed.
struct FeedFilter {
  std::int64_t request_id = 0;         // > 0: that request's updates only (its history: index updates_request)
  std::vector<std::string> issued_by;  // non-empty: requests whose ticket begins with one of these
                                       // ward + device pairs, 5 digits each ("08001"): a kiosk's own
};

// kNoTarget: the request or work it names does not exist. kRevoked: its device has been
// revoked (checked in the same transaction, so a revocation that committed first always wins).
enum class UploadCreate { kCreated, kExisting, kConflict, kNoTarget, kRevoked };

// A device's bundle-signing key (DESIGN.md, "Sneakernet bundles", B1): the first one stays.
enum class SignKeyResult { kRegistered, kSame, kDifferent };
// Where a device stands, for telling an operator why its bundle is refused.
enum class DeviceState { kUnknown, kRevoked, kNoSignKey, kReady };

// One photo or thumbnail of an imported complaint. Its bytes are already in the media folder,
// complete and fsync'd, under `upload_id` (B4); the import decides whether a row names them.
struct ImportPhoto {
  std::string kind;       // the upload kind: "photo", "thumb", "photo.1", "thumb.2", …
  std::string upload_id;  // 32 hex digits, made before the transaction
  std::string sha256;     // hex; the importer checked the bytes against the complaint record
  std::int64_t length = 0;
  std::string filename;
  // Set by Storage::ImportBundle.
  enum class Result { kStored, kPresent, kRefused };
  Result result = Result::kRefused;
  std::string reason;              // kRefused: why, in a sentence
  std::string replaced_upload_id;  // kStored over an unfinished upload of the same photo: that upload
};

// One complaint of a bundle, validated as POST /requests.json validates (o311::ParseCreate).
struct ImportComplaint {
  o311::NewServiceRequest request;
  IdemKey idem;  // the client UUID, the bundle's device, "requests", the create form's hash
  std::vector<ImportPhoto> photos;
  // Set by Storage::ImportBundle: kCreated (new), kReplayed (central had it), kConflict or
  // kNotFound (unknown service) with `reason` — refused, and its photos with it.
  IdemOutcome outcome;
};

class Storage {
 public:
  // "sqlite:PATH" or "postgresql://…" (also "postgres://…"). Creates or migrates the schema.
  static std::unique_ptr<Storage> Open(const std::string& url, std::string* error);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  bool IsPostgres() const { return postgres_; }

  // ---- catalog
  Status SeedServices(const std::vector<o311::Service>& services);
  Status SeedDepartments(const std::vector<o311::Department>& departments);
  Status ListServices(std::vector<o311::Service>* out);
  Status GetService(std::string_view code, o311::Service* out, bool* found);

  // ---- devices (codes and keys arrive already hashed: plaintext never reaches the database)
  // `ward` (of wards.tsv) limits the staff accounts the device is sent to that ward's; "" for all.
  // `kind` ("kiosk", "tablet"; "" for any) limits them by role: a kiosk is not sent engineers
  // (S7, DESIGN.md).
  Status AddEnrolment(const std::string& device_id, const std::string& label, const std::string& code_hash,
                      std::int64_t expires_at, const std::string& ward, const std::string& kind);
  // The same for a device enrolled already, in one transaction: each one given is set ("" for
  // every ward / any kind), one not given stays. `found` false if there is no such device.
  Status SetDeviceScope(const std::string& device_id, const std::optional<std::string>& ward,
                        const std::optional<std::string>& kind, bool* found);
  // Trades an unexpired, unused code for a key, once. `device_id` empty when refused.
  Status RedeemEnrolment(const std::string& code_hash, const std::string& key_hash, std::string* device_id);
  Status RevokeDevice(const std::string& device_id, bool* found);
  // `kind`, when asked for, is the device's role as enrolled or scoped: "kiosk", "tablet", or ""
  // for any (a device enrolled before kinds were recorded).
  Status Authenticate(const std::string& key_hash, AuthResult* result, std::string* device_id,
                      std::string* kind = nullptr);
  // Sets the device's bundle-signing key (Ed25519 public key, 64 hex) unless it has one (B1).
  Status RegisterSignKey(const std::string& device_id, const std::string& key_hex, SignKeyResult* result);
  // The signing key of a device that is enrolled, not revoked and registered one; else not found.
  Status DeviceSignKey(const std::string& device_id, std::string* key_hex, bool* found);
  Status GetDeviceState(const std::string& device_id, DeviceState* out);

  // ---- service requests and the feed
  Status CreateRequest(const o311::NewServiceRequest& req, const IdemKey& idem, const Renderer& render,
                       IdemOutcome* out);
  // Appends a field update. Not applied to the request — only recorded, with conflict = true —
  // when a newer update of another author changed the status (DESIGN.md, W2).
  Status AddUpdate(const o311::NewUpdate& update, const IdemKey& idem, const UpdateRenderer& render, IdemOutcome* out);
  Status GetRequest(std::int64_t id, o311::ServiceRequest* out, bool* found);
  Status FindRequestByClientUuid(const std::string& uuid, std::int64_t* id, bool* found);
  Status QueryRequests(const RequestQuery& q, std::vector<o311::ServiceRequest>* out);
  // The feed after `after_update_id`, oldest first, at most `limit`. `next_cursor` (optional)
  // is where the reader goes on from: the last update given, or — for an issued_by page shorter
  // than `limit` — the newest update central held when it read, because every update up to it
  // was looked at (F1: none below it can still appear), so the reader need not scan the others
  // again. A page moves the cursor only once all it passes over is durable (F2).
  Status FeedAfter(std::int64_t after_update_id, int limit, std::vector<o311::RequestUpdate>* out,
                   const FeedFilter& filter = {}, std::int64_t* next_cursor = nullptr);
  // `assignee` must be an active staff account.
  Status Assign(std::int64_t request_id, const std::string& assignee, AssignResult* result);
  // The latest `limit` requests whose detailed status is fixed (resolved), newest resolution first.
  Status ResolvedRequests(int limit, std::vector<o311::ServiceRequest>* out);

  // ---- staff accounts (PIN hashes arrive hashed: a PIN never reaches the database)
  Status AddStaff(const StaffAccount& account, bool* added);  // false: the user id exists
  Status ListStaff(std::vector<StaffAccount>* out);
  // What GET /staff.json sends a device: the accounts of its ward, or every one if it has none;
  // to a kiosk, no engineer's (S7).
  Status ListStaffFor(const std::string& device_id, std::vector<StaffAccount>* out);
  Status SetStaffActive(const std::string& user_id, bool active, bool* found);
  Status SetStaffPin(const std::string& user_id, const std::string& pin_hash, bool* found);

  // ---- development works (idempotent by the work's client UUID, like requests: I1–I4)
  Status CreateWork(const o311::NewWork& work, const IdemKey& idem, const Renderer& render, IdemOutcome* out);
  Status GetWork(std::int64_t id, o311::Work* out, bool* found);
  Status LatestWorks(int limit, std::vector<o311::Work>* out);

  // The id of the Atom feed: a random UUID made once per database and kept in samvad_meta.
  Status FeedUuid(const std::string& candidate, std::string* uuid);
  // samvad_meta's other entries: "" when unset; SetMeta is durable.
  Status GetMeta(const std::string& name, std::string* value);
  Status SetMeta(const std::string& name, const std::string& value);

  // ---- uploads (bytes live in the media folder; rows say how many are durable)
  Status CreateUpload(const Upload& want, Upload* got, UploadCreate* result);
  Status GetUpload(const std::string& id, Upload* out, bool* found);
  // Moves `received` from `from` to `to` (and completes the upload at its length). `advanced`
  // is false when another writer moved it first.
  // `unsynced`: the bytes were written but not flushed (U8); the row says so, and the commit
  // does not wait for a WAL sync either. Otherwise the caller flushed them first (U1).
  Status AdvanceUpload(const std::string& id, std::int64_t from, std::int64_t to, bool* advanced,
                       bool unsynced = false);
  // Back to offset 0 from `from` (the finished file did not match its declared SHA-256, or a
  // restart found an unsynced upload it cannot vouch for).
  Status ResetUpload(const std::string& id, std::int64_t from, bool* reset);
  // Every upload whose latest bytes were not flushed (U8), oldest first.
  Status ListUnsynced(std::vector<Upload>* out);
  // These uploads' bytes are on the disk now (the caller flushed the media folder's filesystem
  // after listing them): durable, which also syncs the WAL that holds their offsets.
  // Each is cleared only if its offset is still the one listed (a later unflushed PATCH keeps it).
  Status MarkSynced(const std::vector<Upload>& uploads);
  // The finished further photos ("photo.1", "photo.2") of each request, as upload ids in order.
  Status ExtraPhotos(const std::vector<std::int64_t>& request_ids, std::map<std::int64_t, std::vector<std::string>>* out);
  // The finished before/after photos of these requests and works, by kind ("after" < "after.1").
  Status WorkPhotos(const std::vector<std::int64_t>& request_ids, const std::vector<std::int64_t>& work_ids,
                    std::vector<Upload>* out);
  // `samvad-central sweep`: forgets every unfinished upload created before `created_before`
  // (durable), returning their ids; a device that comes back to one gets 404 on HEAD and makes
  // it again (it keeps its photo until central confirms it). Finished uploads are never touched.
  Status ForgetAbandonedUploads(std::int64_t created_before, std::vector<std::string>* ids);
  // Which of `ids` name an upload row.
  Status KnownUploads(const std::vector<std::string>& ids, std::set<std::string>* known);

  // ---- sneakernet import: every complaint and photo of one bundle in ONE transaction (B3),
  // each complaint as CreateRequest makes it (I1–I4), each photo a complete upload. Outcomes
  // are written into `complaints`; on a failed Status nothing was stored.
  Status ImportBundle(std::vector<ImportComplaint>* complaints, const Renderer& render);

  // Returns once every transaction committed so far — by any caller — is durable. Write calls
  // above return only when their own transaction is; a read may see a row another caller has
  // committed and is still waiting to make durable (the group commit below), so a read whose
  // answer the client takes as a promise (tus HEAD's offset) calls this before answering.
  Status WaitDurable();

 private:
  Storage(std::string target, bool postgres);
  class Lease;
  std::unique_ptr<SqlConn> Connect(std::string* error);
  Status Migrate();
  Status Read(const std::function<SqlResult(SqlConn&)>& body);
  Status InWriteTx(const std::function<SqlResult(SqlConn&)>& body, bool durable = true);
  Status InSqliteWriteTx(const std::function<SqlResult(SqlConn&)>& body, bool durable);
  Status ListStaffWhere(const std::string& where, const std::vector<SqlValue>& args, std::vector<StaffAccount>* out);

  // SQLite group commit: a durable write commits without syncing, then waits for one WAL sync
  // that began after its commit (sync_group.h; DESIGN.md, "Upload throughput").
  Status SyncCommitted(SqlConn& c, bool was_open);

  std::string target_;  // file path or libpq conninfo
  bool postgres_;
  std::mutex mu_;
  std::vector<std::unique_ptr<SqlConn>> idle_;
  std::mutex writer_mu_;  // SQLite: this process's writers queue here, not in SQLite's busy sleeps
  std::unique_ptr<SqlConn> writer_;  // SQLite: the one connection every write runs on (InSqliteWriteTx)
  // Sticky: see InWriteTx. Unused on PostgreSQL.
  SyncGroup wal_sync_{/*sticky=*/true};
};

std::int64_t UnixNow();

}  // namespace samvad::central
