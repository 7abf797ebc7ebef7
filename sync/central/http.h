// http.h — the HTTP/1.1 edge of central, on libmicrohttpd (DESIGN.md says why that library).
// It hands the rest of the server a parsed request (method, raw path, decoded query, headers)
// and a per-request handler that sees the body as it arrives — needed by tus PATCH, which writes
// bytes to disk as they come and must know when the peer vanished mid-body. Routing, auth and
// Open311 live in api*.cpp; nothing here knows about them.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sync/protocol/form.h"

struct MHD_Daemon;

namespace samvad::central {

struct HttpRequest {
  std::string method;
  std::string path;               // as sent, still %-encoded, without the query
  protocol::Form query;           // decoded query-string fields
  std::string query_error;        // non-empty when the query string was not decodable
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  const std::string* Header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int fd = -1;                // when >= 0 the body is this file's first fd_size bytes (closed after)
  std::uint64_t fd_size = 0;
  static HttpResponse Json(int status, std::string body);
};

// One per request, made by the router once the headers are in.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void OnBody(const char* data, size_t n) = 0;
  // The whole request arrived; whatever it commits is committed before the response is sent.
  virtual HttpResponse OnComplete() = 0;
  // The peer went away (or timed out) before the request was complete.
  virtual void OnAbort() {}
};

using Router = std::function<std::unique_ptr<RequestHandler>(const HttpRequest&)>;

// Binds and listens on "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "localhost:0"). Anything but a
// loopback address is refused unless `allow_public`: a kiosk network is not a place to discover
// by accident that the queue was listening on every interface. Returns the socket, or -1 with
// `error`; `bound` gets "HOST:PORT" with the real port (PORT 0 picks a free one).
int ListenTcp(const std::string& host_port, bool allow_public, std::string* bound, std::string* error);

class HttpServer {
 public:
  HttpServer() = default;
  ~HttpServer() { Stop(); }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Serves on `listen_fd` with `threads` worker threads until Stop().
  bool Start(int listen_fd, unsigned threads, Router router, std::string* error);
  void Stop();

 private:
  MHD_Daemon* daemon_ = nullptr;
  Router router_;
};

}  // namespace samvad::central
