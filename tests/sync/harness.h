// harness.h — what the central protocol tests stand on: a tiny blocking HTTP/1.1 client (one
// request per connection, Connection: close), and samvad-central as a real process on a free
// loopback port against SQLite or a throwaway PostgreSQL cluster — Catch2 wrappers (REQUIRE on
// failure) over tests/support/central_process.h, which the sync client's tests share.
// Test-only code; nothing here is linked into the product.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "tests/support/central_process.h"

namespace samvad::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  int status = 0;                              // 0 when the transport failed
  std::string error;                           // why the transport failed
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const;
  protocol::JsonValue Json() const;  // REQUIREs that the body parses
};

// One request to 127.0.0.1:port. Content-Length is sent when `body` is non-empty or the method
// is POST/PATCH. Times out after 15 s.
Reply Http(int port, const std::string& method, const std::string& target, const std::string& body = {},
           const Headers& headers = {});
// A form POST (application/x-www-form-urlencoded).
Reply PostForm(int port, const std::string& target, const protocol::Form& form, const Headers& headers = {});

// A connected TCP socket to 127.0.0.1:port, or -1.
int ConnectLoopback(int port);
bool SendAll(int fd, std::string_view data);

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};
// Runs argv[0] (a path) with its arguments and waits.
RunResult Run(const std::vector<std::string>& argv);

std::string MakeTempDir(const char* prefix);
void RemoveTree(const std::string& path);

// Whether this kernel lets an unprivileged process mount a small tmpfs in a user and mount
// namespace of its own (`unshare -Urm`), which the full-disk tests run central in. When not, it
// WARNs loudly that the calling test is skipped, and why.
bool CanMountSmallTmpfs();

// The storage backend this test binary runs against: SAMVAD_TEST_BACKEND=sqlite|postgresql.
bool UsingPostgres();

// Starts the shared throwaway PostgreSQL cluster (once per process); false, with `why`, when it
// cannot start here. Stopped and removed at exit.
bool StartPostgres(std::string* why);
// A fresh, empty database in that cluster, as a URL samvad-central accepts.
std::string NewPostgresDatabase();

// Runs one SQL statement on a test database directly (sqlite:PATH or postgresql://…), as an
// operator with psql would: for setting up states the API cannot make, such as an old request.
void ExecSql(const std::string& db_url, const std::string& sql);

// samvad-central serving on a free loopback port with its own empty database and media folder.
class Central {
 public:
  Central();
  // Started through `wrapper` (CentralProcess::SetWrapper); `media` names the media folder in
  // it ("" = <dir>/media); `serve_options` are more `serve` options (SetServeOptions).
  Central(std::vector<std::string> wrapper, const std::string& media = "", std::vector<std::string> serve_options = {});
  ~Central();
  Central(const Central&) = delete;
  Central& operator=(const Central&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  const std::string& db_url() const { return db_url_; }
  const std::string& dir() const { return dir_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // SIGKILL, as a crash; then the same database, media folder and port again.
  void Kill9() { process_.Kill9(); }
  bool Restart(std::string* why) { return process_.Restart(why); }

  // `samvad-central ARGS… --db <this db>`.
  RunResult Cli(std::vector<std::string> args) const;
  // Enrols a device through the CLI and POST /devices/enroll.json; returns its api_key.
  // `extra`: more `enroll` options, e.g. {"--ward", "08"}.
  std::string EnrollDevice(const std::string& label = "test device", std::string* device_id = nullptr,
                           const std::vector<std::string>& extra = {}) const;
  // `samvad-central ARGS… --db <this db>` with `input` as its standard input (a PIN, say).
  RunResult CliWithInput(std::vector<std::string> args, const std::string& input) const;
  // `staff add` through the CLI, the PIN on standard input; REQUIREs that it worked.
  void AddStaff(const std::string& user, const std::string& pin, const std::string& role = "engineer",
                const std::string& ward = "08", const std::string& dept = "roads",
                const std::string& name = "Test Engineer") const;

 private:
  std::string dir_, db_url_;
  CentralProcess process_;
  int port_ = 0;
};

// A fresh random client UUID, as a device would make.
std::string NewUuid();
std::string Sha256Base64(std::string_view bytes);
std::string Sha256Hex(std::string_view bytes);

// A valid create for `service_code` with location, description and client UUID `uuid`.
protocol::Form CreateForm(const std::string& api_key, const std::string& uuid, const std::string& service_code = "pothole",
                          const std::string& description = "Deep pothole near the bus stop");

// `n` bytes that look nothing like their neighbours (different for each `seed`), as photos.
std::string NoiseBytes(size_t n, std::uint32_t seed);
// One tus POST /media carrying the whole file (creation-with-upload, sha256 declared) with
// Upload-Metadata `metadata` (filetype image/jpeg added). REQUIREs 201 with every byte kept;
// returns the upload's path, "/media/<id>".
std::string UploadWhole(int port, const std::string& api_key,
                        const std::vector<std::pair<std::string, std::string>>& metadata, const std::string& bytes);

}  // namespace samvad::testing
