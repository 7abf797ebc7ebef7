// photo.tests.cpp — the pipeline on good photos: size, thumbnail, orientation, metadata
// stripped, PNG, and the SHA-256 checked against coreutils' sha256sum.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/capture/photo.h"
#include "tests/capture/fixtures.h"

using namespace samvad::capture;
namespace fx = samvad::capture::fixtures;

namespace {

// One 12 MP camera-like photo, made once for the file (~0.3 s).
const fx::Bytes& TwelveMegapixel() {
  static const fx::Bytes jpeg = fx::MakeJpeg(4000, 3000, 92, /*noise=*/true, /*marker=*/10);
  return jpeg;
}

bool IsRed(const fx::Decoded& d, int x, int y) {
  const std::uint8_t* p = d.rgb.data() + (static_cast<std::size_t>(y) * static_cast<std::size_t>(d.width) + static_cast<std::size_t>(x)) * 3;
  return p[0] > 180 && p[1] < 90 && p[2] < 90;
}

bool HasNoMetadata(const fx::Bytes& jpeg) {
  for (std::uint8_t m : fx::MarkersBeforeScan(jpeg)) {
    if (m >= 0xE1 && m <= 0xEF) return false;  // APP1..APP15: EXIF, XMP, ICC, Adobe, maker data
    if (m == 0xFE) return false;               // COM
  }
  return true;
}

}  // namespace

TEST_CASE("a 12 MP photo comes out 1600 px on the long edge with a 320 px thumbnail", "[capture][photo]") {
  const PhotoResult r = ProcessPhoto(TwelveMegapixel());
  REQUIRE(r.ok());
  CHECK(r.source_format == Format::Jpeg);
  CHECK(r.source_width == 4000);
  CHECK(r.source_height == 3000);
  CHECK(r.width == 1600);
  CHECK(r.height == 1200);
  CHECK(r.thumb_width == 320);
  CHECK(r.thumb_height == 240);

  const fx::Decoded full = fx::DecodeJpeg(r.jpeg);
  CHECK(full.width == 1600);
  CHECK(full.height == 1200);
  const fx::Decoded thumb = fx::DecodeJpeg(r.thumb);
  CHECK(thumb.width == 320);
  CHECK(thumb.height == 240);
  // The marker (stored top-left, a tenth of each side) is still there, and nowhere else.
  CHECK(IsRed(full, 80, 60));
  CHECK_FALSE(IsRed(full, 1520, 1140));
  CHECK(IsRed(thumb, 16, 12));
  // Re-encoded at ~q80: a 1600×1200 photo with sensor noise is a few hundred KB, the thumbnail
  // a few tens (upper bounds only: the exact size is the encoder's business).
  CHECK(r.jpeg.size() < 1'500'000);
  CHECK(r.thumb.size() < 100'000);
}

TEST_CASE("a photo with EXIF orientation 6 and a GPS position comes out upright and carries no metadata",
          "[capture][photo][privacy]") {
  const fx::Bytes jpeg = fx::InsertAfterSoi(TwelveMegapixel(), fx::ExifApp1(6));
  const fx::Bytes lat = fx::RationalBytes(fx::kLatitude, false);
  const fx::Bytes lon = fx::RationalBytes(fx::kLongitude, false);
  // The input really does carry what must not come out.
  REQUIRE(fx::Contains(jpeg, std::string("Exif")));
  REQUIRE(fx::Contains(jpeg, lat));
  REQUIRE(fx::Contains(jpeg, lon));

  const PhotoResult r = ProcessPhoto(jpeg);
  REQUIRE(r.ok());
  CHECK(r.orientation == 6);

  SECTION("rotated: dimensions swapped, long edge 1600, thumbnail 320") {
    CHECK(r.width == 1200);
    CHECK(r.height == 1600);
    CHECK(r.thumb_width == 240);
    CHECK(r.thumb_height == 320);
  }
  SECTION("rotated 90° clockwise: the stored top-left marker ends at the top-right") {
    const fx::Decoded d = fx::DecodeJpeg(r.jpeg);
    REQUIRE(d.width == 1200);
    REQUIRE(d.height == 1600);
    // Stored block 400×300 → 160×120 after scaling → 120 wide, 160 tall after rotation.
    CHECK(IsRed(d, 1140, 80));
    CHECK_FALSE(IsRed(d, 60, 80));
    CHECK_FALSE(IsRed(d, 1140, 1520));
    int left_edge = 1199;
    while (left_edge > 0 && IsRed(d, left_edge - 1, 80)) --left_edge;
    CHECK(left_edge >= 1200 - 120 - 3);
    CHECK(left_edge <= 1200 - 120 + 3);
    int bottom_edge = 0;
    while (bottom_edge < d.height && IsRed(d, 1140, bottom_edge)) ++bottom_edge;
    CHECK(bottom_edge >= 160 - 3);
    CHECK(bottom_edge <= 160 + 3);
    const fx::Decoded t = fx::DecodeJpeg(r.thumb);
    CHECK(IsRed(t, 228, 16));
    CHECK_FALSE(IsRed(t, 12, 16));
  }
  SECTION("no EXIF, no GPS, no camera make, no APP1..APP15, no comment — in photo and thumbnail") {
    for (const fx::Bytes* out : {&r.jpeg, &r.thumb}) {
      CHECK(HasNoMetadata(*out));
      CHECK(fx::MarkersBeforeScan(*out).front() == 0xE0);  // JFIF, as TurboJPEG writes it
      CHECK_FALSE(fx::Contains(*out, std::string("Exif")));
      CHECK_FALSE(fx::Contains(*out, std::string(fx::kCameraMake)));
      CHECK_FALSE(fx::Contains(*out, lat));
      CHECK_FALSE(fx::Contains(*out, lon));
    }
  }
}

TEST_CASE("every EXIF orientation puts the stored top-left corner where a viewer shows it", "[capture][photo]") {
  const fx::Bytes plain = fx::MakeJpeg(640, 480, 92, false, /*marker=*/8);  // 80×60 red block
  struct Case {
    std::uint16_t orientation;
    bool right, bottom;  // where the marker must appear
  };
  const Case cases[] = {{1, false, false}, {2, true, false}, {3, true, true}, {4, false, true},
                        {5, false, false}, {6, true, false}, {7, true, true}, {8, false, true}};
  for (const Case& c : cases) {
    for (bool big_endian : {false, true}) {
      CAPTURE(c.orientation, big_endian);
      const PhotoResult r = ProcessPhoto(fx::InsertAfterSoi(plain, fx::ExifApp1(c.orientation, big_endian)));
      REQUIRE(r.ok());
      const bool swapped = c.orientation >= 5;
      CHECK(r.width == (swapped ? 480 : 640));
      CHECK(r.height == (swapped ? 640 : 480));
      const fx::Decoded d = fx::DecodeJpeg(r.jpeg);
      const int mx = swapped ? 30 : 40, my = swapped ? 40 : 30;  // the block's half-size
      const int x = c.right ? d.width - mx : mx, y = c.bottom ? d.height - my : my;
      CHECK(IsRed(d, x, y));
      CHECK_FALSE(IsRed(d, d.width - 1 - x, d.height - 1 - y));
    }
  }
}

TEST_CASE("a small photo keeps its size and is still re-encoded without metadata", "[capture][photo][privacy]") {
  const fx::Bytes jpeg = fx::InsertAfterSoi(fx::MakeJpeg(300, 200), fx::ExifApp1(1));
  const PhotoResult r = ProcessPhoto(jpeg);
  REQUIRE(r.ok());
  CHECK(r.width == 300);
  CHECK(r.height == 200);
  CHECK(r.thumb_width == 300);
  CHECK(r.thumb_height == 200);
  CHECK(HasNoMetadata(r.jpeg));
  CHECK_FALSE(fx::Contains(r.jpeg, fx::RationalBytes(fx::kLatitude, false)));
}

TEST_CASE("the time the camera wrote is read, and not kept in the photo", "[capture][photo][privacy][taken]") {
  const fx::Bytes jpeg = fx::InsertAfterSoi(fx::MakeJpeg(800, 600), fx::ExifTakenApp1("2025:03:14 09:26:53", "+05:30"));
  const PhotoResult r = ProcessPhoto(jpeg);
  REQUIRE(r.ok());
  CHECK(r.taken_at == 1741924613);
  CHECK(HasNoMetadata(r.jpeg));
  CHECK_FALSE(fx::Contains(r.jpeg, std::string("2025:03:14")));
  // A photo without one: unknown.
  CHECK(ProcessPhoto(fx::InsertAfterSoi(fx::MakeJpeg(300, 200), fx::ExifApp1(1))).taken_at == 0);
}

TEST_CASE("PNG photos with valid sizes are taken", "[capture][photo][png]") {
  SECTION("RGB, larger than 1600 px: downscaled, re-encoded as JPEG") {
    const fx::Bytes rgb = fx::SyntheticRgb(2000, 1000, true, 10);
    const PhotoResult r = ProcessPhoto(fx::EncodePng(rgb, 2000, 1000, 3));
    REQUIRE(r.ok());
    CHECK(r.source_format == Format::Png);
    CHECK(r.width == 1600);
    CHECK(r.height == 800);
    CHECK(r.thumb_width == 320);
    CHECK(r.thumb_height == 160);
    const fx::Decoded d = fx::DecodeJpeg(r.jpeg);
    CHECK(IsRed(d, 80, 40));
    CHECK_FALSE(IsRed(d, 1520, 760));
  }
  SECTION("small RGB: kept at its size") {
    const PhotoResult r = ProcessPhoto(fx::EncodePng(fx::SyntheticRgb(120, 90, false), 120, 90, 3));
    REQUIRE(r.ok());
    CHECK(r.width == 120);
    CHECK(r.height == 90);
  }
  SECTION("RGBA: transparent pixels become white, not their hidden colour") {
    fx::Bytes rgba(64 * 64 * 4, 0);
    for (std::size_t i = 0; i < rgba.size(); i += 4) rgba[i] = 200;  // red-ish, alpha 0
    const PhotoResult r = ProcessPhoto(fx::EncodePng(rgba, 64, 64, 4));
    REQUIRE(r.ok());
    const fx::Decoded d = fx::DecodeJpeg(r.jpeg);
    CHECK(d.rgb[32 * 64 * 3 + 32 * 3 + 1] > 240);  // green channel of a white pixel
  }
  SECTION("an eXIf chunk's orientation is honoured as in JPEG") {
    const fx::Bytes png = fx::EncodePng(fx::SyntheticRgb(64, 32, false), 64, 32, 3);
    // Insert eXIf right after IHDR (8-byte signature + 25-byte IHDR chunk).
    const fx::Bytes tiff = fx::ExifTiff(6);
    const fx::Bytes chunk = fx::PngChunk("eXIf", tiff);
    fx::Bytes with(png.begin(), png.begin() + 33);
    with.insert(with.end(), chunk.begin(), chunk.end());
    with.insert(with.end(), png.begin() + 33, png.end());
    const PhotoResult r = ProcessPhoto(with);
    REQUIRE(r.ok());
    CHECK(r.width == 32);
    CHECK(r.height == 64);
    CHECK_FALSE(fx::Contains(r.jpeg, std::string(fx::kCameraMake)));
  }
}

TEST_CASE("the SHA-256 is of the output JPEG, as sha256sum computes it", "[capture][photo]") {
  const PhotoResult r = ProcessPhoto(fx::MakeJpeg(800, 600, 90, true));
  REQUIRE(r.ok());
  const std::string hex = ToHex(r.sha256);
  CHECK(hex.size() == 64);
  const fx::TempDir dir("capture-sha");
  const auto path = dir.path / "photo.jpg";
  fx::WriteFile(path.string(), r.jpeg);
  std::string cmd;
  cmd.append("sha256sum '").append(path.string()).append("'");
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[128] = {};
  REQUIRE(fgets(line, sizeof line, p) != nullptr);
  pclose(p);
  CHECK(std::string(line, 64) == hex);
}

TEST_CASE("progress is reported in stages up to 1", "[capture][photo]") {
  std::vector<float> seen;
  const PhotoResult r = ProcessPhoto(fx::MakeJpeg(640, 480), {}, [&](float f) { seen.push_back(f); });
  REQUIRE(r.ok());
  REQUIRE(seen.size() >= 3);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] > seen[i - 1]);
  CHECK(seen.back() == 1.0f);
}

TEST_CASE("ProcessPhotoFile reads the file and judges it by its bytes, not its name", "[capture][photo]") {
  const fx::TempDir tmp("capture-file");
  const auto& dir = tmp.path;
  const fx::Bytes png = fx::EncodePng(fx::SyntheticRgb(50, 40, false), 50, 40, 3);
  fx::WriteFile((dir / "really-a-png.jpg").string(), png);
  const PhotoResult r = ProcessPhotoFile(dir / "really-a-png.jpg");
  CHECK(r.ok());
  CHECK(r.source_format == Format::Png);
}

TEST_CASE("a webcam MJPEG frame without Huffman tables (as UVC cameras send) is taken", "[capture][photo][camera]") {
  const fx::Bytes full = fx::MakeJpeg(640, 480, 85, true);
  fx::Bytes frame(full.begin(), full.begin() + 2);
  std::size_t pos = 2;
  for (;;) {  // copy every segment but DHT, up to the scan
    const std::size_t len = std::size_t{full[pos + 2]} << 8 | full[pos + 3];
    if (full[pos + 1] == 0xDA) break;
    if (full[pos + 1] != 0xC4) frame.insert(frame.end(), full.begin() + static_cast<std::ptrdiff_t>(pos),
                                            full.begin() + static_cast<std::ptrdiff_t>(pos + 2 + len));
    pos += 2 + len;
  }
  frame.insert(frame.end(), full.begin() + static_cast<std::ptrdiff_t>(pos), full.end());
  REQUIRE(frame.size() < full.size());
  const PhotoResult r = ProcessPhoto(frame);
  REQUIRE(r.ok());
  CHECK(r.width == 640);
}

TEST_CASE("a camera frame in RGB pixels goes through the same downscale, encode and hash", "[capture][photo][camera]") {
  const int w = 1920, h = 1080, stride = w * 3 + 64;  // drivers pad rows
  fx::Bytes px(static_cast<std::size_t>(stride) * h);
  const fx::Bytes rgb = fx::SyntheticRgb(w, h, true, 10);
  for (int y = 0; y < h; ++y)
    std::copy_n(rgb.begin() + static_cast<std::ptrdiff_t>(y) * w * 3, w * 3, px.begin() + static_cast<std::ptrdiff_t>(y) * stride);
  const PhotoResult r = ProcessRgb(px.data(), w, h, stride);
  REQUIRE(r.ok());
  CHECK(r.source_format == Format::RawRgb);
  CHECK(r.width == 1600);
  CHECK(r.height == 900);
  CHECK(r.thumb_width == 320);
  CHECK(r.thumb_height == 180);
  const fx::Decoded d = fx::DecodeJpeg(r.jpeg);
  CHECK(IsRed(d, 80, 45));
  CHECK_FALSE(IsRed(d, 1520, 855));
  CHECK(HasNoMetadata(r.jpeg));
}
