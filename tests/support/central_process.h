// central_process.h — what every test and benchmark that talks to a real samvad-central stands
// on: running programs, a throwaway PostgreSQL cluster, samvad-central as a process that can be
// killed with -9 and restarted on the same port, and Debian's nginx as a baseline server.
// No Catch2 in here (benchmarks link it too): failures come back as false/-1 with a reason.
// Used by tests/sync/harness.cpp (the protocol suite) and tests/sync/sync_client_support.cpp
// (the sync client's tests and benchmarks). Test-only code; nothing here reaches the product.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace samvad::testing {

// A folder under `parent`, removed with its contents when the object dies (kept when
// SAMVAD_KEEP_TMP is set, for looking at afterwards).
class TempDir {
 public:
  explicit TempDir(const std::string& tag, const std::string& parent = "/tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

// A loopback port nobody had bound a moment ago, from below the kernel's ephemeral range (so
// no outgoing connection takes it meanwhile); 0 when none is free.
int FreeLoopbackPort();

// Where samvad-central and the catalog are (set by CMake).
std::string CentralBinary();
std::string CatalogDir();

// Starts argv (a path, or a name looked up on PATH) with stdout — and stderr when
// `merge_stderr` — into a pipe whose read end is returned in *out_fd. -1 when it cannot start.
pid_t SpawnProcess(const std::vector<std::string>& argv, int* out_fd, bool merge_stderr = true);
// Runs argv to its end; its exit code (128 + signal when killed, -1 when it could not start),
// stdout and stderr together in `out`.
int RunProcess(const std::vector<std::string>& argv, std::string* out);
int RunShell(const std::string& command, std::string* out);
// SIGTERM, then waits.
void StopProcess(pid_t pid);

// The throwaway PostgreSQL cluster: one per process, in a temp folder, on a Unix socket only
// (no TCP), started on first use and removed at exit. As root it runs as 'postgres' (or
// 'nobody'), since PostgreSQL refuses root. `durable` = fsync on (benchmarks measure a real
// commit); the first call decides. False with `why` when it cannot start here.
bool StartTestCluster(bool durable, std::string* why);
// A fresh database in it, as a URL samvad-central takes; "" with `why` on failure.
std::string NewClusterDatabase(std::string* why);

// samvad-central serving `db_url` on 127.0.0.1:port, killable and restartable.
class CentralProcess {
 public:
  CentralProcess() = default;
  ~CentralProcess();
  CentralProcess(const CentralProcess&) = delete;
  CentralProcess& operator=(const CentralProcess&) = delete;

  // `port` 0 = a free one (the server binds port 0 and says which it got). `base_url` is what
  // Location and media_url start with (the proxy's address when devices reach central through
  // one); "" = central's own address.
  bool Start(const std::string& db_url, const std::string& media_dir, int port, const std::string& base_url,
             std::string* why, int threads = 4);
  bool Restart(std::string* why);  // same database, media, port and base URL
  void Kill9();                    // SIGKILL, as a crash: nothing gets to clean up
  void Stop();                     // SIGTERM, and SIGKILL after 5 s
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // A command that runs before samvad-central and execs it with the arguments appended (the
  // same process: `pid()` stays central's), e.g. `unshare` to give it a filesystem of its own.
  void SetWrapper(std::vector<std::string> wrapper) { wrapper_ = std::move(wrapper); }
  // More `serve` options, e.g. {"--sweep-days", "0"}.
  void SetServeOptions(std::vector<std::string> options) { serve_options_ = std::move(options); }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& db_url() const { return db_url_; }

  // `samvad-central ARGS… --db DB`: the exit code, output in `out`.
  int Cli(std::vector<std::string> args, std::string* out) const;
  // `samvad-central enroll --label LABEL`: the one-time code it printed, or "" with `why`.
  // `extra`: more `enroll` options, e.g. {"--ward", "08"}.
  std::string NewEnrolmentCode(const std::string& label, std::string* why, const std::vector<std::string>& extra = {}) const;

 private:
  std::string db_url_, media_dir_, base_url_;
  std::vector<std::string> wrapper_, serve_options_;
  int threads_ = 4;
  pid_t pid_ = -1;
  int port_ = 0;
};

// nginx (Debian's) in the foreground with a config made in `dir` (which it owns from then on):
// `server_block` is the inside of one `server { … }` (listen directives included). Returns its
// pid (stop it with StopProcess), or -1 with `why` (no nginx, or it would not start).
pid_t StartNginx(const std::string& dir, const std::string& server_block, int port, std::string* why);

}  // namespace samvad::testing
