// engine.h — the device's sync engine: a background thread that sends the outbox to central
// (complaint records first, then thumbnails, then full photos by resumable tus uploads), pulls
// status updates into the outbox's history, and refreshes the category catalog. The UI owns one,
// starts it, asks it to sync now, and polls a snapshot once per frame; it never blocks the UI.
//
// Usage (app/main.cpp):
//
//   samvad::sync::SyncConfig cfg;
//   cfg.base_url = "https://samvad.example.gov.in";   // central, no trailing slash
//   cfg.api_key = key_from_enrolment;
//   cfg.photos_dir = store.photos_dir();              // files named <sha256>.jpg
//   cfg.data_dir = data_dir;                          // sync-state.txt, catalog/, bundle/
//   samvad::sync::SyncEngine sync(cfg, store.outbox()); // model::Outbox&, outlives the engine
//   sync.Start();
//   …
//   sync.RequestSync();                               // after Submit, or a "Sync now" button
//   const samvad::sync::SyncSnapshot s = sync.Snapshot();   // once per frame: a copy, no waiting
//   …
//   sync.Stop();                                      // before the store closes (≤ ~1 s)
//
// This file is the whole public surface; the rest of sync/client is internal. The state
// machines (a sync session, one photo upload) are in sync/client/DESIGN.md. sync/ never
// includes app/: the outbox arrives as the interface model::Outbox.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sync/client/backoff.h"
#include "sync/client/transport.h"
#include "sync/model/field_log.h"
#include "sync/model/outbox.h"
#include "sync/model/staff_directory.h"

namespace samvad::sync {

struct SyncConfig {
  std::string base_url;      // central, e.g. "https://samvad.example.gov.in" (trailing '/' ignored)
  std::string api_key;       // the device key from enrolment
  std::string photos_dir;    // the store's photos folder; "" = ask the outbox (Outbox::PhotoPath)
  std::string data_dir;      // where sync-state.txt and catalog/services.json are kept
  TransportConfig transport; // timeouts, proxy, CA file, pinned key
  BackoffPolicy backoff;     // after transient failures (full jitter; Retry-After honoured)
  std::int64_t interval_ms = 5 * 60'000;       // between sessions when nobody asks
  std::int64_t catalog_interval_s = 6 * 3600;  // how often services.json is refreshed
  size_t batch = 20;                           // entries taken through records → thumbs → photos together
  // A transient failure is retried inside the session (entries stay held) while the wait is at
  // most this long and there were fewer failures in a row without progress than this; beyond,
  // the batch goes back to the outbox (MarkRetry) and the session ends.
  std::int64_t max_wait_in_session_ms = 15'000;
  int max_failures_in_session = 5;
  size_t max_entries_per_session = 2000;
  std::int64_t max_chunk_bytes = 1 << 20;      // per PATCH (a kiosk photo is ~300 KB: one PATCH)
  bool always_checksum = false;                // see DESIGN.md, "Checksums and flaky links"
  bool pull_updates = true;
  bool refresh_catalog = true;
  // At the end of every clean session: fetch central's bundle key and register this device's
  // signing key once (DESIGN.md, "Keys for sneakernet bundles"), so ExportUnsent (export.h)
  // works when the network does not. Files under <data_dir>/bundle/.
  bool bundle_keys = true;
  // Where central's staff accounts go (GET /staff.json, every session); null = none
  // (a kiosk that never signs staff in). Must outlive the engine.
  model::StaffDirectory* staff = nullptr;
  // The field engineer's work (a tablet): work-log updates go after the complaints, and the
  // assigned lists of the engineers who signed in here come back (field_sync.cpp). null = a kiosk.
  // Must outlive the engine.
  model::FieldLog* field = nullptr;
  // Told one line per HTTP call and per session end (a developer log window, a test's trace).
  // Called from the engine's threads (it has two while uploading); must be thread-safe and
  // must not block.
  std::function<void(const std::string&)> log;
};

// Where the engine is (DESIGN.md, "A sync session").
enum class SessionPhase { Stopped, Idle, Pushing, Pulling, Catalog, Waiting };
std::string_view SessionPhaseName(SessionPhase p);  // "stopped", "idle", …

// Where one outbox entry is within the current session.
enum class ItemPhase { Queued, Record, Thumbnail, Photo, Sent, Retrying, Failed };
std::string_view ItemPhaseName(ItemPhase p);  // "queued", "record", …

struct ItemProgress {
  std::string ticket;            // as printed: "08-001-00042-9"
  ItemPhase phase = ItemPhase::Queued;
  std::string cause;             // why it is Retrying or Failed (or a note on a Sent one); for staff
  std::int64_t bytes_done = 0;   // of this entry's payload, confirmed by central
  std::int64_t bytes_total = 0;
};

struct SyncSnapshot {
  SessionPhase phase = SessionPhase::Stopped;
  // The current (or last) session. Counters never go down within a session and reach their
  // totals when every entry has been sent.
  int items_done = 0;            // entries that left the session: sent, failed or deferred
  int items_sent = 0;
  int items_total = 0;
  std::int64_t bytes_done = 0;   // payload (records, thumbnails, photos) confirmed by central
  std::int64_t bytes_total = 0;
  double rate_bytes_per_s = 0;   // upload rate on the wire, smoothed
  std::int64_t eta_s = -1;       // -1: unknown
  std::vector<ItemProgress> items;
  // How the engine stands.
  std::string cause;             // the last problem, readable; "" after a clean session
  Action last_action = Action::Ok;
  std::int64_t last_success_at = 0;  // unix seconds of the last session that completed; 0 = never
  std::int64_t next_session_at = 0;  // unix seconds (when Waiting or Idle)
  std::uint64_t sessions = 0;        // sessions finished since Start
  // Sessions begun since Start, counted before a session reads the outbox: one numbered
  // `sessions_started + 1` or later has seen everything filed before this snapshot was taken.
  std::uint64_t sessions_started = 0;
  std::uint64_t transient_failures = 0;  // every transient failure since Start (one per retry)
  std::uint64_t updates_applied = 0; // status updates from central written to the outbox
  std::uint64_t work_updates_sent = 0;   // field updates central acknowledged, since Start
  std::string work_cause;                // why the last field update could not go ("" = none)
  std::int64_t wire_bytes_up = 0;    // request headers + bodies handed to the network, all sessions
};

class SyncEngine {
 public:
  SyncEngine(SyncConfig config, model::Outbox& outbox);
  ~SyncEngine();  // Stop()s
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  void Start();        // starts the thread; the first session begins at once
  void RequestSync();  // a session now: skips our own backoff, never a server's Retry-After
  SyncSnapshot Snapshot() const;
  // Ends the session in progress at the next network callback (curl calls it at least once a
  // second), leaves no entry in `sending`, and joins the thread. Safe to call twice.
  void Stop();

  // Blocks until more than `after` sessions have finished, or `timeout` passes; returns the
  // number finished. For tests and tools: the UI polls Snapshot() instead.
  std::uint64_t WaitForSessions(std::uint64_t after, std::chrono::milliseconds timeout) const;

 private:
  struct Impl;  // engine_impl.h
  std::unique_ptr<Impl> impl_;
};

}  // namespace samvad::sync
