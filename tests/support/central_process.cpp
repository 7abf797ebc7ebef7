// central_process.cpp — see central_process.h.
//
// [SECTION] Files, ports, processes
// [SECTION] PostgreSQL: one throwaway cluster per process
// [SECTION] samvad-central as a restartable process
// [SECTION] nginx
#include "tests/support/central_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

extern char** environ;

#if !defined(SAMVAD_CENTRAL_BINARY) || !defined(SAMVAD_SOURCE_DIR)
#error "SAMVAD_CENTRAL_BINARY and SAMVAD_SOURCE_DIR must be defined by CMake"
#endif

namespace samvad::testing {

// =============================================================================================
// [SECTION] Files, ports, processes
// =============================================================================================

TempDir::TempDir(const std::string& tag, const std::string& parent) {
  std::string templ = parent + "/samvad-" + tag + "-XXXXXX";
  if (mkdtemp(templ.data())) path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty() && !std::getenv("SAMVAD_KEEP_TMP")) std::filesystem::remove_all(path_, ec);
}

int FreeLoopbackPort() {
  // Below the kernel's ephemeral range (ip_local_port_range, 32768–60999 on Debian): a port
  // inside it can be taken, between this call and the bind that wants it — or while a central
  // killed with -9 is down before its restart on the same port — as the local port of any
  // outgoing connection, and the sync tests make thousands of those at once. Each process starts
  // at its own place in the range, so tests running side by side do not try the same ports.
  constexpr int kFirst = 20000, kCount = 12000;
  static std::atomic<unsigned> next{static_cast<unsigned>(getpid()) * 7919u};
  for (int tries = 0; tries < kCount; ++tries) {
    const int port = kFirst + static_cast<int>(next++ % kCount);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (free) return port;
  }
  return 0;
}

std::string CentralBinary() { return SAMVAD_CENTRAL_BINARY; }
std::string CatalogDir() { return std::string(SAMVAD_SOURCE_DIR) + "/assets/catalog"; }

pid_t SpawnProcess(const std::vector<std::string>& argv, int* out_fd, bool merge_stderr) {
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

int RunProcess(const std::vector<std::string>& argv, std::string* out) {
  int fd = -1;
  const pid_t pid = SpawnProcess(argv, &fd);
  if (pid < 0) {
    if (fd >= 0) close(fd);
    *out = "cannot run " + argv[0];
    return -1;
  }
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int RunShell(const std::string& command, std::string* out) { return RunProcess({"/bin/sh", "-c", command}, out); }

void StopProcess(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

namespace {

// util-linux's tools live in sbin, which a CI job's PATH may lack.
std::string Tool(const char* name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    const std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return name;
}

}  // namespace

// =============================================================================================
// [SECTION] PostgreSQL: initdb -A trust, a Unix socket in a temp folder, no TCP; as root, run as
// 'postgres' or 'nobody'
// =============================================================================================

namespace {

struct Cluster {
  std::mutex mu;
  std::string dir, bin;
  std::vector<std::string> as_user;
  bool started = false, failed = false;
  std::string why;
  std::atomic<int> next{0};
  std::vector<std::string> Cmd(const std::string& tool, std::vector<std::string> args) const {
    std::vector<std::string> argv = as_user;
    argv.push_back(bin + "/" + tool);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  ~Cluster() {
    std::string out;
    if (started) RunProcess(Cmd("pg_ctl", {"-D", dir + "/data", "-m", "immediate", "-w", "stop"}), &out);
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

Cluster& Pg() {
  static Cluster c;
  return c;
}

}  // namespace

bool StartTestCluster(bool durable, std::string* why) {
  Cluster& c = Pg();
  std::lock_guard lock(c.mu);
  if (c.started) return true;
  if (c.failed) {
    *why = c.why;
    return false;
  }
  c.failed = true;  // until proven otherwise
  // SAMVAD_TEST_PG_BINDIR picks another installation (and, set to a bad path, shows the skip).
  if (const char* dir = std::getenv("SAMVAD_TEST_PG_BINDIR")) {
    c.bin = dir;
  } else {
    glob_t g{};
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
      c.bin = std::filesystem::path(g.gl_pathv[g.gl_pathc - 1]).parent_path();
    globfree(&g);
  }
  if (c.bin.empty() || access((c.bin + "/initdb").c_str(), X_OK) != 0) {
    *why = c.why = "no PostgreSQL server binaries (initdb); apt-get install postgresql-15";
    return false;
  }
  std::string templ = "/tmp/samvad-pg-XXXXXX";
  if (!mkdtemp(templ.data())) {
    *why = c.why = "mkdtemp failed";
    return false;
  }
  c.dir = templ;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (!pw) pw = getpwnam("nobody");
    if (!pw || chown(c.dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *why = c.why = "running as root with no 'postgres' or 'nobody' user to run PostgreSQL as";
      return false;
    }
    if (std::string(pw->pw_name) == "postgres") c.as_user = {Tool("runuser"), "-u", "postgres", "--"};
    else c.as_user = {Tool("setpriv"), "--reuid=" + std::to_string(pw->pw_uid), "--regid=" + std::to_string(pw->pw_gid), "--clear-groups", "--"};
  }
  std::string out;
  if (RunProcess(c.Cmd("initdb", {"-D", c.dir + "/data", "-A", "trust", "-U", "samvad", "-E", "UTF8", "--no-sync"}), &out) != 0) {
    *why = c.why = "initdb failed: " + out;
    return false;
  }
  out.clear();
  if (RunProcess(c.Cmd("pg_ctl", {"-D", c.dir + "/data", "-l", c.dir + "/log", "-w", "-t", "30", "-o",
                                  "-k " + c.dir + " -c listen_addresses='' -c max_connections=200" + (durable ? "" : " -c fsync=off"), "start"}),
                 &out) != 0) {
    std::string log;
    RunProcess({"/bin/cat", c.dir + "/log"}, &log);
    *why = c.why = "pg_ctl start failed: " + out + log;
    return false;
  }
  c.started = true;
  c.failed = false;
  return true;
}

std::string NewClusterDatabase(std::string* why) {
  if (!StartTestCluster(false, why)) return {};  // started already: returns at once
  Cluster& c = Pg();
  const std::string name = "db_" + std::to_string(getpid()) + "_" + std::to_string(c.next++);
  PGconn* conn = PQconnectdb(("host=" + c.dir + " user=samvad dbname=postgres").c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* res = PQexec(conn, ("CREATE DATABASE " + name).c_str());
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
  }
  if (!ok) *why = PQerrorMessage(conn);
  PQfinish(conn);
  return ok ? "postgresql:///" + name + "?host=" + c.dir + "&user=samvad" : std::string();
}

// =============================================================================================
// [SECTION] samvad-central as a restartable process
// =============================================================================================

CentralProcess::~CentralProcess() { Stop(); }

bool CentralProcess::Start(const std::string& db_url, const std::string& media_dir, int port,
                          const std::string& base_url, std::string* why, int threads) {
  db_url_ = db_url;
  media_dir_ = media_dir;
  base_url_ = base_url;
  threads_ = threads;
  if (port != 0) {
    port_ = port;
    return Restart(why);
  }
  // Not the kernel's choice (port 0), which would come from the ephemeral range and could be
  // taken while central is down for a restart (FreeLoopbackPort says why); a port another test
  // bound in the moment since FreeLoopbackPort looked makes central fail to start: try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreeLoopbackPort();
    if (Restart(why)) return true;
    if (why->find("in use") == std::string::npos) return false;
  }
  return false;
}

bool CentralProcess::Restart(std::string* why) {
  Stop();
  std::vector<std::string> argv = {CentralBinary(), "serve", "--db", db_url_, "--listen",
                                   "127.0.0.1:" + std::to_string(port_), "--media", media_dir_, "--catalog",
                                   CatalogDir(), "--threads", std::to_string(threads_)};
  if (!base_url_.empty()) {
    argv.push_back("--base-url");
    argv.push_back(base_url_);
  }
  argv.insert(argv.end(), serve_options_.begin(), serve_options_.end());
  argv.insert(argv.begin(), wrapper_.begin(), wrapper_.end());
  int fd = -1;
  pid_ = SpawnProcess(argv, &fd);
  if (pid_ < 0) {
    *why = "cannot start samvad-central";
    return false;
  }
  // Its "listening on http://127.0.0.1:PORT" line says it is ready and which port it bound.
  std::string out;
  int bound = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (bound == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    const size_t at = out.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) bound = std::atoi(out.c_str() + at + 30);
  }
  // Keep draining its output (logs of refused requests) so it never blocks on a full pipe.
  std::thread([fd] {
    char buf[4096];
    const bool show = std::getenv("SAMVAD_TEST_TRACE") != nullptr;
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
      if (show && write(2, buf, static_cast<size_t>(n)) < 0) break;
    close(fd);
  }).detach();
  if (bound == 0) {
    *why = "samvad-central did not start: " + out;
    Kill9();
    return false;
  }
  port_ = bound;
  return true;
}

void CentralProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void CentralProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 250 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (waitpid(pid_, &status, WNOHANG) == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

int CentralProcess::Cli(std::vector<std::string> args, std::string* out) const {
  std::vector<std::string> argv{CentralBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--db");
  argv.push_back(db_url_);
  return RunProcess(argv, out);
}

std::string CentralProcess::NewEnrolmentCode(const std::string& label, std::string* why,
                                             const std::vector<std::string>& extra) const {
  std::vector<std::string> args{"enroll", "--label", label};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string out;
  if (Cli(args, &out) != 0) {
    *why = "enroll failed: " + out;
    return {};
  }
  const size_t at = out.find("code:");
  if (at == std::string::npos) {
    *why = "no code in: " + out;
    return {};
  }
  std::string code = out.substr(at + 5, out.find('\n', at) - at - 5);
  code.erase(0, code.find_first_not_of(' '));
  return code;
}

// =============================================================================================
// [SECTION] nginx
// =============================================================================================

pid_t StartNginx(const std::string& dir, const std::string& server_block, int port, std::string* why) {
  if (access("/usr/sbin/nginx", X_OK) != 0) {
    *why = "no /usr/sbin/nginx (apt-get install nginx-light)";
    return -1;
  }
  for (const char* sub : {"", "/www", "/www/upload", "/tmp"}) mkdir((dir + sub).c_str(), 0755);
  {
    std::FILE* f = std::fopen((dir + "/nginx.conf").c_str(), "w");
    if (!f) {
      *why = "cannot write nginx.conf";
      return -1;
    }
    const std::string t = dir + "/tmp";
    std::fprintf(f,
                 "daemon off;\nmaster_process on;\nworker_processes 2;\npid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
                 "events { worker_connections 256; }\n"
                 "http {\n  access_log off;\n  client_body_temp_path %s;\n  proxy_temp_path %s;\n  fastcgi_temp_path %s;\n"
                 "  uwsgi_temp_path %s;\n  scgi_temp_path %s;\n  client_max_body_size 16m;\n"
                 "  server {\n    root %s/www;\n%s\n  }\n}\n",
                 dir.c_str(), dir.c_str(), t.c_str(), t.c_str(), t.c_str(), t.c_str(), t.c_str(), dir.c_str(), server_block.c_str());
    std::fclose(f);
  }
  // As root, nginx's workers run as 'nobody': give them the folder (and the way into it).
  if (geteuid() == 0) {
    if (const passwd* nb = getpwnam("nobody")) {
      for (const char* sub : {"", "/www", "/www/upload", "/tmp"})
        if (chown((dir + sub).c_str(), nb->pw_uid, nb->pw_gid) != 0) {
          *why = "cannot give the nginx folder to nobody";
          return -1;
        }
    }
    // ...and they must be able to walk to it: a parent made by `mktemp -d` (mode 0700) would make
    // every upload a 500.
    for (std::string up = dir; up.size() > 1;) {
      up = up.substr(0, up.find_last_of('/'));
      if (up.empty()) break;
      struct stat st{};
      if (stat(up.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) {
        *why = "nginx's workers run as nobody and cannot enter " + up + " (chmod o+x it, or choose another folder)";
        return -1;
      }
    }
  }
  int fd = -1;
  const pid_t pid = SpawnProcess({"/usr/sbin/nginx", "-p", dir, "-c", dir + "/nginx.conf", "-e", dir + "/error.log"}, &fd);
  if (fd >= 0) close(fd);
  if (pid < 0) {
    *why = "cannot run nginx";
    return -1;
  }
  // Ready when its port accepts a connection.
  for (int i = 0; i < 200; ++i) {
    const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool up = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    if (up) return pid;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::string log;
  RunProcess({"/bin/cat", dir + "/error.log"}, &log);
  *why = "nginx did not start: " + log;
  StopProcess(pid);
  return -1;
}

}  // namespace samvad::testing
