// tus_upload.h — one photo or thumbnail sent to central by tus 1.0.0 (core, creation, checksum),
// resumable across dropped connections and across sessions: the state machine "one photo
// upload" of DESIGN.md. Internal to sync/client (the engine drives it; tests reach it directly).
//
// This file is: creating the upload (POST /media), asking where to resume (HEAD), sending
// (PATCH with Upload-Checksum), and the rules that keep us from sending a byte central already
// has. It is not: reading or verifying the photo file (the engine does, before), retries and
// backoff (the engine), or the outbox.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sync/client/transport.h"

namespace samvad::sync {

struct UploadTarget {
  std::string base_url;       // central, no trailing slash
  std::string api_key;
  std::string request_id;     // central's service_request_id; "" = name it by client_uuid
  std::string client_uuid;
  std::string kind;           // "photo" or "thumb"
  int index = 0;              // which of the complaint's photos (0 = the first, Open311's media_url)
  std::string filename;       // "<sha256>.jpg"
  std::string sha256_hex;     // of the whole file; sent as metadata for central's records
  // The complaint was created (not replayed) by this engine just now, so central cannot hold
  // bytes of this upload yet: after POST /media the offset is 0 without asking.
  bool fresh_request = false;
  std::string work_id;        // a development work's photo (kind before|after): names the work instead
  std::int64_t taken_at = 0;  // a work photo's time (unix seconds), sent as `taken_at`; 0 = unknown, not sent
};

// What the engine remembers of one upload between attempts (in memory; after a restart the
// POST is simply repeated, and central answers with the same Location — PROTOCOL.md, U4).
struct UploadMemo {
  std::string location;       // the upload's URL; "" = not created (or forgotten)
  std::int64_t offset = -1;   // central's offset as it last told us; -1 = unknown: ask with HEAD
  bool cut = false;           // a PATCH of this upload was cut off at least once
  bool careful = false;       // the next PATCH is a small one (see UploadOptions::resume_probe_bytes)
  bool body_tried = false;    // a POST of this upload carried bytes once (never again: see Upload)
  std::int64_t chunk = 0;     // PATCH size in always-checksum mode; 0 = not yet chosen
  bool done = false;
  // Central acknowledged the offset before flushing it (Samvad-Durable: later, on the answer
  // that told the offset): the photo counts as sent only once SealUploads confirms it (U8).
  bool unsynced = false;
};

// The upload's id on central: the last segment of memo.location ("" when not created).
std::string UploadId(const UploadMemo& memo);

struct UploadOptions {
  std::int64_t max_chunk_bytes = 1 << 20;
  // Every PATCH carries Upload-Checksum: central then keeps all of a PATCH or none of it, so
  // after a cut the next PATCHes get smaller (halved, down to min_chunk_bytes) to fit between
  // drops. When false (the default), PATCHes go without a checksum while the link is known to
  // drop (a cut of this upload, or of any upload in the last `flaky_memory_s`), and central
  // keeps every byte that arrived (tus core) — see DESIGN.md, "Checksums and flaky links".
  bool always_checksum = false;
  std::int64_t min_chunk_bytes = 16 << 10;
  // The first PATCH after a cut carries at most this much. Central may still be finishing the
  // cut-off PATCH (keeping its bytes, holding the upload) when our HEAD arrives, so that HEAD
  // can report an offset about to move; a PATCH from it is refused with 409 only after its whole
  // body was sent. A small first PATCH bounds that waste; once it is acknowledged the upload is
  // settled and the rest goes in one PATCH.
  std::int64_t resume_probe_bytes = 2 << 10;
  std::int64_t flaky_memory_s = 600;
  // For a request this engine created just now, the POST that makes the upload carries the
  // photo (tus creation-with-upload): one request and one round trip per photo instead of two.
  // Only once per upload: after a cut, the POST goes empty and HEAD says where to resume, so no
  // byte central kept is sent twice.
  bool create_with_upload = true;
  // Ask central to answer each POST and PATCH once its bytes are written, before they are
  // flushed (PROTOCOL.md, "Flushing later"): one flush per batch (SealUploads) instead of two
  // disk syncs per photo. The engine then holds a photo unsent until the seal confirms it.
  // Only while the link is fast: the last body went at `flush_later_min_bytes_per_s` or more.
  // There central's syncs (~3 ms a photo) are worth saving and the seal's one round trip per
  // batch is cheap; on a 2G/3G link a photo takes seconds, the syncs are lost in it and the
  // extra round trip is not (bench_sync_link).
  bool flush_later = true;
  double flush_later_min_bytes_per_s = 2e6;
};

// Progress of the running upload: bytes central has confirmed, and body bytes of the PATCH in
// flight (not yet confirmed).
using UploadProgress = std::function<void(std::int64_t confirmed, std::int64_t in_flight)>;

class TusUploader {
 public:
  TusUploader(Transport& transport, UploadOptions options) : t_(transport), opt_(options) {}

  // Runs the upload of `bytes` as far as it goes. Ok: central has every byte (memo->done).
  // Anything else: the verdict of the call that stopped it; `memo` says where to resume.
  Verdict Upload(const UploadTarget& target, std::string_view bytes, UploadMemo* memo,
                 const UploadProgress& progress, std::int64_t now);

  // Only the CREATE step (POST /media), on `t`: the engine makes the next upload on a second
  // connection while this one streams a PATCH, so a slow link does not sit idle for the round
  // trip. Ok: memo->location is set (and memo->offset, when known). `first`: no earlier create
  // of this memo in this attempt. Touches nothing but `memo` and `t`.
  // With `body`, the POST carries those first bytes (creation-with-upload) and memo->offset is
  // what central kept of them.
  Verdict Create(Transport& t, const UploadTarget& target, std::int64_t length, UploadMemo* memo,
                 std::int64_t now, bool first, std::string_view body = {}, const UploadProgress& progress = {}) const;

 private:
  Transport& t_;
  UploadOptions opt_;
  std::int64_t flaky_until_ = 0;  // steady-clock seconds: until then the link counts as dropping
  double body_rate_ = 0;          // bytes/s of the last body that went whole; 0 = none yet
  bool Later() const { return opt_.flush_later && body_rate_ >= opt_.flush_later_min_bytes_per_s; }
  // Times one call that sent `bytes` of body and records its rate.
  void NoteRate(std::int64_t bytes, std::chrono::steady_clock::time_point start);
  bool later_now_ = false;        // the body Create sends asks for a later flush
};

// POST /media/sync for these uploads (their ids): central flushes everything it acknowledged
// unflushed and says, per upload, the offset now durable. Ok: `durable` has an entry for each
// upload central still knows as ours (-1: acknowledged again after the flush began). Failures are
// classified as for HEAD.
Verdict SealUploads(Transport& t, const std::string& base_url, const std::string& api_key,
                    const std::vector<std::string>& upload_ids, std::map<std::string, std::int64_t>* durable,
                    std::int64_t now);

// The cause an item or a work update is retried with when SettleMemo finds that central kept
// less than it had acknowledged (its machine restarted before the flush); topic `resume`.
inline constexpr std::string_view kSealLostCause =
    "photo upload out of step with central: it restarted before the photo was stored; sending it again";

// After SealUploads: true when `memo`'s upload is complete and durable on central; otherwise the
// memo is reset so that HEAD (or a new POST) says where to go on, and false.
bool SettleMemo(UploadMemo* memo, const std::map<std::string, std::int64_t>& durable);

// `location` made absolute against `base_url` (a Location may be a path, RFC 9110 10.2.2).
std::string ResolveLocation(std::string_view base_url, std::string_view location);

}  // namespace samvad::sync
