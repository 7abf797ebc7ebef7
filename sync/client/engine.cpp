// engine.cpp — the sync engine's thread, its session state machine and the snapshot the UI
// polls. The design note (invariants S1–S6, diagram, transition table) is DESIGN.md in this
// folder; AssertSessionState checks it in debug builds at every transition.
//
//            Start                 due | RequestSync
//   STOPPED ───────► IDLE ◄───────┐  ──────────────► PUSHING ──ok──► PULLING ──ok──► CATALOG
//      ▲               │ ▲        │                   │  ▲ retry        │               │
//      │ Stop (any)    │ │ ok     │                   ▼  │ (in session)  │               │
//      └───────────────┘ │        └── WAITING ◄──── WAITING            give up, auth,   │
//                        └──────────────────────── (backoff, Retry-After) ◄─ permanent ─┘
//
// [SECTION] Names and helpers
// [SECTION] Public API
// [SECTION] The thread and the session
#include "sync/client/engine_impl.h"

#include <cassert>

namespace samvad::sync {

// =============================================================================================
// [SECTION] Names and helpers
// =============================================================================================

std::string_view SessionPhaseName(SessionPhase p) {
  switch (p) {
    case SessionPhase::Stopped: return "stopped";
    case SessionPhase::Idle: return "idle";
    case SessionPhase::Pushing: return "pushing";
    case SessionPhase::Pulling: return "pulling";
    case SessionPhase::Catalog: return "catalog";
    case SessionPhase::Waiting: break;
  }
  return "waiting";
}

std::string_view ItemPhaseName(ItemPhase p) {
  switch (p) {
    case ItemPhase::Queued: return "queued";
    case ItemPhase::Record: return "record";
    case ItemPhase::Thumbnail: return "thumbnail";
    case ItemPhase::Photo: return "photo";
    case ItemPhase::Sent: return "sent";
    case ItemPhase::Retrying: return "retrying";
    case ItemPhase::Failed: break;
  }
  return "failed";
}

namespace {

using Clock = std::chrono::steady_clock;

// S5 (progress never goes back and never passes its total) and S6 (a phase the table allows).
void AssertSessionState(const SyncSnapshot& before, const SyncSnapshot& after, bool new_session) {
#ifndef NDEBUG
  assert(after.sessions <= after.sessions_started && "a session finished that never began");
  assert(after.items_done <= after.items_total && after.bytes_done <= after.bytes_total &&
         "S5: progress past its total");
  assert((new_session || (after.items_done >= before.items_done && after.bytes_done >= before.bytes_done)) &&
         "S5: progress went backwards within a session");
  const auto allowed = [](SessionPhase from, SessionPhase to) {
    if (from == to || to == SessionPhase::Stopped) return true;
    switch (from) {
      case SessionPhase::Stopped: return to == SessionPhase::Idle;
      case SessionPhase::Idle:
      case SessionPhase::Waiting: return to == SessionPhase::Pushing || to == SessionPhase::Idle;
      case SessionPhase::Pushing: return to == SessionPhase::Pulling || to == SessionPhase::Catalog || to == SessionPhase::Idle || to == SessionPhase::Waiting;
      case SessionPhase::Pulling: return to == SessionPhase::Catalog || to == SessionPhase::Idle || to == SessionPhase::Waiting;
      case SessionPhase::Catalog: return to == SessionPhase::Idle || to == SessionPhase::Waiting;
    }
    return false;
  };
  assert(allowed(before.phase, after.phase) && "S6: a session transition not in DESIGN.md's table");
#else
  (void)before, (void)after, (void)new_session;
#endif
}

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

SyncEngine::Impl::Impl(SyncConfig config, model::Outbox& ob)
    : cfg(std::move(config)),
      outbox(ob),
      transport(cfg.transport),
      control(cfg.transport),
      uploader(transport, UploadOptions{cfg.max_chunk_bytes, cfg.always_checksum, 16 << 10, 2 << 10, 600}),
      rng(std::random_device{}()) {
  cfg.base_url = TrimSlash(cfg.base_url);
  state_path = cfg.data_dir + "/sync-state.txt";
  catalog_path = cfg.data_dir + "/catalog/services.json";
  transport.SetWireObserver([this](std::int64_t n) { OnWire(n); });
  control.SetWireObserver([this](std::int64_t n) { OnWire(n); });
  if (cfg.log) {
    transport.SetLog(cfg.log);
    control.SetLog([log = cfg.log](const std::string& line) { log("(second connection) " + line); });
  }
}

std::int64_t SyncEngine::Impl::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void SyncEngine::Impl::Publish(const std::function<void(SyncSnapshot&)>& edit, bool new_session) {
  std::lock_guard lock(mu);
#ifndef NDEBUG
  const SyncSnapshot before = snap;  // for the debug check only
  edit(snap);
  AssertSessionState(before, snap, new_session);
#else
  (void)new_session;
  edit(snap);
#endif
}

// Rate: bytes per ≥ 0.5 s window, smoothed; ETA from it and what is left.
void SyncEngine::Impl::OnWire(std::int64_t bytes) {
  std::lock_guard lock(mu);
  snap.wire_bytes_up += bytes;
  rate_window_bytes += bytes;
  const auto now = Clock::now();
  const double dt = std::chrono::duration<double>(now - rate_window_start).count();
  if (dt >= 0.5) {
    const double inst = static_cast<double>(rate_window_bytes) / dt;
    snap.rate_bytes_per_s = snap.rate_bytes_per_s <= 0 ? inst : 0.7 * snap.rate_bytes_per_s + 0.3 * inst;
    rate_window_bytes = 0;
    rate_window_start = now;
  }
  const std::int64_t left = snap.bytes_total - snap.bytes_done;
  snap.eta_s = snap.rate_bytes_per_s > 1 ? static_cast<std::int64_t>(static_cast<double>(left) / snap.rate_bytes_per_s) : -1;
}

// =============================================================================================
// [SECTION] Public API
// =============================================================================================

SyncEngine::SyncEngine(SyncConfig config, model::Outbox& outbox)
    : impl_(std::make_unique<Impl>(std::move(config), outbox)) {}

SyncEngine::~SyncEngine() { Stop(); }

void SyncEngine::Start() {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  assert(!m.running && "SyncEngine::Start twice");
  if (m.running) return;
  PersistentState st;
  LoadState(m.state_path, &st);  // missing or unreadable: start from the beginning of the feed
  m.state = st;
  m.stop = false;
  m.running = true;
  m.requested = true;  // the first session starts at once
  m.next_due = m.hold_until = Clock::now();
  m.rate_window_start = Clock::now();
  m.transport.Reset();
  m.control.Reset();
  m.snap.phase = SessionPhase::Idle;
  m.snap.last_success_at = st.last_success_at;
  m.thread = std::thread([&m] { m.Run(); });
}

void SyncEngine::RequestSync() {
  std::lock_guard lock(impl_->mu);
  impl_->requested = true;
  impl_->cv.notify_all();
}

SyncSnapshot SyncEngine::Snapshot() const {
  std::lock_guard lock(impl_->mu);
  return impl_->snap;
}

void SyncEngine::Stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    if (!m.running) return;
    m.stop = true;
    m.cv.notify_all();
  }
  m.transport.Cancel();  // the call in flight returns at curl's next progress callback
  m.control.Cancel();
  m.thread.join();
  std::lock_guard lock(m.mu);
  m.running = false;
  m.snap.phase = SessionPhase::Stopped;
  m.cv.notify_all();
}

std::uint64_t SyncEngine::WaitForSessions(std::uint64_t after, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->snap.sessions > after || !impl_->running; });
  return impl_->snap.sessions;
}

// =============================================================================================
// [SECTION] The thread and the session
// =============================================================================================

void SyncEngine::Impl::Run() {
  for (;;) {
    bool forced = false;
    {
      std::unique_lock lock(mu);
      for (;;) {
        if (stop) return;
        // "Sync now" skips our own backoff but never the server's Retry-After (S4).
        const auto target = std::max(requested ? Clock::now() : next_due, hold_until);
        if (Clock::now() >= target) break;
        cv.wait_until(lock, target);
      }
      forced = requested;
      requested = false;
      ++snap.sessions_started;  // under mu, before the session reads anything (see SyncSnapshot)
    }
    RunSession(forced);
  }
}

std::int64_t SyncEngine::Impl::DrawDelay(Action action, std::int64_t retry_after_s) {
  if (action != Action::Transient) {
    // A refused key or a permanent refusal of the whole session (a pinned key that does not
    // match, a bad URL): nothing will change by itself soon, so try rarely; staff's "sync now"
    // tries at once.
    failures = 0;
    return std::max(cfg.interval_ms, cfg.backoff.cap_ms);
  }
  // Failures count only while nothing gets through: a link that drops every 100 KB but moves
  // data between drops is retried promptly, a dead one ever more slowly.
  failures = progress_since_failure ? 1 : failures + 1;
  progress_since_failure = false;
  Publish([](SyncSnapshot& s) { ++s.transient_failures; });
  return BackoffDelayMs(cfg.backoff, failures, retry_after_s, rng);
}

bool SyncEngine::Impl::RetryInSession(const Verdict& v, SessionEnd* end) {
  *end = SessionEnd{v.action, v.cause, v.retry_after_s, -1};
  if (v.action != Action::Transient || transport.cancelled()) {
    end->delay_ms = transport.cancelled() ? 0 : DrawDelay(v.action, v.retry_after_s);
    return false;
  }
  end->delay_ms = DrawDelay(v.action, v.retry_after_s);
  if (failures > cfg.max_failures_in_session || end->delay_ms > cfg.max_wait_in_session_ms) return false;
  Publish([&](SyncSnapshot& s) {
    s.phase = SessionPhase::Waiting;
    s.cause = v.cause;
    s.last_action = v.action;
  });
  if (cfg.log) cfg.log("retrying in session after " + std::to_string(end->delay_ms) + " ms: " + v.cause);
  {
    std::unique_lock lock(mu);
    // "Sync now" cuts our own backoff short, never the server's Retry-After (S4).
    cv.wait_for(lock, std::chrono::milliseconds(end->delay_ms), [&] { return stop || (requested && v.retry_after_s < 0); });
    if (requested && v.retry_after_s < 0) requested = false;
    if (stop) return false;
  }
  Publish([](SyncSnapshot& s) { s.phase = SessionPhase::Pushing; });
  return true;
}

void SyncEngine::Impl::RunSession(bool forced) {
  SessionEnd end = Push(forced);
  if (end.action == Action::Ok && cfg.field && !transport.cancelled()) end = PushField(forced);
  if (end.action == Action::Ok && cfg.field && !transport.cancelled()) end = PushWorks(forced);
  // A tablet's assigned lists first: the feed that follows is kept for the complaints in them.
  if (end.action == Action::Ok && cfg.field && !transport.cancelled()) {
    Publish([](SyncSnapshot& s) { s.phase = SessionPhase::Pulling; });
    end = PullAssigned();
  }
  if (end.action == Action::Ok && cfg.pull_updates && !transport.cancelled()) {
    Publish([](SyncSnapshot& s) { s.phase = SessionPhase::Pulling; });
    end = Pull();
  }
  if (end.action == Action::Ok && cfg.refresh_catalog && !transport.cancelled() &&
      (forced || Now() - state.catalog_at >= cfg.catalog_interval_s)) {
    Publish([](SyncSnapshot& s) { s.phase = SessionPhase::Catalog; });
    end = RefreshCatalog();
  }
  if (end.action == Action::Ok && cfg.bundle_keys && !cfg.data_dir.empty() && !transport.cancelled()) {
    Publish([](SyncSnapshot& s) { s.phase = SessionPhase::Catalog; });
    RefreshBundleKeys();  // never fails the session: only an export needs its files
  }
  // Every session: a PIN disabled on central must stop working on the tablet at its next sync.
  if (end.action == Action::Ok && cfg.staff && !transport.cancelled()) end = RefreshStaff();
  const std::int64_t now = Now();
  std::int64_t delay_ms = cfg.interval_ms;
  if (end.action == Action::Ok) {
    failures = 0;
    state.last_success_at = now;
    SaveState(state_path, state);
  } else {
    delay_ms = end.delay_ms >= 0 ? end.delay_ms : DrawDelay(end.action, end.retry_after_s);
  }
  if (cfg.log) {
    cfg.log("session end: " + std::string(ActionName(end.action)) + (end.cause.empty() ? "" : " (" + end.cause + ")") +
            ", next in " + std::to_string(delay_ms) + " ms");
  }
  std::lock_guard lock(mu);
  const auto steady = Clock::now();
  next_due = steady + std::chrono::milliseconds(delay_ms);
  if (end.retry_after_s >= 0) hold_until = steady + std::chrono::seconds(end.retry_after_s);
  const SyncSnapshot before = snap;
  snap.phase = stop ? SessionPhase::Stopped : end.action == Action::Ok ? SessionPhase::Idle : SessionPhase::Waiting;
  snap.cause = end.action == Action::Ok ? std::string() : end.cause;
  snap.last_action = end.action;
  if (end.action == Action::Ok) snap.last_success_at = now;
  snap.next_session_at = now + delay_ms / 1000;
  snap.rate_bytes_per_s = 0;
  snap.eta_s = -1;
  ++snap.sessions;
  AssertSessionState(before, snap, false);
  cv.notify_all();
}

}  // namespace samvad::sync
