// engine_impl.h — SyncEngine's insides, shared by engine.cpp (thread, session, snapshot),
// push.cpp (outbox → central), pull.cpp (updates, catalog, the state file) and device_keys.cpp
// (the keys a sneakernet export needs). Internal to
// sync/client: nothing outside this folder includes it.
#pragma once
#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sync/client/engine.h"
#include "sync/client/tus_upload.h"
#include "sync/protocol/form.h"

namespace samvad::sync {

// What survives between sessions (DESIGN.md, "What is kept where"): sync-state.txt.
struct PersistentState {
  std::string feed_cursor;           // opaque, from central; "" = from the beginning
  std::int64_t last_success_at = 0;
  std::int64_t catalog_at = 0;
};
bool LoadState(const std::string& path, PersistentState* out);
bool SaveState(const std::string& path, const PersistentState& s);
// Writes `bytes` to `path` so a reader sees the old file or the new one, never a mix, even after
// a power cut: temp file, fsync, rename, fsync of the folder.
bool WriteFileAtomic(const std::string& path, std::string_view bytes);

// The create form for a complaint (Open311 fields + our attributes), deterministic: a retry
// sends the same payload, which is what idempotency compares.
protocol::Form CreateForm(const model::Complaint& c, const std::string& api_key);

// How a session ended, for the wait that follows.
struct SessionEnd {
  Action action = Action::Ok;
  std::string cause;
  std::int64_t retry_after_s = -1;
  std::int64_t delay_ms = -1;  // the wait drawn for it (once: entries and engine wait alike)
};

// An entry's progress across sessions, in memory (after a restart, idempotent replays rebuild it).
struct EntryMemo {
  std::string central_id;
  bool fresh = false;  // created (not replayed) by this engine
  // One per photo of the complaint (model::kMaxPhotos at most), in the complaint's order.
  std::array<UploadMemo, model::kMaxPhotos> thumbs, photos;
};

struct SyncEngine::Impl {
  Impl(SyncConfig config, model::Outbox& outbox);

  // engine.cpp
  void Run();
  void RunSession(bool forced);
  // Edits the snapshot under the lock; S5/S6 are checked (debug) against its previous state.
  void Publish(const std::function<void(SyncSnapshot&)>& edit, bool new_session = false);
  void OnWire(std::int64_t bytes);
  std::int64_t Now() const;
  // push.cpp
  SessionEnd Push(bool forced);
  // pull.cpp
  SessionEnd Pull();
  SessionEnd RefreshCatalog();
  // device_keys.cpp: central's bundle key and our signing key's registration; never fails a session
  void RefreshBundleKeys();
  SessionEnd RefreshStaff();  // staff_pull.cpp
  // field_sync.cpp: work-log updates (photos, then the update) and the engineers' assigned lists
  SessionEnd PushField(bool forced);
  SessionEnd PushWorks(bool forced);
  SessionEnd PullAssigned();
  Verdict UploadWorkPhotos(const std::vector<model::WorkPhoto>& photos, const std::string& request_id,
                           const std::string& work_id, const std::string& memo_key);
  // One field update or development work through a session (field_sync.cpp).
  struct FieldItem {
    std::function<Verdict()> attempt;  // photos and record; retried in the session while transient
    std::function<bool()> sent;        // records success; false = the device's storage failed
    std::function<void(std::string_view cause, std::int64_t due)> retry;
    std::function<void(std::string_view cause)> failed;
  };
  bool RunFieldItem(const FieldItem& item, SessionEnd* end, bool* refused);

  // Session bookkeeping for one entry (index into the snapshot's items).
  struct Item {
    model::OutboxEntry entry;
    size_t index = 0;
    std::int64_t record_bytes = 0, thumb_bytes = 0, photo_bytes = 0;
    std::int64_t confirmed = 0;  // what this session has counted as done for it
    bool active = false;         // MarkSending'd and not yet released
  };
  void SetItem(Item& it, ItemPhase phase, const std::string& cause = {});
  void Confirm(Item& it, std::int64_t confirmed_total, std::int64_t in_flight);
  // After a failed call: the wait before trying again, drawn once (backoff over failures in a
  // row without progress, never under Retry-After), counted in the snapshot.
  std::int64_t DrawDelay(Action action, std::int64_t retry_after_s);
  // A transient failure inside a session: waits and returns true (try the same step again), or
  // returns false with `end` filled when the session should end instead (stop, a dead link, a
  // long Retry-After, anything not transient).
  bool RetryInSession(const Verdict& v, SessionEnd* end);
  void Release(std::vector<Item>& items, size_t from, size_t to, const SessionEnd& why);
  bool ReadPhoto(const std::string& file, const std::string& sha256, std::string* bytes, std::string* cause);

  SyncConfig cfg;
  model::Outbox& outbox;
  Transport transport;  // the session's connection: records, HEADs, PATCHes, feed
  Transport control;    // a second one, for creating the next upload while a PATCH streams
  TusUploader uploader;
  std::string state_path, catalog_path;
  PersistentState state;  // engine thread only
  std::map<std::string, EntryMemo> memos;  // by canonical ticket; engine thread only
  std::map<std::string, UploadMemo> work_memos;  // by update uuid/kind/index; engine thread only
  std::mt19937_64 rng;
  int failures = 0;       // transient failures in a row without progress
  bool progress_since_failure = false;  // central confirmed something since the last failure
  std::int64_t session_bytes_confirmed = 0;

  mutable std::mutex mu;  // guards everything below
  mutable std::condition_variable cv;
  SyncSnapshot snap;
  bool stop = false, requested = false, running = false;
  std::chrono::steady_clock::time_point next_due, hold_until;  // our backoff; the server's Retry-After
  std::int64_t rate_window_bytes = 0;
  std::chrono::steady_clock::time_point rate_window_start;
  std::thread thread;
};

}  // namespace samvad::sync
