// exif.tests.cpp — the EXIF orientation reader on good, truncated and hostile TIFF data, and
// the structural walks (sniffing, JPEG markers, PNG chunks) it is found through.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <string>

#include "app/capture/exif.h"
#include "app/capture/formats.h"
#include "tests/capture/fixtures.h"

using namespace samvad::capture;
namespace fx = samvad::capture::fixtures;

TEST_CASE("orientation is read from IFD0 in both byte orders", "[capture][exif]") {
  for (std::uint16_t o = 1; o <= 8; ++o) {
    CAPTURE(o);
    CHECK(TiffOrientation(fx::ExifTiff(o, false)) == o);
    CHECK(TiffOrientation(fx::ExifTiff(o, true)) == o);
    CHECK(TiffOrientation(fx::ExifTiff(o, true, /*with_gps=*/false)) == o);
    const fx::Bytes app1 = fx::ExifApp1(o);
    CHECK(App1Orientation(std::span(app1).subspan(4)) == o);
  }
}

TEST_CASE("values outside 1..8 and wrong types read as 1", "[capture][exif]") {
  CHECK(TiffOrientation(fx::ExifTiff(0)) == 1);
  CHECK(TiffOrientation(fx::ExifTiff(9)) == 1);
  CHECK(TiffOrientation(fx::ExifTiff(0xFFFF)) == 1);
  fx::Bytes t = fx::ExifTiff(6);
  // IFD0 entry 1 (Orientation) starts at 8 + 2 + 12; its type is the next 2 bytes.
  t[8 + 2 + 12 + 2] = 7;  // UNDEFINED
  CHECK(TiffOrientation(t) == 1);
}

TEST_CASE("an APP1 that is not EXIF (XMP) is ignored", "[capture][exif]") {
  const std::string xmp = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
  CHECK(App1Orientation(fx::Bytes(xmp.begin(), xmp.end())) == 1);
  CHECK(App1Orientation({}) == 1);
}

TEST_CASE("truncated EXIF never reads past its end", "[capture][exif]") {
  const fx::Bytes t = fx::ExifTiff(6, true);
  for (std::size_t n = 0; n <= t.size(); ++n) {
    CAPTURE(n);
    const Orientation o = TiffOrientation(std::span(t).first(n));
    // Orientation is the second IFD0 entry: 8 + 2 + 2*12 bytes hold it.
    CHECK(o == (n >= 8 + 2 + 24 ? 6 : 1));
  }
}

TEST_CASE("hostile offsets and counts are refused", "[capture][exif]") {
  fx::Bytes t = fx::ExifTiff(6, false);
  SECTION("IFD0 offset near 2^32 (would wrap a 32-bit sum)") {
    t[4] = 0xF8, t[5] = 0xFF, t[6] = 0xFF, t[7] = 0xFF;
    CHECK(TiffOrientation(t) == 1);
  }
  SECTION("IFD0 offset pointing into the header") {
    t[4] = 2, t[5] = 0, t[6] = 0, t[7] = 0;
    CHECK(TiffOrientation(t) == 1);
  }
  SECTION("entry count 65535: only entries inside the buffer are read") {
    t[8] = 0xFF, t[9] = 0xFF;
    CHECK(TiffOrientation(t) == 6);
  }
  SECTION("bad magic or byte order") {
    fx::Bytes m = t;
    m[2] = 43;
    CHECK(TiffOrientation(m) == 1);
    m = t;
    m[0] = 'I', m[1] = 'M';
    CHECK(TiffOrientation(m) == 1);
  }
}

namespace {
// The TIFF inside an ExifTakenApp1 segment (after FF E1, the length and "Exif\0\0").
std::span<const std::uint8_t> TiffOf(const fx::Bytes& app1) { return std::span(app1).subspan(10); }

// Sets TZ for one test and puts the old one back.
struct ZoneFor {
  std::string old;
  bool had = false;
  explicit ZoneFor(const char* tz) {
    if (const char* o = std::getenv("TZ")) old = o, had = true;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ZoneFor() {
    if (had) setenv("TZ", old.c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }
};
}  // namespace

TEST_CASE("the time a photo was taken is read from the EXIF sub-IFD in both byte orders", "[capture][exif][taken]") {
  for (bool big : {false, true}) {
    CAPTURE(big);
    const fx::Bytes app1 = fx::ExifTakenApp1("2025:03:14 09:26:53", "+05:30", big);
    const ExifTime t = TiffTakenTime(TiffOf(app1));
    REQUIRE(t.valid());
    CHECK(t.year == 2025);
    CHECK(t.month == 3);
    CHECK(t.day == 14);
    CHECK(t.hour == 9);
    CHECK(t.minute == 26);
    CHECK(t.second == 53);
    CHECK(t.has_offset);
    CHECK(t.offset_minutes == 330);
    // 09:26:53 at +05:30 is 03:56:53 UTC, whatever the device's zone.
    ZoneFor zone("UTC0");
    CHECK(ExifTimeToUnix(t) == 1741924613);
    CHECK(App1TakenTime(std::span(app1).subspan(4)).valid());
  }
  // No EXIF sub-IFD (orientation and GPS only): no time.
  CHECK_FALSE(TiffTakenTime(fx::ExifTiff(6)).valid());
  CHECK(ExifTimeToUnix(ExifTime{}) == 0);
}

TEST_CASE("without an offset the camera's time is read in the device's time zone", "[capture][exif][taken]") {
  const ExifTime t = TiffTakenTime(TiffOf(fx::ExifTakenApp1("2025:03:14 09:26:53")));
  REQUIRE(t.valid());
  CHECK_FALSE(t.has_offset);
  {
    ZoneFor zone("UTC0");
    CHECK(ExifTimeToUnix(t) == 1741944413);
  }
  {
    ZoneFor zone("IST-5:30");  // POSIX: India, 5 h 30 east of UTC
    CHECK(ExifTimeToUnix(t) == 1741944413 - 19800);
  }
}

TEST_CASE("an unknown, malformed or out-of-range time reads as no time", "[capture][exif][taken]") {
  for (const char* when : {"0000:00:00 00:00:00", "    :  :     :  :  ", "2025-03-14 09:26:53", "2025:13:14 09:26:53",
                           "2025:03:14 24:00:00", "2025:03:14 09:26", "1970:01:01 00:00:00", "2025:03:14 09:26:5x"}) {
    CAPTURE(when);
    CHECK_FALSE(TiffTakenTime(TiffOf(fx::ExifTakenApp1(when))).valid());
  }
  // A malformed offset is dropped; the time stays (read in the device's zone).
  const ExifTime t = TiffTakenTime(TiffOf(fx::ExifTakenApp1("2025:03:14 09:26:53", "+5:30")));
  CHECK(t.valid());
  CHECK_FALSE(t.has_offset);
}

TEST_CASE("a truncated or hostile EXIF sub-IFD never reads past its end", "[capture][exif][taken]") {
  const fx::Bytes app1 = fx::ExifTakenApp1("2025:03:14 09:26:53", "+05:30", true);
  const auto tiff = TiffOf(app1);
  for (std::size_t n = 0; n <= tiff.size(); ++n) {
    CAPTURE(n);
    const ExifTime t = TiffTakenTime(tiff.first(n));
    // The time's 20 bytes end 7 bytes before the TIFF does (the offset's 7 follow them).
    CHECK(t.valid() == (n >= tiff.size() - 7));
    if (t.valid()) CHECK(t.has_offset == (n == tiff.size()));
  }
  fx::Bytes h(tiff.begin(), tiff.end());
  SECTION("sub-IFD pointer near 2^32") {
    // IFD0's only entry starts at 10; its value (the pointer) at 10 + 8, big-endian.
    h[18] = 0xFF, h[19] = 0xFF, h[20] = 0xFF, h[21] = 0xF0;
    CHECK_FALSE(TiffTakenTime(h).valid());
  }
  SECTION("the time's offset points past the end") {
    // The sub-IFD starts at 26; its first entry's value at 26 + 2 + 8.
    h[36] = 0x7F, h[37] = 0xFF, h[38] = 0xFF, h[39] = 0xFF;
    CHECK_FALSE(TiffTakenTime(h).valid());
  }
  SECTION("the time's count near 2^32") {
    h[32] = 0xFF, h[33] = 0xFF, h[34] = 0xFF, h[35] = 0xFF;
    CHECK_FALSE(TiffTakenTime(h).valid());
  }
}

TEST_CASE("formats are sniffed by their first bytes", "[capture][formats]") {
  CHECK(SniffFormat(fx::MakeJpeg(16, 16)) == Format::Jpeg);
  CHECK(SniffFormat(fx::EncodePng(fx::Bytes(16 * 16 * 3, 9), 16, 16, 3)) == Format::Png);
  const std::string text = "hello, this is not a photo";
  CHECK(SniffFormat(fx::Bytes(text.begin(), text.end())) == Format::Unknown);
  CHECK(SniffFormat({}) == Format::Unknown);
  const fx::Bytes tiff = fx::ExifTiff(1);
  CHECK(SniffFormat(tiff) == Format::Tiff);
}

TEST_CASE("the JPEG walk finds size, orientation and completeness", "[capture][formats]") {
  const fx::Bytes j = fx::InsertAfterSoi(fx::MakeJpeg(320, 240), fx::ExifApp1(8));
  const Layout l = ScanJpeg(j);
  CHECK(l.structure == Structure::Ok);
  CHECK(l.width == 320);
  CHECK(l.height == 240);
  CHECK(l.orientation == 8);
  SECTION("data after the end marker (maker trailers) is ignored") {
    fx::Bytes t = j;
    t.insert(t.end(), 500, 0xAB);
    CHECK(ScanJpeg(t).structure == Structure::Ok);
  }
  SECTION("the first EXIF APP1 wins") {
    const fx::Bytes two = fx::InsertAfterSoi(j, fx::ExifApp1(3));
    CHECK(ScanJpeg(two).orientation == 3);
  }
  SECTION("no end marker is Truncated") {
    CHECK(ScanJpeg(fx::Bytes(j.begin(), j.end() - 2)).structure == Structure::Truncated);
  }
}

TEST_CASE("the PNG walk reads IHDR before anything else and needs IEND", "[capture][formats]") {
  const fx::Bytes png = fx::EncodePng(fx::Bytes(30 * 20 * 4, 128), 30, 20, 4);
  const Layout l = ScanPng(png);
  CHECK(l.structure == Structure::Ok);
  CHECK(l.width == 30);
  CHECK(l.height == 20);
  CHECK(l.has_alpha);
  const Layout bomb = ScanPng(fx::PngBomb(16000, 16000, 10));
  CHECK(bomb.structure == Structure::Ok);
  CHECK(bomb.width == 16000);
  CHECK(ScanPng(fx::Bytes(png.begin(), png.end() - 12)).structure == Structure::Truncated);
}
