// transport.cpp — libcurl easy handle and result classification (see transport.h).
//
// [SECTION] Classification
// [SECTION] Transport (libcurl)
#include "sync/client/transport.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "sync/model/dynamic_lib.h"
#include "sync/protocol/json.h"

namespace samvad::sync {

// libcurl is opened at its first use, not linked: libcurl4-openssl brings some forty libraries
// (OpenSSL, Kerberos, LDAP, SSH, …) whose loading cost every start of the kiosk 12 ms before its
// first frame — the startup benchmark went from 1.14 to 1.19 of a bare window (target 1.15) when
// the sync engine was linked in — and a kiosk with no central never needs them.
struct CurlLib {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  time_t (*getdate)(const char*, const time_t*) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  std::string error;  // why it could not be opened; "" when every function was found
};

namespace {

// Once per process (a function-local static: thread-safe), including curl_global_init, which is
// not thread-safe on its own; never closed or cleaned up.
const CurlLib& Curl() {
  static const CurlLib lib = [] {
    CurlLib l;
    model::DynamicLib so("libcurl.so.4");
    so.Find(&l.global_init, "curl_global_init");
    so.Find(&l.easy_init, "curl_easy_init");
    so.Find(&l.easy_cleanup, "curl_easy_cleanup");
    so.Find(&l.easy_reset, "curl_easy_reset");
    so.Find(&l.easy_setopt, "curl_easy_setopt");
    so.Find(&l.easy_perform, "curl_easy_perform");
    so.Find(&l.easy_getinfo, "curl_easy_getinfo");
    so.Find(&l.easy_strerror, "curl_easy_strerror");
    so.Find(&l.getdate, "curl_getdate");
    so.Find(&l.slist_append, "curl_slist_append");
    so.Find(&l.slist_free_all, "curl_slist_free_all");
    if (!so.ok()) {
      l = CurlLib{};
      l.error = so.error() + " (apt-get install libcurl4)";
      return l;
    }
    l.global_init(CURL_GLOBAL_DEFAULT);
    return l;
  }();
  return lib;
}

}  // namespace
}  // namespace samvad::sync

namespace samvad::sync {

std::string HttpResult::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::Ok: return "ok";
    case Action::Transient: return "transient";
    case Action::Permanent: return "permanent";
    case Action::AuthExpired: return "auth_expired";
    case Action::Conflict: break;
  }
  return "conflict";
}

// =============================================================================================
// [SECTION] Classification
// =============================================================================================

std::int64_t ParseRetryAfter(std::string_view value, std::int64_t now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.remove_suffix(1);
  if (value.empty()) return -1;
  bool digits = true;
  for (const char c : value) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    if (value.size() > 9) return 24 * 3600;  // absurd; a day is as long as we ever wait
    std::int64_t s = 0;
    for (const char c : value) s = s * 10 + (c - '0');
    return s;
  }
  // An HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"); curl_getdate reads all three RFC forms.
  const std::string text(value);
  if (!Curl().getdate) return -1;
  const time_t at = Curl().getdate(text.c_str(), nullptr);
  if (at == -1) return -1;
  return at <= now ? 0 : static_cast<std::int64_t>(at) - now;
}

std::string ErrorDescription(std::string_view body) {
  std::string why;
  const auto v = protocol::ParseJson(body, &why);
  if (!v || v->type != protocol::JsonValue::Type::Array || v->items.empty()) return {};
  std::string d = v->items[0].Str("description");
  if (d.size() > 300) d.resize(300);  // a sentence for staff, not a document
  return d;
}

namespace {

std::string Seconds(std::int64_t s) {
  if (s < 120) return std::to_string(s) + " s";
  return std::to_string((s + 30) / 60) + " min";
}

const char* What(Op op) {
  switch (op) {
    case Op::Create: return "complaint";
    case Op::Feed: return "status updates";
    case Op::Lookup: return "status lookup";
    case Op::Catalog: return "catalog";
    case Op::Staff: return "staff accounts";
    case Op::BundleKeys: return "bundle keys";
    case Op::WorkUpdate: return "work update";
    case Op::WorkList: return "assigned complaints";
    case Op::TusCreate:
    case Op::TusHead:
    case Op::TusPatch: break;
  }
  return "photo";
}

Verdict TransportFailure(const HttpResult& r) {
  Verdict v{Action::Transient, {}, -1};
  const auto code = static_cast<CURLcode>(r.curl_code);
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      if (r.os_errno == ECONNREFUSED) v.cause = "central unreachable: connection refused";
      else if (r.os_errno == ENETUNREACH) v.cause = "no network: network unreachable";
      else if (r.os_errno == EHOSTUNREACH) v.cause = "central unreachable: no route to host";
      else if (r.os_errno == ETIMEDOUT) v.cause = "central unreachable: connection timed out";
      else v.cause = "central unreachable: " + std::string(r.os_errno ? std::strerror(r.os_errno) : "cannot connect");
      return v;
    case CURLE_COULDNT_RESOLVE_HOST: v.cause = "central unreachable: its name does not resolve (DNS)"; return v;
    case CURLE_COULDNT_RESOLVE_PROXY: v.cause = "proxy unreachable: its name does not resolve (DNS)"; return v;
    case CURLE_OPERATION_TIMEDOUT:
      v.cause = r.connected ? "link too slow: almost nothing moved for a long time; will resume"
                            : "central unreachable: connection timed out";
      return v;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      v.cause = r.os_errno == ECONNRESET || r.os_errno == EPIPE ? "connection dropped mid-transfer (reset); will resume"
                                                               : "connection dropped mid-transfer; will resume";
      return v;
    case CURLE_GOT_NOTHING: v.cause = "central closed the connection without answering; will retry"; return v;
    case CURLE_PARTIAL_FILE: v.cause = "central's answer was cut off; will retry"; return v;
    case CURLE_ABORTED_BY_CALLBACK: v.cause = "stopped"; return v;
    case CURLE_SSL_CONNECT_ERROR: v.cause = "secure connection to central failed; will retry"; return v;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      v.action = Action::Permanent;
      v.cause = "central's key does not match the pinned key: possible interception; staff must check";
      return v;
    case CURLE_PEER_FAILED_VERIFICATION:
      v.action = Action::Permanent;
      v.cause = "central's certificate is not trusted (check the device clock and CA file)";
      return v;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      v.action = Action::Permanent;
      v.cause = "the CA file in the sync settings cannot be read";
      return v;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      v.action = Action::Permanent;
      v.cause = "central's address in the sync settings is not a valid http(s) URL";
      return v;
    default: break;
  }
  v.cause = "network error: " + (r.curl_message.empty() ? std::string(Curl().easy_strerror ? Curl().easy_strerror(code) : "libcurl not loaded") : r.curl_message);
  return v;
}

}  // namespace

Verdict Classify(const HttpResult& r, Op op, std::int64_t now) {
  if (r.status == 0) return TransportFailure(r);
  Verdict v;
  const int s = r.status;
  const std::string said = ErrorDescription(r.body);
  const auto with = [&](std::string head) {
    if (!said.empty()) {
      head.append(": ");
      head.append(said);
    }
    return head;
  };
  if (s >= 200 && s < 300) return v;
  v.retry_after_s = ParseRetryAfter(r.Header("retry-after"), now);
  const std::string code = std::to_string(s);
  if (s == 503 || s == 429 || s == 502 || s == 504 || s == 408 || s == 425) {
    v.action = Action::Transient;
    std::string head = (s == 503 || s == 429 ? "server busy (" : "central not answering properly (") + code + ")";
    head += v.retry_after_s >= 0 ? ", retrying after " + Seconds(v.retry_after_s) : std::string(", will retry");
    // Central's own words last ("central's disk for photos is full; …"): what staff can act on.
    v.cause = with(std::move(head));
    return v;
  }
  if (s >= 500) {
    // Central's own bug ("the request was not stored"): nothing was kept, so trying later is
    // safe, and a fixed server will take it.
    v.action = Action::Transient;
    v.cause = with("central error (" + code + ")") + "; will retry";
    return v;
  }
  if (s == 401 || s == 403) {
    // On tus calls a 403 can also mean "this upload belongs to another device": the key was
    // fine, the upload is not ours, and no re-enrolment will change that.
    const bool not_ours = said.find("another device") != std::string::npos;
    v.action = not_ours ? Action::Permanent : Action::AuthExpired;
    v.cause = with(not_ours ? std::string("photo refused (") + code + ")" : "device key refused (" + code + ")");
    if (!not_ours && said.empty()) v.cause.append("; enrol this device again");
    return v;
  }
  if (s == 409) {
    v.action = Action::Conflict;
    switch (op) {
      case Op::Create: v.cause = with("central has a different complaint under this complaint's id (409)"); break;
      case Op::TusCreate: v.cause = with("central has another upload for this photo (409)"); break;
      case Op::WorkUpdate: v.cause = with("central has a different update under this update's id (409)"); break;
      case Op::TusPatch: v.cause = with("photo upload out of step with central (409); asking where to resume"); break;
      default: v.cause = with("conflict (409)"); break;
    }
    return v;
  }
  if (s == 460 && (op == Op::TusPatch)) {
    // The device checked the file against its name before sending, so the bytes changed on the
    // way: send again (central kept nothing of them; after a whole-file mismatch it restarts at
    // 0, and HEAD says so). Backoff keeps a link that always mangles from spinning.
    v.action = Action::Transient;
    v.cause = "photo damaged on the way (checksum mismatch, 460); sending it again";
    return v;
  }
  v.action = Action::Permanent;
  if (s == 413) v.cause = with(std::string(What(op)) + " too large for central (413)");
  else if (s == 404) v.cause = with(std::string(What(op)) + " not found on central (404)");
  else if (s >= 300 && s < 400) v.cause = "central answered with a redirect (" + code + "); check its address in the sync settings";
  else v.cause = with(std::string(What(op)) + " refused by central (" + code + ")");
  return v;
}

// =============================================================================================
// [SECTION] Transport (libcurl)
// =============================================================================================

namespace {

constexpr size_t kMaxBody = 8u << 20;

struct CallState {
  HttpResult* result;
  const Transport::Progress* progress;
  const std::atomic<bool>* cancelled;
  const std::function<void(std::int64_t)>* wire;
  std::int64_t reported = 0;  // upload bytes already given to `wire`
  std::string_view body;
  size_t sent = 0;            // body bytes handed to curl
  bool rewindable = true;
  int sndbuf = 0;
  bool refused_retry = false;
};

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* st = static_cast<CallState*>(user);
  const size_t k = std::min(size * n, st->body.size() - st->sent);
  std::memcpy(buf, st->body.data() + st->sent, k);
  st->sent += k;
  return k;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* st = static_cast<CallState*>(user);
  if (!st->rewindable || origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > st->body.size())
    return CURL_SEEKFUNC_CANTSEEK;
  st->sent = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// Called for each new socket, before it connects. A new socket after body bytes went out is
// curl's own retry of a request whose reused connection died (see HttpCall::rewindable): for a
// body that may not be sent twice, refuse it here, before the retry costs a connection.
int OnSocket(void* user, curl_socket_t fd, curlsocktype) {
  auto* st = static_cast<CallState*>(user);
  if (!st->rewindable && st->sent > 0) {
    st->refused_retry = true;
    return CURL_SOCKOPT_ERROR;
  }
  if (st->sndbuf > 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &st->sndbuf, sizeof st->sndbuf);
  return CURL_SOCKOPT_OK;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<CallState*>(user);
  const size_t bytes = size * n;
  if (st->result->body.size() + bytes <= kMaxBody) st->result->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<CallState*>(user);
  const size_t bytes = size * n;
  std::string_view line(data, bytes);
  // A new status line (after a 100 Continue, say) starts a new set of headers.
  if (line.rfind("HTTP/", 0) == 0) {
    st->result->headers.clear();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
  st->result->headers.emplace_back(std::move(name), std::string(value));
  return bytes;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* st = static_cast<CallState*>(user);
  if (*st->wire && ulnow > st->reported) {
    (*st->wire)(static_cast<std::int64_t>(ulnow) - st->reported);
    st->reported = static_cast<std::int64_t>(ulnow);
  }
  if (*st->cancelled) return 1;
  if (*st->progress && !(*st->progress)(static_cast<std::int64_t>(ulnow))) return 1;
  return 0;
}

}  // namespace

Transport::Transport(TransportConfig config) : cfg_(std::move(config)) {
  if (Curl().easy_init) curl_ = Curl().easy_init();
}

Transport::~Transport() {
  if (curl_) Curl().easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResult Transport::Perform(const HttpCall& call, const Progress& progress) {
  HttpResult r;
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) {
    r.curl_code = CURLE_FAILED_INIT;
    r.curl_message = Curl().error.empty() ? "libcurl could not initialise" : Curl().error;
    return r;
  }
  const CurlLib& api = Curl();
  if (cancelled_) {
    r.curl_code = CURLE_ABORTED_BY_CALLBACK;
    return r;
  }
  // Reset forgets every option but keeps the connection cache: keep-alive across calls.
  api.easy_reset(c);
  CallState st{&r, &progress, &cancelled_, &wire_, 0, {}, 0, true, 0};
  st.body = call.body;
  st.rewindable = call.rewindable;
  st.sndbuf = cfg_.send_buffer_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};
  api.easy_setopt(c, CURLOPT_URL, call.url.c_str());
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, cfg_.connect_timeout_s);
  if (cfg_.total_timeout_s > 0) api.easy_setopt(c, CURLOPT_TIMEOUT, cfg_.total_timeout_s);
  api.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, cfg_.low_speed_bytes_per_s);
  api.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, cfg_.low_speed_seconds);
  api.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  api.easy_setopt(c, CURLOPT_MAXAGE_CONN, cfg_.max_idle_reuse_s);
  api.easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, &OnSocket);
  api.easy_setopt(c, CURLOPT_SOCKOPTDATA, &st);
  api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  api.easy_setopt(c, CURLOPT_USERAGENT, cfg_.user_agent.c_str());
  // "" disables proxies altogether, including http_proxy in the environment: a kiosk's route is
  // what staff configured, not what the shell that started it happened to export.
  api.easy_setopt(c, CURLOPT_PROXY, cfg_.proxy.c_str());
  if (!cfg_.ca_file.empty()) api.easy_setopt(c, CURLOPT_CAINFO, cfg_.ca_file.c_str());
  if (!cfg_.pinned_public_key.empty()) api.easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, cfg_.pinned_public_key.c_str());
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  api.easy_setopt(c, CURLOPT_WRITEDATA, &st);
  api.easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  api.easy_setopt(c, CURLOPT_HEADERDATA, &st);
  api.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  api.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  api.easy_setopt(c, CURLOPT_XFERINFODATA, &st);

  if (call.method == "HEAD") {
    api.easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (call.method == "POST" || call.method == "PATCH" || call.method == "PUT") {
    // The body through a read callback (not POSTFIELDS) so that curl must ask before sending
    // it a second time (OnSeek, HttpCall::rewindable).
    api.easy_setopt(c, CURLOPT_POST, 1L);
    api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    api.easy_setopt(c, CURLOPT_READFUNCTION, &OnRead);
    api.easy_setopt(c, CURLOPT_READDATA, &st);
    api.easy_setopt(c, CURLOPT_SEEKFUNCTION, &OnSeek);
    api.easy_setopt(c, CURLOPT_SEEKDATA, &st);
    if (call.method != "POST") api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  } else if (call.method != "GET") {
    api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  curl_slist* list = nullptr;
  // No "Expect: 100-continue": it costs a round trip (or curl's 1 s wait) per upload, which on a
  // 300 ms link is more than a whole thumbnail takes to send.
  list = api.slist_append(list, "Expect:");
  for (const auto& [k, v] : call.headers) {
    const std::string line = k + ": " + v;
    list = api.slist_append(list, line.c_str());
  }
  api.easy_setopt(c, CURLOPT_HTTPHEADER, list);

  const CURLcode rc = api.easy_perform(c);
  api.slist_free_all(list);
  r.curl_code = rc;
  long status = 0, os_errno = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  api.easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  curl_off_t up = 0, connect_us = 0;
  long req_size = 0;
  api.easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
  api.easy_getinfo(c, CURLINFO_REQUEST_SIZE, &req_size);
  api.easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
  r.upload_bytes = static_cast<std::int64_t>(up);
  r.request_bytes = req_size;
  r.os_errno = static_cast<int>(os_errno);
  r.connected = connect_us > 0;
  if (wire_) wire_(r.request_bytes + std::max<std::int64_t>(0, r.upload_bytes - st.reported));
  if (rc == CURLE_OK) {
    r.status = static_cast<int>(status);
  } else if (st.refused_retry || rc == CURLE_SEND_FAIL_REWIND) {
    r.status = 0;
    r.curl_code = CURLE_SEND_ERROR;
    r.os_errno = ECONNRESET;
    r.curl_message = "connection dropped during the body; not sending it again";
  } else {
    // A response that was only half read is no answer: the caller must not act on its status.
    r.status = 0;
    r.curl_message = errbuf[0] ? errbuf : api.easy_strerror(rc);
  }
  if (log_) {
    const size_t path = call.url.find('/', call.url.find("://") + 3);
    std::string line = call.method + " " + (path == std::string::npos ? call.url : call.url.substr(path)) + " -> ";
    line.append(r.status ? std::to_string(r.status) : "no answer (" + r.curl_message + ")");
    line.append(", " + std::to_string(r.upload_bytes) + " bytes up");
    if (const std::string off = r.Header("upload-offset"); !off.empty()) line.append(", offset " + off);
    log_(line);
  }
  return r;
}

}  // namespace samvad::sync
