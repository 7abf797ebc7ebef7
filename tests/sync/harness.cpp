// harness.cpp — HTTP client and Catch2 wrappers over tests/support/central_process.h for the
// central tests (see harness.h).
//
// [SECTION] HTTP client
// [SECTION] Processes and files
// [SECTION] PostgreSQL
// [SECTION] samvad-central as a process
// [SECTION] field work: CLI with standard input, staff, uploads
#include "harness.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sync/model/sha256.h"
#include "sync/protocol/tus.h"

namespace samvad::testing {

// ---------------------------------------------------------------------------------------------
// [SECTION] HTTP client
// ---------------------------------------------------------------------------------------------

std::string Reply::Header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

protocol::JsonValue Reply::Json() const {
  std::string why;
  auto v = protocol::ParseJson(body, &why);
  INFO("status " << status << ", body: " << body << ", " << why);
  REQUIRE(v.has_value());
  return *v;
}

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{15, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Reply Http(int port, const std::string& method, const std::string& target, const std::string& body,
           const Headers& headers) {
  Reply reply;
  const int fd = ConnectLoopback(port);
  if (fd < 0) {
    reply.error = std::string("connect: ") + std::strerror(errno);
    return reply;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n";
  req += body;
  // A server may answer early and close (an error before the body); read what it said anyway.
  const bool sent = SendAll(fd, req);
  std::string raw;
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0 && raw.empty()) reply.error = std::string("recv: ") + std::strerror(errno);
      break;
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) {
    if (reply.error.empty()) reply.error = sent ? "no HTTP response" : "send failed and no response";
    return reply;
  }
  reply.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    const size_t eol = raw.find("\r\n", pos);
    const std::string line = raw.substr(pos, eol - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string k = line.substr(0, colon);
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t vs = colon + 1;
      while (vs < line.size() && line[vs] == ' ') ++vs;
      reply.headers[k] = line.substr(vs);
    }
    pos = eol + 2;
  }
  reply.body = method == "HEAD" ? std::string() : raw.substr(end + 4);
  if (const auto it = reply.headers.find("content-length"); it != reply.headers.end() && method != "HEAD")
    reply.body.resize(std::min(reply.body.size(), static_cast<size_t>(std::stoull(it->second))));
  return reply;
}

Reply PostForm(int port, const std::string& target, const protocol::Form& form, const Headers& headers) {
  Headers h = headers;
  h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return Http(port, "POST", target, protocol::EncodeForm(form), h);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Processes and files
// ---------------------------------------------------------------------------------------------

RunResult Run(const std::vector<std::string>& argv) {
  RunResult r;
  r.exit_code = RunProcess(argv, &r.out);
  return r;
}

std::string MakeTempDir(const char* prefix) {
  std::string templ = std::string("/tmp/") + prefix + "-XXXXXX";
  REQUIRE(mkdtemp(templ.data()) != nullptr);
  return templ;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

bool CanMountSmallTmpfs() {
  std::string why;
  if (RunShell("unshare -Urm sh -c "
               "'d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\"' 2>&1",
               &why) == 0)
    return true;
  WARN("SKIPPED: this kernel gives no user and mount namespace to mount a small tmpfs in (" + why + ")");
  return false;
}

std::string NewUuid() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string Sha256Base64(std::string_view bytes) {
  const auto h = model::Sha256Of(bytes.data(), bytes.size());
  return protocol::tus::Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string Sha256Hex(std::string_view bytes) { return model::Sha256Hex(bytes); }

protocol::Form CreateForm(const std::string& api_key, const std::string& uuid, const std::string& service_code,
                          const std::string& description) {
  return {{"api_key", api_key},       {"service_code", service_code},  {"lat", "19.0176"},
          {"long", "72.8562"},        {"description", description},    {"attribute[client_uuid]", uuid},
          {"attribute[ward]", "08"}};
}

// ---------------------------------------------------------------------------------------------
// [SECTION] PostgreSQL (the cluster itself: tests/support/central_process.cpp)
// ---------------------------------------------------------------------------------------------

bool UsingPostgres() {
  const char* b = std::getenv("SAMVAD_TEST_BACKEND");
  return b && std::strcmp(b, "postgresql") == 0;
}

bool StartPostgres(std::string* why) { return StartTestCluster(/*durable=*/false, why); }

std::string NewPostgresDatabase() {
  std::string why;
  const std::string url = NewClusterDatabase(&why);
  INFO(why);
  REQUIRE(!url.empty());
  return url;
}

void ExecSql(const std::string& db_url, const std::string& sql) {
  if (db_url.rfind("sqlite:", 0) == 0) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_url.substr(7).c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    INFO(sqlite3_errmsg(db));
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
    return;
  }
  PGconn* conn = PQconnectdb(db_url.c_str());
  INFO(PQerrorMessage(conn));
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* res = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
  PQclear(res);
  PQfinish(conn);
  REQUIRE(ok);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] samvad-central as a process
// ---------------------------------------------------------------------------------------------

Central::Central() : Central(std::vector<std::string>{}) {}

Central::Central(std::vector<std::string> wrapper, const std::string& media, std::vector<std::string> serve_options) {
  dir_ = MakeTempDir("samvad-central");
  db_url_ = UsingPostgres() ? NewPostgresDatabase() : "sqlite:" + dir_ + "/central.db";
  std::string why;
  process_.SetWrapper(std::move(wrapper));
  process_.SetServeOptions(std::move(serve_options));
  const bool started = process_.Start(db_url_, media.empty() ? dir_ + "/media" : media, 0, "", &why);
  INFO(why);
  REQUIRE(started);
  port_ = process_.port();
}

Central::~Central() {
  process_.Stop();
  RemoveTree(dir_);
}

RunResult Central::Cli(std::vector<std::string> args) const {
  RunResult r;
  r.exit_code = process_.Cli(std::move(args), &r.out);
  return r;
}

std::string Central::EnrollDevice(const std::string& label, std::string* device_id,
                                  const std::vector<std::string>& extra) const {
  std::string why;
  const std::string code = process_.NewEnrolmentCode(label, &why, extra);
  INFO(why);
  REQUIRE(!code.empty());
  const Reply reply = PostForm(port_, "/devices/enroll.json", {{"code", code}});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  const auto json = reply.Json();
  REQUIRE(json.items.size() == 1);
  if (device_id) *device_id = json.items[0].Str("device_id");
  return json.items[0].Str("api_key");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] field work: CLI with standard input, staff, uploads
// ---------------------------------------------------------------------------------------------

RunResult Central::CliWithInput(std::vector<std::string> args, const std::string& input) const {
  const std::string file = dir_ + "/stdin-" + NewUuid();
  {
    std::FILE* f = std::fopen(file.c_str(), "wb");
    REQUIRE(f);
    REQUIRE(std::fwrite(input.data(), 1, input.size(), f) == input.size());
    std::fclose(f);
  }
  // sh only redirects; the arguments pass through "$@" untouched, never through a shell parse.
  std::vector<std::string> argv{"/bin/sh", "-c", "f=$1; shift; exec \"$@\" < \"$f\"", "sh", file, CentralBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--db");
  argv.push_back(db_url_);
  RunResult r = Run(argv);
  std::remove(file.c_str());
  return r;
}

void Central::AddStaff(const std::string& user, const std::string& pin, const std::string& role,
                       const std::string& ward, const std::string& dept, const std::string& name) const {
  const RunResult r = CliWithInput(
      {"staff", "add", "--user", user, "--name", name, "--ward", ward, "--dept", dept, "--role", role}, pin + "\n");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
}

std::string NoiseBytes(size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed ? seed : 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xFF);
  }
  return s;
}

std::string UploadWhole(int port, const std::string& api_key,
                        const std::vector<std::pair<std::string, std::string>>& metadata, const std::string& bytes) {
  protocol::tus::Metadata md(metadata.begin(), metadata.end());
  md.emplace_back("filetype", "image/jpeg");
  md.emplace_back("sha256", Sha256Hex(bytes));
  const Reply r = Http(port, "POST", "/media", bytes,
                       {{"Tus-Resumable", "1.0.0"},
                        {"Authorization", "Bearer " + api_key},
                        {"Upload-Length", std::to_string(bytes.size())},
                        {"Upload-Metadata", protocol::tus::FormatMetadata(md)},
                        {"Content-Type", "application/offset+octet-stream"}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  REQUIRE(r.Header("upload-offset") == std::to_string(bytes.size()));
  const std::string loc = r.Header("location");
  const size_t at = loc.find("/media/");
  REQUIRE(at != std::string::npos);
  return loc.substr(at);
}

}  // namespace samvad::testing
