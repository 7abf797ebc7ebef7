// exif.tests.cpp — the EXIF orientation reader on good, truncated and hostile TIFF data, and
// the structural walks (sniffing, JPEG markers, PNG chunks) it is found through.
#include <catch2/catch.hpp>

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
