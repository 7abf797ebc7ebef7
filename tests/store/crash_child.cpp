// crash_child.cpp — the process tests/store/crash.tests.cpp kills with SIGKILL at random
// moments. It does what the kiosk does: open the store, clean up after the last crash, then
// file complaints with three photos each, one after another. Right after Submit returns — the
// moment the screen would show the receipt — it prints "RECEIPT <ticket>" with one write(2),
// so a line is either wholly in the pipe or not at all.
//
//   store_crash_child DATA_DIR SEED
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "app/store/complaint_store.h"

namespace {

void Say(const std::string& line) {
  const std::string s = line + "\n";
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t w = ::write(1, s.data() + done, s.size() - done);
    if (w <= 0) std::_Exit(5);
    done += static_cast<size_t>(w);
  }
}

std::vector<std::uint8_t> Bytes(std::mt19937_64& rng, size_t n) {
  std::vector<std::uint8_t> v(n);
  for (size_t i = 0; i < n; i += 8) {
    const std::uint64_t x = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) v[i + k] = static_cast<std::uint8_t>(x >> (8 * k));
  }
  v[0] = 0xFF;  // JPEG-looking start; the store does not care, a person reading a dump might
  v[1] = 0xD8;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_child DATA_DIR SEED\n");
    return 2;
  }
  const std::uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  std::mt19937_64 rng(seed);
  samvad::store::ComplaintStore store;
  std::string msg;
  if (store.Open(argv[1], &msg) != samvad::store::OpenStatus::Ok) {
    Say("OPEN_FAILED " + msg);
    return 3;
  }
  store.CleanOrphans();
  if (!store.device().enrolled && store.Enrol(14, 321) != samvad::store::EnrolStatus::Ok) {
    Say("ENROL_FAILED");
    return 3;
  }
  std::uniform_int_distribution<size_t> photo(200 << 10, 400 << 10), thumb(15 << 10, 25 << 10);
  for (;;) {
    samvad::store::ComplaintDraft d;
    d.fields = {"garbage", "L", "कुर्ला डेपोजवळ", "कचरा तीन दिवसांपासून उचललेला नाही", "9820123456", "mr"};
    for (int i = 0; i < 3; ++i)
      d.photos.push_back({Bytes(rng, photo(rng)), 1600, 1200, Bytes(rng, thumb(rng)), {}});
    const samvad::store::SubmitResult r = store.Submit(d);
    if (r.status != samvad::store::SubmitStatus::Ok) {
      Say(std::string("SUBMIT_FAILED ") + samvad::store::SubmitStatusName(r.status) + " " + r.detail);
      return 4;
    }
    Say("RECEIPT " + r.ticket_canonical);
  }
}
