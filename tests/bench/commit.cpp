// commit.cpp — the durable commit of a complaint with 3 photos (ComplaintStore::Submit: six photo
// and thumbnail files written and fsync'd, the folder fsync'd, one WAL transaction with
// synchronous=FULL) against the cheapest durable write there is on the same disk: one 4 KB
// append followed by fsync. Both in a fresh folder beside the build (the disk a kiosk's data
// would be on), alternating, median of each.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "app/store/complaint_store.h"
#include "sync/model/sha256.h"

namespace {

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir = std::filesystem::path(argc > 1 ? argv[1] : ".") / "bench-commit";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  samvad::store::ComplaintStore store;
  std::string msg;
  if (store.Open(dir.string(), &msg) == samvad::store::OpenStatus::Failed || store.Enrol(8, 1) != samvad::store::EnrolStatus::Ok) {
    std::fprintf(stderr, "bench_commit: cannot open a store in %s: %s\n", dir.c_str(), msg.c_str());
    return 1;
  }
  std::mt19937 rng(7);
  const auto bytes = [&](size_t n) {
    std::vector<std::uint8_t> b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
  };
  const int fd = ::open((dir / "append.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const std::vector<char> block(4096, 'x');
  std::vector<double> commit, append;
  for (int i = 0; i < 15; ++i) {
    samvad::store::ComplaintDraft d;
    d.fields = {"pothole", "G/N", "near the bus stop", "रस्त्याच्या मधोमध मोठा खड्डा", "9820123456", "mr"};
    // As the kiosk submits them: with the digest app/capture computed while encoding.
    for (int p = 0; p < 3; ++p) {
      std::vector<std::uint8_t> jpeg = bytes(300 * 1024);
      const std::string sha = samvad::model::Sha256Hex(jpeg.data(), jpeg.size());
      d.photos.push_back({std::move(jpeg), 1600, 1200, bytes(20 * 1024), sha});
    }
    const double t0 = NowMs();
    const auto r = store.Submit(d);
    const double t1 = NowMs();
    if (r.status != samvad::store::SubmitStatus::Ok) {
      std::fprintf(stderr, "bench_commit: submit failed: %s\n", r.detail.c_str());
      return 1;
    }
    if (::write(fd, block.data(), block.size()) != 4096 || ::fsync(fd) != 0) return 1;
    const double t2 = NowMs();
    if (i >= 3) {  // the first ones warm the page cache and the WAL
      commit.push_back(t1 - t0);
      append.push_back(t2 - t1);
    }
  }
  ::close(fd);
  std::filesystem::remove_all(dir);
  const double c = Median(commit), a = Median(append);
  std::printf("commit: complaint + 3 photos, durable  %.2f ms  one fsync'd 4 KB append %.2f ms  ratio %.1f  (target <= 10)  [median of %zu]\n",
              c, a, c / a, commit.size());
  return 0;
}
