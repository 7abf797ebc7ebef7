// exif.cpp — see exif.h. IFD0 is read for Orientation, and one pointer from it is followed, to
// the EXIF sub-IFD, for the time the photo was taken. No other pointer is followed (GPS,
// interop, the thumbnail's IFD1), and the sub-IFD's own pointers are not either, so there is
// no offset loop to guard against: at most two IFDs are read, each entry checked against the
// buffer.
#include "app/capture/exif.h"

#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>

namespace samvad::capture {
namespace {

constexpr std::uint16_t kTagOrientation = 0x0112;
constexpr std::uint16_t kTagExifIfd = 0x8769;
constexpr std::uint16_t kTagDateTimeOriginal = 0x9003;
constexpr std::uint16_t kTagOffsetTimeOriginal = 0x9011;
constexpr std::uint16_t kTypeAscii = 2;
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

  // The byte order and magic; false when this is not a TIFF structure.
  bool Open() {
    if (b.size() < 8) return false;
    if (b[0] == 'I' && b[1] == 'I') big_endian = false;
    else if (b[0] == 'M' && b[1] == 'M') big_endian = true;
    else return false;
    return U16(2) == 42;
  }

  // The position of `tag`'s 12-byte entry in the IFD at `ifd` (an offset from the start of
  // the TIFF header), or nothing. Offsets are compared in 64 bits: a hostile offset near 2^32
  // must not wrap around into the buffer. A truncated IFD keeps the entries wholly inside.
  std::optional<std::size_t> Find(std::uint64_t ifd, std::uint16_t tag) const {
    if (ifd < 8 || ifd + 2 > b.size()) return std::nullopt;
    const std::uint16_t declared = U16(static_cast<std::size_t>(ifd));
    const std::uint64_t room = (b.size() - (ifd + 2)) / kIfdEntrySize;
    const std::uint64_t count = declared < room ? declared : room;
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto e = static_cast<std::size_t>(ifd + 2 + i * kIfdEntrySize);
      if (U16(e) == tag) return e;
    }
    return std::nullopt;
  }

  // A SHORT or LONG entry's first value (SHORT is what the standard says for most tags, LONG is
  // what a few writers produce and costs nothing to accept). Values of 4 bytes or less sit in
  // the entry itself, left-justified.
  std::optional<std::uint32_t> Number(std::size_t e) const {
    if (U32(e + 4) < 1) return std::nullopt;
    switch (U16(e + 2)) {
      case kTypeShort: return U16(e + 8);
      case kTypeLong: return U32(e + 8);
      default: return std::nullopt;
    }
  }

  // An ASCII entry's text, up to its NUL; empty when the type is wrong or it lies outside.
  std::string_view Ascii(std::size_t e) const {
    if (U16(e + 2) != kTypeAscii) return {};
    const std::uint64_t n = U32(e + 4);
    std::uint64_t at = e + 8;
    if (n > 4) at = U32(e + 8);
    if (n == 0 || at + n > b.size()) return {};
    std::string_view s(reinterpret_cast<const char*>(b.data() + at), static_cast<std::size_t>(n));
    return s.substr(0, s.find('\0'));
  }
};

bool Digits(std::string_view s, std::size_t at, std::size_t n, int* out) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "YYYY:MM:DD HH:MM:SS" (EXIF 2.3 §4.6.5); blanks or zeros ("0000:00:00 00:00:00") mean the
// camera did not know, and read as invalid like anything else out of range.
ExifTime ParseDateTime(std::string_view s) {
  ExifTime t;
  if (s.size() != 19 || s[4] != ':' || s[7] != ':' || s[10] != ' ' || s[13] != ':' || s[16] != ':') return {};
  if (!Digits(s, 0, 4, &t.year) || !Digits(s, 5, 2, &t.month) || !Digits(s, 8, 2, &t.day) ||
      !Digits(s, 11, 2, &t.hour) || !Digits(s, 14, 2, &t.minute) || !Digits(s, 17, 2, &t.second))
    return {};
  if (t.year < 1990 || t.year > 2100 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 ||
      t.hour > 23 || t.minute > 59 || t.second > 59)
    return {};
  return t;
}

// "+05:30" / "-03:00" (EXIF 2.31 OffsetTimeOriginal).
bool ParseOffset(std::string_view s, int* minutes) {
  int h = 0, m = 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !Digits(s, 1, 2, &h) || !Digits(s, 4, 2, &m) ||
      h > 14 || m > 59)
    return false;
  *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

// The TIFF structure inside an APP1 payload that starts "Exif\0\0"; empty otherwise (which every
// Tiff* reader takes as "nothing there").
std::span<const std::uint8_t> ExifTiff(std::span<const std::uint8_t> payload) {
  static constexpr std::uint8_t kExifId[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (payload.size() < sizeof kExifId || std::memcmp(payload.data(), kExifId, sizeof kExifId) != 0) return {};
  return payload.subspan(sizeof kExifId);
}

}  // namespace

Orientation TiffOrientation(std::span<const std::uint8_t> tiff) {
  TiffReader r{tiff};
  if (!r.Open()) return 1;
  const auto e = r.Find(r.U32(4), kTagOrientation);
  if (!e) return 1;
  const auto v = r.Number(*e);
  return v && *v >= 1 && *v <= 8 ? static_cast<Orientation>(*v) : 1;
}

Orientation App1Orientation(std::span<const std::uint8_t> app1_payload) {
  return TiffOrientation(ExifTiff(app1_payload));
}

ExifTime TiffTakenTime(std::span<const std::uint8_t> tiff) {
  TiffReader r{tiff};
  if (!r.Open()) return {};
  const auto pointer = r.Find(r.U32(4), kTagExifIfd);
  if (!pointer) return {};
  const auto sub = r.Number(*pointer);
  if (!sub) return {};
  const auto when = r.Find(*sub, kTagDateTimeOriginal);
  if (!when) return {};
  ExifTime t = ParseDateTime(r.Ascii(*when));
  if (!t.valid()) return {};
  if (const auto offset = r.Find(*sub, kTagOffsetTimeOriginal))
    t.has_offset = ParseOffset(r.Ascii(*offset), &t.offset_minutes);
  return t;
}

ExifTime App1TakenTime(std::span<const std::uint8_t> app1_payload) {
  return TiffTakenTime(ExifTiff(app1_payload));
}

std::int64_t ExifTimeToUnix(const ExifTime& t) {
  if (!t.valid()) return 0;
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  if (t.has_offset) {
    // timegm normalises a day past the month's end (31 April → 1 May) as the camera meant it.
    const std::time_t utc = timegm(&tm);
    return utc == static_cast<std::time_t>(-1) ? 0 : static_cast<std::int64_t>(utc) - t.offset_minutes * 60;
  }
  tm.tm_isdst = -1;  // the device's zone decides, as for every time the app shows
  const std::time_t local = std::mktime(&tm);
  return local == static_cast<std::time_t>(-1) ? 0 : static_cast<std::int64_t>(local);
}

}  // namespace samvad::capture
