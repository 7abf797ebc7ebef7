// http.cpp — libmicrohttpd glue (see http.h).
//
// MHD calls the access handler several times per request: once when the headers are in (we
// build the HttpRequest and ask the router for a handler), once per body piece, and once more
// with no data when the body is complete (we answer then). The completed-callback runs for every
// request, answered or not; an unanswered one is an abort (OnAbort).
#include "sync/central/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace samvad::central {

const std::string* HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return &v;
  return nullptr;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return r;
}

namespace {

struct Exchange {
  HttpRequest req;
  std::unique_ptr<RequestHandler> handler;
  bool answered = false;
};

// MHD would %-decode the path and query itself, leniently; we keep them raw and decode with
// protocol/form.h, which refuses bad escapes and invalid UTF-8 with a reason (a 400, not a guess).
size_t KeepRaw(void*, MHD_Connection*, char* s) { return std::strlen(s); }

MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* req = static_cast<HttpRequest*>(cls);
  std::string k(key ? key : "");
  for (auto& c : k) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  req->headers.emplace_back(std::move(k), value ? value : "");
  return MHD_YES;
}

MHD_Result CollectArg(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* req = static_cast<HttpRequest*>(cls);
  protocol::FormField f;
  std::string why;
  if (!protocol::PercentDecode(key ? key : "", true, &f.name, &why) ||
      !protocol::PercentDecode(value ? value : "", true, &f.value, &why)) {
    if (req->query_error.empty()) req->query_error = why + " in the query string";
    return MHD_YES;
  }
  req->query.push_back(std::move(f));
  return MHD_YES;
}

MHD_Result Queue(MHD_Connection* conn, HttpResponse& r) {
  MHD_Response* resp;
  if (r.fd >= 0) {
    resp = MHD_create_response_from_fd64(r.fd_size, r.fd);
  } else {
    resp = MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
  }
  if (!resp) return MHD_NO;
  for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
  const MHD_Result ok = MHD_queue_response(conn, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ok;
}

MHD_Result Access(void* cls, MHD_Connection* conn, const char* url, const char* method, const char*,
                  const char* upload_data, size_t* upload_data_size, void** con_cls) {
  auto* router = static_cast<Router*>(cls);
  if (*con_cls == nullptr) {
    auto ex = std::make_unique<Exchange>();
    ex->req.method = method;
    ex->req.path = url;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, CollectHeader, &ex->req);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, CollectArg, &ex->req);
    ex->handler = (*router)(ex->req);
    *con_cls = ex.release();
    return MHD_YES;
  }
  auto* ex = static_cast<Exchange*>(*con_cls);
  if (*upload_data_size > 0) {
    ex->handler->OnBody(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (ex->answered) return MHD_YES;
  HttpResponse r = ex->handler->OnComplete();
  ex->answered = true;
  return Queue(conn, r);
}

void Completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  auto* ex = static_cast<Exchange*>(*con_cls);
  if (!ex) return;
  if (!ex->answered && ex->handler) ex->handler->OnAbort();
  delete ex;
  *con_cls = nullptr;
}

// MHD's own messages (a client that hung up mid-request, …), marked as coming from the HTTP layer.
__attribute__((format(printf, 2, 0))) void LogMhd(void*, const char* fmt, va_list ap) {
  std::fputs("samvad-central (http): ", stderr);
  std::vfprintf(stderr, fmt, ap);
}

bool IsLoopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

int ListenTcp(const std::string& host_port, bool allow_public, std::string* bound, std::string* error) {
  std::string host, port;
  if (!host_port.empty() && host_port[0] == '[') {
    const size_t close = host_port.find("]:");
    if (close == std::string::npos) {
      *error = "--listen '" + host_port + "': expected [IPV6]:PORT";
      return -1;
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    const size_t colon = host_port.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      *error = "--listen '" + host_port + "': expected HOST:PORT, e.g. 127.0.0.1:8311";
      return -1;
    }
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    *error = "--listen '" + host_port + "': " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    if (!IsLoopback(ai->ai_addr) && !allow_public) {
      *error = "--listen " + host_port +
               " is not a loopback address; central listens on loopback only (put a TLS proxy in front) "
               "unless --public is given";
      continue;
    }
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0) {
      error->clear();
      break;
    }
    *error = "--listen " + host_port + ": " + std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  char name[INET6_ADDRSTRLEN] = "";
  unsigned short p = 0;
  if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, name, sizeof name);
    p = ntohs(in6->sin6_port);
    *bound = "[" + std::string(name) + "]:" + std::to_string(p);
  } else {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, name, sizeof name);
    p = ntohs(in->sin_port);
    *bound = std::string(name) + ":" + std::to_string(p);
  }
  return fd;
}

bool HttpServer::Start(int listen_fd, unsigned threads, Router router, std::string* error) {
  router_ = std::move(router);
  // A pool of threads each polling with epoll: handlers block on the database and on fsync, so
  // more than one thread, but not a thread per connection (a city has thousands of devices).
  daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &Access, &router_,
      MHD_OPTION_EXTERNAL_LOGGER, &LogMhd, nullptr,  // first, or MHD logs the options' errors its own way
      MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
      // tus recommends a 30 s timeout; a stalled kiosk on 2G should not hold a thread for ever.
      MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 1000u,
      // MHD hands a body over in pieces no larger than a connection's buffer (32 KiB by
      // default): 256 KiB makes a photo ~2 writes instead of ~10, at 1000 connections' worst.
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(256 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
      &Completed, nullptr, MHD_OPTION_UNESCAPE_CALLBACK, &KeepRaw, nullptr, MHD_OPTION_END);
  if (!daemon_) {
    *error = "libmicrohttpd could not start";
    return false;
  }
  return true;
}

void HttpServer::Stop() {
  if (daemon_) MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

}  // namespace samvad::central
