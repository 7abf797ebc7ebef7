// bad_input.tests.cpp — every kind of bad file gets its own typed error, quickly, and nothing
// crashes: empty, not an image, unsupported formats, truncated, corrupt, decompression bombs,
// files that cannot be read.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "app/capture/photo.h"
#include "tests/capture/fixtures.h"

using namespace samvad::capture;
namespace fx = samvad::capture::fixtures;

namespace {

const fx::Bytes& NoisyJpeg() {
  static const fx::Bytes jpeg = fx::MakeJpeg(1024, 768, 92, /*noise=*/true);
  return jpeg;
}

fx::Bytes Cut(const fx::Bytes& b, double fraction) {
  return fx::Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(static_cast<double>(b.size()) * fraction));
}

// The offset of the first byte after the first SOS segment's header: entropy-coded data.
std::size_t ScanDataStart(const fx::Bytes& j) {
  std::size_t pos = 2;
  for (;;) {
    const std::size_t len = std::size_t{j[pos + 2]} << 8 | j[pos + 3];
    if (j[pos + 1] == 0xDA) return pos + 2 + len;
    pos += 2 + len;
  }
}

// Rewrites the SOF0 height and width of a TurboJPEG-made file (header only: a bomb's claim).
fx::Bytes WithDeclaredSize(fx::Bytes j, std::uint16_t w, std::uint16_t h) {
  std::size_t pos = 2;
  while (j[pos + 1] != 0xC0) pos += 2 + (std::size_t{j[pos + 2]} << 8 | j[pos + 3]);
  j[pos + 5] = static_cast<std::uint8_t>(h >> 8);
  j[pos + 6] = static_cast<std::uint8_t>(h);
  j[pos + 7] = static_cast<std::uint8_t>(w >> 8);
  j[pos + 8] = static_cast<std::uint8_t>(w);
  return j;
}

double MillisecondsFor(const fx::Bytes& bytes, PhotoResult* out) {
  const auto t0 = std::chrono::steady_clock::now();
  *out = ProcessPhoto(bytes);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("an empty file says Empty", "[capture][bad]") {
  CHECK(ProcessPhoto({}).error == PhotoError::Empty);
  fx::TempDir dir("capture-bad");
  fx::WriteFile((dir.path / "empty.jpg").string(), {});
  CHECK(ProcessPhotoFile(dir.path / "empty.jpg").error == PhotoError::Empty);
}

TEST_CASE("a text file named .jpg says NotAnImage", "[capture][bad]") {
  fx::TempDir dir("capture-bad");
  const std::string text = "Complaint: the drain near the school is blocked.\n";
  fx::WriteFile((dir.path / "IMG_0001.jpg").string(), fx::Bytes(text.begin(), text.end()));
  const PhotoResult r = ProcessPhotoFile(dir.path / "IMG_0001.jpg");
  CHECK(r.error == PhotoError::NotAnImage);
  CHECK(IsBadInput(r.error));
  CHECK(std::string(PhotoErrorName(r.error)) == "not_an_image");
  CHECK(ProcessPhoto(fx::Bytes{0xFF}).error == PhotoError::NotAnImage);
  CHECK(ProcessPhoto(fx::Bytes{0xFF, 0xD8}).error == PhotoError::NotAnImage);
}

TEST_CASE("real images in formats we do not take say UnsupportedFormat", "[capture][bad]") {
  const std::string gif = "GIF89a\x01\x00\x01\x00";
  CHECK(ProcessPhoto(fx::Bytes(gif.begin(), gif.end())).error == PhotoError::UnsupportedFormat);
  const fx::Bytes heic = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
  CHECK(ProcessPhoto(heic).error == PhotoError::UnsupportedFormat);
  const fx::Bytes webp = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '};
  CHECK(ProcessPhoto(webp).error == PhotoError::UnsupportedFormat);
  // A 12-bit JPEG (SOF1, precision 12) is a JPEG TurboJPEG 2.1 cannot decode.
  fx::Bytes j12 = NoisyJpeg();
  std::size_t pos = 2;
  while (j12[pos + 1] != 0xC0) pos += 2 + (std::size_t{j12[pos + 2]} << 8 | j12[pos + 3]);
  j12[pos + 1] = 0xC1;
  j12[pos + 4] = 12;
  CHECK(ProcessPhoto(j12).error == PhotoError::UnsupportedFormat);
}

TEST_CASE("a JPEG cut short says Truncated", "[capture][bad]") {
  SECTION("cut at 60%, inside the image data") {
    CHECK(ProcessPhoto(Cut(NoisyJpeg(), 0.6)).error == PhotoError::Truncated);
  }
  SECTION("cut inside the headers") {
    CHECK(ProcessPhoto(fx::Bytes(NoisyJpeg().begin(), NoisyJpeg().begin() + 100)).error == PhotoError::Truncated);
  }
  SECTION("cut at 60% with an end marker glued on: TurboJPEG only warns; we still refuse it") {
    fx::Bytes j = Cut(NoisyJpeg(), 0.6);
    j.push_back(0xFF);
    j.push_back(0xD9);
    const PhotoResult r = ProcessPhoto(j);
    CHECK_FALSE(r.ok());
    CHECK((r.error == PhotoError::Truncated || r.error == PhotoError::Corrupt));
  }
  SECTION("every cut of a small JPEG with EXIF is refused or, past the end marker, taken — never a crash") {
    const fx::Bytes j = fx::InsertAfterSoi(fx::MakeJpeg(64, 48), fx::ExifApp1(6));
    for (std::size_t n = 1; n < j.size(); ++n) {
      CAPTURE(n);
      const PhotoResult r = ProcessPhoto(fx::Bytes(j.begin(), j.begin() + static_cast<std::ptrdiff_t>(n)));
      CHECK_FALSE(r.ok());
      CHECK(IsBadInput(r.error));
    }
    CHECK(ProcessPhoto(j).ok());
  }
}

TEST_CASE("a PNG cut short says Truncated", "[capture][bad][png]") {
  const fx::Bytes png = fx::EncodePng(fx::SyntheticRgb(200, 100, true), 200, 100, 3);
  CHECK(ProcessPhoto(Cut(png, 0.6)).error == PhotoError::Truncated);
  CHECK(ProcessPhoto(fx::Bytes(png.begin(), png.begin() + 20)).error == PhotoError::Truncated);
}

TEST_CASE("damaged bytes say Corrupt", "[capture][bad]") {
  SECTION("image data overwritten in the middle (no 0xFF, so the structure stays intact)") {
    fx::Bytes j = NoisyJpeg();
    const std::size_t start = ScanDataStart(j) + (j.size() - ScanDataStart(j)) / 3;
    for (std::size_t i = 0; i < 4096; ++i) j[start + i] = static_cast<std::uint8_t>((i * 37 + 11) & 0x7F);
    CHECK(ProcessPhoto(j).error == PhotoError::Corrupt);
  }
  SECTION("a JPEG signature followed by noise") {
    fx::Bytes j = {0xFF, 0xD8, 0xFF, 0xE0};
    for (int i = 0; i < 2000; ++i) j.push_back(static_cast<std::uint8_t>(i * 73 + 5));
    const PhotoResult r = ProcessPhoto(j);
    CHECK_FALSE(r.ok());
    CHECK(IsBadInput(r.error));
  }
  SECTION("a frame header with no components") {
    fx::Bytes j = NoisyJpeg();
    std::size_t pos = 2;
    while (j[pos + 1] != 0xC0) pos += 2 + (std::size_t{j[pos + 2]} << 8 | j[pos + 3]);
    j[pos + 9] = 0;  // Nf
    CHECK(ProcessPhoto(j).error == PhotoError::Corrupt);
  }
  SECTION("a PNG whose compressed data is garbage") {
    fx::Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    const fx::Bytes ihdr = {0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0};
    const fx::Bytes junk(300, 0x5A);
    for (const fx::Bytes& c : {fx::PngChunk("IHDR", ihdr), fx::PngChunk("IDAT", junk), fx::PngChunk("IEND", {})})
      png.insert(png.end(), c.begin(), c.end());
    CHECK(ProcessPhoto(png).error == PhotoError::Corrupt);
  }
}

TEST_CASE("decompression bombs are refused by their declared size, before decoding, in < 100 ms",
          "[capture][bad][bomb]") {
  PhotoResult r;
  SECTION("a tiny PNG claiming 16000×16000 (GUIDE 3: 1.25 GB and 14 s in stb_image)") {
    const fx::Bytes bomb = fx::PngBomb(16000, 16000);
    CHECK(bomb.size() < 16 * 1024);
    const double ms = MillisecondsFor(bomb, &r);
    CHECK(r.error == PhotoError::TooLarge);
    CHECK(ms < 100.0);
  }
  SECTION("a PNG within the side limit but over 50 MP") {
    const double ms = MillisecondsFor(fx::PngBomb(8000, 8000), &r);
    CHECK(r.error == PhotoError::TooLarge);
    CHECK(ms < 100.0);
  }
  SECTION("a PNG 1 px high and 20000 px wide (over the side limit, few pixels)") {
    CHECK(ProcessPhoto(fx::PngBomb(20000, 1, 1000)).error == PhotoError::TooLarge);
  }
  SECTION("a JPEG whose header claims 13000×1000 or 9000×9000") {
    CHECK(MillisecondsFor(WithDeclaredSize(NoisyJpeg(), 13000, 1000), &r) < 100.0);
    CHECK(r.error == PhotoError::TooLarge);
    CHECK(MillisecondsFor(WithDeclaredSize(NoisyJpeg(), 9000, 9000), &r) < 100.0);
    CHECK(r.error == PhotoError::TooLarge);
  }
  SECTION("a file over max_file_bytes") {
    PhotoOptions o;
    o.max_file_bytes = 1000;
    CHECK(ProcessPhoto(NoisyJpeg(), o).error == PhotoError::TooLarge);
  }
}

TEST_CASE("a file that cannot be read is the device's problem: IoError", "[capture][bad]") {
  fx::TempDir dir("capture-bad");
  const PhotoResult missing = ProcessPhotoFile(dir.path / "not-there.jpg");
  CHECK(missing.error == PhotoError::IoError);
  CHECK_FALSE(IsBadInput(missing.error));
  CHECK(ProcessPhotoFile(dir.path).error == PhotoError::IoError);  // a folder
}

TEST_CASE("random byte flips in a JPEG or PNG never crash and never pass silently as a different size",
          "[capture][bad]") {
  const fx::Bytes jpeg = fx::InsertAfterSoi(fx::MakeJpeg(96, 64, 85, true), fx::ExifApp1(3));
  const fx::Bytes png = fx::EncodePng(fx::SyntheticRgb(96, 64, true), 96, 64, 3);
  std::uint32_t s = 12345;
  for (const fx::Bytes* base : {&jpeg, &png}) {
    for (int trial = 0; trial < 300; ++trial) {
      fx::Bytes b = *base;
      for (int k = 0; k < 4; ++k) {
        s = s * 1664525u + 1013904223u;
        b[8 + (s >> 8) % (b.size() - 8)] ^= static_cast<std::uint8_t>(1u << (s % 8));
      }
      const PhotoResult r = ProcessPhoto(b);
      if (r.ok()) {
        CHECK(std::max(r.width, r.height) <= 1600);
        CHECK_FALSE(r.jpeg.empty());
      } else {
        CHECK(IsBadInput(r.error));
      }
    }
  }
}
