// exif.cpp — see exif.h. Only IFD0 is read: Orientation lives there, and not following the
// sub-IFD pointers (EXIF, GPS, interop, thumbnail IFD1) means no offset loops to guard against.
#include "app/capture/exif.h"

#include <cstring>

namespace samvad::capture {
namespace {

constexpr std::uint16_t kTagOrientation = 0x0112;
constexpr std::uint16_t kTypeShort = 3;
constexpr std::uint16_t kTypeLong = 4;
constexpr std::size_t kIfdEntrySize = 12;

struct TiffReader {
  std::span<const std::uint8_t> b;
  bool big_endian = false;

  // Callers check `at + 2 <= b.size()` (or + 4) first; these only assemble bytes.
  std::uint16_t U16(std::size_t at) const {
    return big_endian ? static_cast<std::uint16_t>(b[at] << 8 | b[at + 1])
                      : static_cast<std::uint16_t>(b[at + 1] << 8 | b[at]);
  }
  std::uint32_t U32(std::size_t at) const {
    const std::uint32_t b0 = b[at], b1 = b[at + 1], b2 = b[at + 2], b3 = b[at + 3];
    return big_endian ? (b0 << 24 | b1 << 16 | b2 << 8 | b3) : (b3 << 24 | b2 << 16 | b1 << 8 | b0);
  }
};

}  // namespace

Orientation TiffOrientation(std::span<const std::uint8_t> tiff) {
  if (tiff.size() < 8) return 1;
  TiffReader r{tiff};
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    r.big_endian = false;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    r.big_endian = true;
  } else {
    return 1;
  }
  if (r.U16(2) != 42) return 1;
  // Offsets are from the start of the TIFF header. Compare in 64 bits: a hostile offset near
  // 2^32 must not wrap around into the buffer.
  const std::uint64_t ifd = r.U32(4);
  if (ifd < 8 || ifd + 2 > tiff.size()) return 1;
  const std::uint16_t declared = r.U16(static_cast<std::size_t>(ifd));
  // A truncated IFD keeps the entries that are wholly inside the buffer.
  const std::uint64_t room = (tiff.size() - (ifd + 2)) / kIfdEntrySize;
  const std::uint64_t count = declared < room ? declared : room;
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto e = static_cast<std::size_t>(ifd + 2 + i * kIfdEntrySize);
    if (r.U16(e) != kTagOrientation) continue;
    const std::uint16_t type = r.U16(e + 2);
    const std::uint32_t n = r.U32(e + 4);
    if (n < 1) return 1;
    // Values of 4 bytes or less sit in the entry itself, left-justified; SHORT is what the
    // standard says, LONG is what a few writers produce and costs nothing to accept.
    std::uint32_t v = 0;
    if (type == kTypeShort) {
      v = r.U16(e + 8);
    } else if (type == kTypeLong) {
      v = r.U32(e + 8);
    } else {
      return 1;
    }
    return (v >= 1 && v <= 8) ? static_cast<Orientation>(v) : 1;
  }
  return 1;
}

Orientation App1Orientation(std::span<const std::uint8_t> app1_payload) {
  static constexpr std::uint8_t kExifId[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (app1_payload.size() < sizeof kExifId ||
      std::memcmp(app1_payload.data(), kExifId, sizeof kExifId) != 0)
    return 1;
  return TiffOrientation(app1_payload.subspan(sizeof kExifId));
}

}  // namespace samvad::capture
