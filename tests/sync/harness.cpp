// harness.cpp — HTTP client, process runner and throwaway PostgreSQL for the central tests
// (see harness.h).
//
// [SECTION] HTTP client
// [SECTION] Processes and files
// [SECTION] PostgreSQL: one throwaway cluster per test process
// [SECTION] samvad-central as a process
#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "sync/protocol/tus.h"

extern char** environ;

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

namespace {

// Spawns argv with stdout+stderr into a pipe (read end returned in *out_fd); -1 pid on failure.
pid_t Spawn(const std::vector<std::string>& argv, int* out_fd, bool merge_stderr) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&fa, p[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  *out_fd = p[0];
  return pid;
}

}  // namespace

RunResult Run(const std::vector<std::string>& argv) {
  RunResult r;
  int fd = -1;
  const pid_t pid = Spawn(argv, &fd, true);
  if (pid < 0) {
    if (fd >= 0) close(fd);
    r.out = "cannot run " + argv[0];
    return r;
  }
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return protocol::tus::Base64Encode(std::string_view(reinterpret_cast<const char*>(h), sizeof h));
}

protocol::Form CreateForm(const std::string& api_key, const std::string& uuid, const std::string& service_code,
                          const std::string& description) {
  return {{"api_key", api_key},       {"service_code", service_code},  {"lat", "19.0176"},
          {"long", "72.8562"},        {"description", description},    {"attribute[client_uuid]", uuid},
          {"attribute[ward]", "08"}};
}

// ---------------------------------------------------------------------------------------------
// [SECTION] PostgreSQL: one throwaway cluster per test process, in a temp folder, on a Unix
// socket only
// ---------------------------------------------------------------------------------------------

bool UsingPostgres() {
  const char* b = std::getenv("SAMVAD_TEST_BACKEND");
  return b && std::strcmp(b, "postgresql") == 0;
}

namespace {

struct PgCluster {
  std::string dir, bin;
  std::vector<std::string> as_user;  // prefix that runs a command as the unprivileged owner
  bool started = false;
  std::atomic<int> next_db{0};
  std::mutex mu;

  std::vector<std::string> Cmd(const std::string& tool, std::vector<std::string> args) const {
    std::vector<std::string> argv = as_user;
    argv.push_back(bin + "/" + tool);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  ~PgCluster() {
    if (started) Run(Cmd("pg_ctl", {"-D", dir + "/data", "-m", "immediate", "-w", "stop"}));
    if (!dir.empty()) RemoveTree(dir);
  }
};

// util-linux's tools live in sbin, which a CI job's PATH may lack.
std::string Tool(const char* name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    const std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return name;
}

PgCluster& Cluster() {
  static PgCluster c;
  return c;
}

}  // namespace

bool StartPostgres(std::string* why) {
  PgCluster& c = Cluster();
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.started) return true;
  // SAMVAD_TEST_PG_BINDIR picks another installation (and, set to a bad path, shows the skip).
  if (const char* dir = std::getenv("SAMVAD_TEST_PG_BINDIR")) {
    c.bin = dir;
  } else {
    glob_t g{};
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
      c.bin = std::filesystem::path(g.gl_pathv[g.gl_pathc - 1]).parent_path();  // highest version
    globfree(&g);
  }
  if (c.bin.empty() || access((c.bin + "/initdb").c_str(), X_OK) != 0) {
    *why = "no PostgreSQL server binaries (initdb) in " + (c.bin.empty() ? std::string("/usr/lib/postgresql/*/bin") : c.bin) +
           "; apt-get install postgresql-15";
    return false;
  }
  // Runs before Catch's session exists (central_main.cpp), so no REQUIRE in here.
  std::string templ = "/tmp/samvad-pg-XXXXXX";
  if (!mkdtemp(templ.data())) {
    *why = std::string("mkdtemp: ") + std::strerror(errno);
    return false;
  }
  c.dir = templ;
  // PostgreSQL refuses to run as root. As root (CI), the cluster belongs to the 'postgres' user
  // the Debian package creates, run through runuser; failing that, to 'nobody' through setpriv.
  if (geteuid() == 0) {
    if (const passwd* pw = getpwnam("postgres")) {
      if (chown(c.dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) { *why = "chown of the cluster folder failed"; return false; }
      c.as_user = {Tool("runuser"), "-u", "postgres", "--"};
    } else if (const passwd* nb = getpwnam("nobody")) {
      if (chown(c.dir.c_str(), nb->pw_uid, nb->pw_gid) != 0) { *why = "chown of the cluster folder failed"; return false; }
      c.as_user = {Tool("setpriv"), "--reuid=" + std::to_string(nb->pw_uid), "--regid=" + std::to_string(nb->pw_gid),
                   "--clear-groups", "--"};
    } else {
      *why = "running as root and there is neither a 'postgres' nor a 'nobody' user to run PostgreSQL as";
      return false;
    }
  }
  RunResult r = Run(c.Cmd("initdb", {"-D", c.dir + "/data", "-A", "trust", "-U", "samvad", "-E", "UTF8", "--no-sync"}));
  if (r.exit_code != 0) {
    *why = "initdb failed: " + r.out;
    return false;
  }
  // No TCP at all: a Unix socket in our own folder, so nothing listens on any address.
  r = Run(c.Cmd("pg_ctl", {"-D", c.dir + "/data", "-l", c.dir + "/log", "-w", "-t", "30", "-o",
                           "-k " + c.dir + " -c listen_addresses='' -c fsync=off -c max_connections=200", "start"}));
  if (r.exit_code != 0) {
    std::FILE* f = std::fopen((c.dir + "/log").c_str(), "r");
    std::string log;
    char buf[512];
    while (f && std::fgets(buf, sizeof buf, f)) log += buf;
    if (f) std::fclose(f);
    *why = "pg_ctl start failed: " + r.out + log;
    return false;
  }
  c.started = true;
  return true;
}

std::string NewPostgresDatabase() {
  PgCluster& c = Cluster();
  REQUIRE(c.started);
  const std::string name = "central_" + std::to_string(c.next_db++);
  PGconn* conn = PQconnectdb(("host=" + c.dir + " user=samvad dbname=postgres").c_str());
  INFO(PQerrorMessage(conn));
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* res = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
  PQclear(res);
  PQfinish(conn);
  REQUIRE(ok);
  return "postgresql:///" + name + "?host=" + c.dir + "&user=samvad";
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

Central::Central() {
  dir_ = MakeTempDir("samvad-central");
  db_url_ = UsingPostgres() ? NewPostgresDatabase() : "sqlite:" + dir_ + "/central.db";
  int fd = -1;
  pid_ = Spawn({SAMVAD_CENTRAL_BINARY, "serve", "--db", db_url_, "--listen", "127.0.0.1:0", "--media",
                dir_ + "/media", "--catalog", SAMVAD_SOURCE_DIR "/assets/catalog", "--threads", "4"},
               &fd, false);
  REQUIRE(pid_ > 0);
  // Wait for "listening on http://127.0.0.1:PORT"; the server binds port 0, so no port races.
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    const size_t at = out.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) port_ = std::atoi(out.c_str() + at + 30);
  }
  close(fd);
  INFO("samvad-central said: " << out);
  REQUIRE(port_ > 0);
}

Central::~Central() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  RemoveTree(dir_);
}

RunResult Central::Cli(std::vector<std::string> args) const {
  std::vector<std::string> argv{SAMVAD_CENTRAL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--db");
  argv.push_back(db_url_);
  return Run(argv);
}

std::string Central::EnrollDevice(const std::string& label, std::string* device_id) const {
  const RunResult r = Cli({"enroll", "--label", label});
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  const size_t at = r.out.find("code:");
  REQUIRE(at != std::string::npos);
  std::string code = r.out.substr(at + 5, r.out.find('\n', at) - at - 5);
  code.erase(0, code.find_first_not_of(' '));
  const Reply reply = PostForm(port_, "/devices/enroll.json", {{"code", code}});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  const auto json = reply.Json();
  REQUIRE(json.items.size() == 1);
  if (device_id) *device_id = json.items[0].Str("device_id");
  return json.items[0].Str("api_key");
}

}  // namespace samvad::testing
