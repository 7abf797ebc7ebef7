// fixtures.h — photos made in memory for the capture tests and the photo benchmark, so no
// binary fixture is committed: JPEGs from synthetic pixels (TurboJPEG), EXIF APP1 segments with
// an orientation and a GPS position planted in them, PNGs (stb_image_write) and a PNG
// decompression bomb built chunk by chunk. Also the readers the tests check output with:
// a JPEG marker lister and a TurboJPEG decode. Test code only; nothing here ships.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace samvad::capture::fixtures {

using Bytes = std::vector<std::uint8_t>;

// The GPS position planted by ExifApp1 (19°4'12.3456"N 72°51'65.4321"E — a Mumbai street),
// stored as EXIF RATIONALs; tests search output bytes for these numerators and denominators.
inline constexpr std::uint32_t kLatitude[6] = {19, 1, 4, 1, 123456, 10000};
inline constexpr std::uint32_t kLongitude[6] = {72, 1, 51, 1, 654321, 10000};
inline constexpr const char* kCameraMake = "SamvadTestCam";

// RGB pixels: smooth gradients, plus per-pixel noise when `noise` (a camera's sensor noise and
// texture, which is what makes real photos cost something to encode). When `marker` > 0, a
// pure red block of (width/marker) × (height/marker) sits at the stored top-left corner, and
// no other pixel is strongly red (red is capped at 175 elsewhere).
Bytes SyntheticRgb(int width, int height, bool noise, int marker = 0, std::uint32_t seed = 1);

Bytes EncodeJpeg(const Bytes& rgb, int width, int height, int quality);
inline Bytes MakeJpeg(int width, int height, int quality = 90, bool noise = false, int marker = 0) {
  return EncodeJpeg(SyntheticRgb(width, height, noise, marker), width, height, quality);
}

// A complete APP1 segment (FF E1, length, "Exif\0\0", TIFF) with IFD0 = Make, Orientation and
// a GPS IFD pointer, and the GPS IFD = latitude/longitude with their refs.
Bytes ExifApp1(std::uint16_t orientation, bool big_endian = false, bool with_gps = true);
// The bare TIFF structure inside ExifApp1 (as a PNG eXIf chunk holds it).
Bytes ExifTiff(std::uint16_t orientation, bool big_endian = false, bool with_gps = true);
// An APP1 segment ("Exif\0\0" + TIFF) whose IFD0 holds only the EXIF sub-IFD pointer, and that
// sub-IFD DateTimeOriginal = `when` ("YYYY:MM:DD HH:MM:SS", written as given, malformed or not)
// and, unless `offset` is empty, OffsetTimeOriginal = `offset` ("+05:30").
Bytes ExifTakenApp1(const std::string& when, const std::string& offset = "", bool big_endian = false);
// `segment` inserted right after SOI, where cameras put APP1.
Bytes InsertAfterSoi(const Bytes& jpeg, const Bytes& segment);

// An 8-bit PNG of `channels` (3 or 4) from `pixels`.
Bytes EncodePng(const Bytes& pixels, int width, int height, int channels);
// A PNG that declares width × height (8-bit RGB) with an IDAT of `idat_zero_bytes` deflated
// zeros: a few KB that would decode to gigabytes. Valid CRCs throughout.
Bytes PngBomb(std::uint32_t width, std::uint32_t height, std::size_t idat_zero_bytes = 1 << 20);
// A PNG chunk with its length and CRC.
Bytes PngChunk(const char type[4], std::span<const std::uint8_t> data);

struct Decoded {
  int width = 0;
  int height = 0;
  Bytes rgb;
};
Decoded DecodeJpeg(const Bytes& jpeg);  // width 0 on failure

// Marker codes (the byte after FF) of the segments before the first SOS, in order.
std::vector<std::uint8_t> MarkersBeforeScan(const Bytes& jpeg);
bool Contains(const Bytes& hay, std::span<const std::uint8_t> needle);
bool Contains(const Bytes& hay, const std::string& needle);
// The 24 bytes of three RATIONALs as ExifTiff wrote them.
Bytes RationalBytes(const std::uint32_t (&v)[6], bool big_endian);

// A fresh folder under the system temp dir, unique to this process (ctest runs the plain and
// the sanitizer binaries in parallel), removed with everything in it on destruction.
struct TempDir {
  explicit TempDir(const char* tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
};

Bytes ReadFile(const std::string& path);
void WriteFile(const std::string& path, const Bytes& bytes);

}  // namespace samvad::capture::fixtures
