// support.h — what the store tests share: a fresh temporary folder per test, drafts with
// random "photos" (the store never decodes them), and reading files back. Header-only.
#pragma once
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "app/store/complaint_store.h"

namespace samvad::test {

namespace fs = std::filesystem;

// A folder under $TMPDIR removed when the object dies (unless SAMVAD_KEEP_TMP is set).
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static std::atomic<int> n{0};
    path_ = fs::temp_directory_path() /
            ("samvad-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    if (!std::getenv("SAMVAD_KEEP_TMP")) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::vector<std::uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<std::uint8_t> v(n);
  for (size_t i = 0; i < n; i += 8) {
    const std::uint64_t x = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) v[i + k] = static_cast<std::uint8_t>(x >> (8 * k));
  }
  return v;
}

inline store::PhotoDraft RandomPhoto(std::mt19937_64& rng, size_t photo_bytes = 300 << 10,
                                     size_t thumb_bytes = 20 << 10) {
  store::PhotoDraft p;
  p.jpeg = RandomBytes(rng, photo_bytes);
  p.thumb = RandomBytes(rng, thumb_bytes);
  p.width = 1600;
  p.height = 1200;
  return p;
}

inline store::ComplaintDraft Draft(std::string description = "रस्त्यावर मोठा खड्डा आहे",
                                   std::string phone = "") {
  store::ComplaintDraft d;
  d.fields.category = "pothole";
  d.fields.ward_code = "K/E";
  d.fields.landmark = "near Andheri station";
  d.fields.description = std::move(description);
  d.fields.phone = std::move(phone);
  d.fields.lang = "mr";
  return d;
}

inline std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline std::string ReadFile(const std::string& p) { return ReadFile(fs::path(p)); }

}  // namespace samvad::test
