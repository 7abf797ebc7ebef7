// transport.h — the sync client's HTTP over libcurl, and the one place a transport result is
// turned into the action it implies (GUIDE 2.4): Ok, Transient (retry with backoff, honour
// Retry-After), Permanent (stop, show why), AuthExpired (the device key was refused), Conflict
// (the server's state differs from what we assumed: ask it, then decide).
//
// This file is: one reusable curl easy handle (keep-alive: the connection survives between
// requests), the options a 2G/3G link needs (20 s connect timeout, a low-speed limit rather than
// a total timeout, proxy, CA file, public-key pinning), and Classify(). It is not: the protocol
// (tus_upload.h, engine.cpp), nor retries (backoff.h) — a Transport never retries on its own.
// One thread uses a Transport; only Cancel() may be called from another.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace samvad::sync {

struct TransportConfig {
  std::string proxy;              // "http://10.0.0.1:3128"; "" = none (and environment proxies ignored)
  std::string ca_file;            // PEM bundle; "" = the system's
  std::string pinned_public_key;  // "sha256//<base64>;sha256//<base64>" or a PEM/DER file; "" = no pin
  long connect_timeout_s = 20;
  // A 2G upload of a photo legitimately takes minutes, so there is no total timeout; a link that
  // moves less than this for this long is dead and the transfer is abandoned.
  long low_speed_bytes_per_s = 1024;
  long low_speed_seconds = 30;
  std::string user_agent = "samvad-sync/1";
  // Kernel send buffer per connection (0 = the kernel's own autotuning, which on a fast LAN
  // grows to megabytes). Bounded, the progress a UI shows follows the link instead of jumping to
  // "sent" the moment a photo is copied into the kernel, and a cut strands less in the buffer.
  int send_buffer_bytes = 128 << 10;
  // A keep-alive connection idle longer than this is not reused: central closes idle ones after
  // 30 s, and a PATCH must not be the request that finds out.
  long max_idle_reuse_s = 25;
  // A cap on the whole exchange, for a question a person waits on (lookup.h); 0 = none, as the
  // engine's uploads need.
  long total_timeout_s = 0;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpCall {
  std::string method = "GET";     // GET, HEAD, POST, PATCH (PUT for benchmarks' baselines)
  std::string url;
  Headers headers;                // sent as given (Content-Type included)
  std::string_view body;          // POST/PATCH body; must outlive Perform()
  // May libcurl send the body again by itself? It does when a reused keep-alive connection
  // dies before any answer: right for a small create (idempotent, and the usual cause is an
  // idle connection the server closed), wrong for a tus PATCH — a second full copy on a link
  // that just dropped, from an offset central may already have moved past. Not rewindable: the
  // call fails instead, and the uploader asks central where to resume.
  bool rewindable = true;
};

struct HttpResult {
  int status = 0;                 // 0: no HTTP answer (see curl_code)
  int curl_code = 0;              // CURLcode; 0 = the exchange completed
  int os_errno = 0;               // CURLINFO_OS_ERRNO for connect/send/recv failures
  bool connected = false;         // the TCP (and TLS) connection was made
  std::string curl_message;       // curl's own words, for logs
  Headers headers;                // names lower-cased; those of the final response only
  std::string body;               // at most 8 MiB kept
  std::int64_t upload_bytes = 0;  // request body bytes handed to the socket
  std::int64_t request_bytes = 0; // request header bytes
  std::string Header(std::string_view lower_name) const;  // "" when absent
};

enum class Action { Ok, Transient, Permanent, AuthExpired, Conflict };
std::string_view ActionName(Action a);  // "ok", "transient", …

// What the call was for: the same status means different things to different calls (a 409 is a
// broken idempotency promise on a create but a stale offset on a PATCH; 460 exists only for tus).
enum class Op { Create, Feed, Lookup, Catalog, Staff, BundleKeys, TusCreate, TusHead, TusPatch, WorkUpdate, WorkList };

struct Verdict {
  Action action = Action::Ok;
  std::string cause;               // a sentence for staff: "central unreachable: connection refused"
  std::int64_t retry_after_s = -1; // from Retry-After (seconds or HTTP date); -1 = none
};

// Classifies one result. `now` (unix seconds) turns a Retry-After date into seconds.
Verdict Classify(const HttpResult& r, Op op, std::int64_t now);

// Retry-After's value as seconds from `now`: delta-seconds or an HTTP date (RFC 9110 10.2.3).
// -1 when absent or unreadable; a date in the past is 0.
std::int64_t ParseRetryAfter(std::string_view value, std::int64_t now);

// The server's description from an Open311 error body ([{"code":…,"description":…}]), or "".
std::string ErrorDescription(std::string_view body);

class Transport {
 public:
  explicit Transport(TransportConfig config);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Upload progress of the running call: body bytes sent so far. Return false to abort it.
  using Progress = std::function<bool(std::int64_t uploaded)>;
  HttpResult Perform(const HttpCall& call, const Progress& progress = {});

  // Makes the running and every later Perform() return promptly with an aborted result, from any
  // thread (the engine's Stop). Reset() clears it.
  void Cancel() { cancelled_ = true; }
  void Reset() { cancelled_ = false; }
  bool cancelled() const { return cancelled_; }

  // Told of every byte handed to the network (request headers and bodies, as they go), for the
  // engine's rate and wire totals. Set before the first Perform.
  void SetWireObserver(std::function<void(std::int64_t bytes)> observer) { wire_ = std::move(observer); }
  // One line per call ("PATCH /media/3f… -> 204, 16384 bytes up"), for a log window or a trace.
  void SetLog(std::function<void(const std::string& line)> log) { log_ = std::move(log); }

 private:
  TransportConfig cfg_;
  std::function<void(std::int64_t)> wire_;
  std::function<void(const std::string&)> log_;
  void* curl_ = nullptr;  // CURL*: one easy handle, reset between calls, so its connection lives on
  std::atomic<bool> cancelled_{false};
};

}  // namespace samvad::sync
