// sync_client_support.h — what the sync client's tests and benchmarks stand on: samvad-central
// as a process that can be killed with -9 and restarted (tests/support/central_process.h), a
// device with a real app/store outbox full of complaints, and a plain HTTP getter for checking
// what central holds.
// No Catch2 in here (benchmarks link it too): failures come back as false + a reason.
// Test-only code; nothing here is linked into the product.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "app/store/complaint_store.h"
#include "tests/support/central_process.h"

namespace samvad::testing::client {

// The process, cluster and nginx helpers all central tests share (tests/support).
using testing::CatalogDir;
using testing::CentralBinary;
using testing::FreeLoopbackPort;
using testing::RunShell;
using testing::StartNginx;
using testing::StopProcess;
using testing::TempDir;
inline bool StartPostgres(std::string* why) { return StartTestCluster(/*durable=*/true, why); }
inline std::string NewPostgresDatabase(std::string* why) { return NewClusterDatabase(why); }

// samvad-central as a process (tests/support), plus enrolling a device over HTTP.
class CentralServer : public CentralProcess {
 public:
  // `samvad-central enroll`, then POST /devices/enroll.json: the new device's api_key.
  std::string EnrollDevice(std::string* why) const;
};

// Plain HTTP for checks (libcurl, one connection per call, 30 s timeout).
struct Got {
  int status = 0;  // 0: no answer
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};
Got HttpGet(const std::string& url);
Got HttpPostForm(const std::string& url, const std::string& form_body, const std::vector<std::string>& headers = {});
std::string Sha256Hex(std::string_view bytes);

// A device: a real ComplaintStore (SQLite outbox, photos folder) in its own folder, enrolled.
class Device {
 public:
  explicit Device(const std::string& tag, int ward = 8, int device = 1);
  store::ComplaintStore& store() { return store_; }
  model::Outbox& outbox() { return store_.outbox(); }
  const std::string& data_dir() const { return dir_.str(); }
  const std::string& photos_dir() const { return store_.photos_dir(); }

  struct Filed {
    store::SubmitResult result;
    std::string photo_sha256, thumb_sha256;  // of the first photo; "" without a photo
    std::vector<std::string> photos_sha256;  // of every photo, in order
  };
  // Files a complaint; when photo_bytes > 0 with `photos` photos of about `photo_bytes` random
  // bytes, each with a thumbnail of `thumb_bytes`. Returns false with `why` if the store refused.
  bool File(std::mt19937_64& rng, std::int64_t photo_bytes, std::int64_t thumb_bytes, Filed* out, std::string* why,
            int photos = 1);

 private:
  TempDir dir_;
  store::ComplaintStore store_;
};

// What central holds, read back over HTTP: every request (by ticket) with its first photo's and
// thumbnail's SHA-256 ("" when none) and every photo's. False with `why` on a transport or format problem.
struct CentralRequest {
  std::string id, ticket, status, photo_sha256, thumb_sha256;
  std::vector<std::string> photos_sha256;  // every photo (media_urls), in order
  std::vector<std::string> uploads;        // with media: every photo's and thumbnail's URL, as reachable
};
bool ReadAllRequests(const std::string& central_url, bool with_media, std::vector<CentralRequest>* out,
                     std::string* why);

}  // namespace samvad::testing::client
