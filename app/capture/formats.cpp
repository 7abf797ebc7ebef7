// formats.cpp — see formats.h. Positions are std::size_t and every read is preceded by a check
// against bytes.size() written as `need <= size - pos` (never `pos + need <= size`, which a
// hostile 32-bit length could wrap).
#include "app/capture/formats.h"

#include <cassert>
#include <cstring>

namespace samvad::capture {
namespace {

using Bytes = std::span<const std::uint8_t>;

bool StartsWith(Bytes b, std::size_t at, const char* s, std::size_t n) {
  return at <= b.size() && n <= b.size() - at && std::memcmp(b.data() + at, s, n) == 0;
}

std::uint16_t Be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}
std::uint32_t Be32(Bytes b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 |
         std::uint32_t{b[at + 2]} << 8 | std::uint32_t{b[at + 3]};
}

Layout Fail(Layout l, Structure s, const char* why) {
  l.structure = s;
  l.why = why;
  return l;
}

bool IsSof(std::uint8_t m) {
  // C0..CF are SOFn except C4 (DHT), C8 (reserved JPG) and CC (DAC).
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

}  // namespace

Format SniffFormat(Bytes b) {
  if (StartsWith(b, 0, "\xFF\xD8\xFF", 3)) return Format::Jpeg;
  if (StartsWith(b, 0, "\x89PNG\r\n\x1A\n", 8)) return Format::Png;
  if (StartsWith(b, 0, "GIF87a", 6) || StartsWith(b, 0, "GIF89a", 6)) return Format::Gif;
  if (StartsWith(b, 0, "RIFF", 4) && StartsWith(b, 8, "WEBP", 4)) return Format::Webp;
  if (StartsWith(b, 4, "ftyp", 4)) {
    for (const char* brand : {"heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif"})
      if (StartsWith(b, 8, brand, 4)) return Format::Heif;
  }
  if (StartsWith(b, 0, "BM", 2) && b.size() >= 26) return Format::Bmp;
  if (StartsWith(b, 0, "II*\0", 4) || StartsWith(b, 0, "MM\0*", 4)) return Format::Tiff;
  return Format::Unknown;
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::Unknown: return "unknown";
    case Format::Jpeg: return "JPEG";
    case Format::Png: return "PNG";
    case Format::Gif: return "GIF";
    case Format::Webp: return "WebP";
    case Format::Heif: return "HEIF/HEIC";
    case Format::Bmp: return "BMP";
    case Format::Tiff: return "TIFF";
    case Format::RawRgb: return "RGB frame";
  }
  return "?";
}

Layout ScanJpeg(Bytes b) {
  assert(SniffFormat(b) == Format::Jpeg && "ScanJpeg: sniff the bytes first");
  Layout l;
  const std::size_t size = b.size();
  std::size_t pos = 2;  // after SOI
  bool seen_sof = false, seen_exif = false;
  for (;;) {
    if (pos >= size) return Fail(l, Structure::Truncated, "JPEG ends between segments");
    if (b[pos] != 0xFF) return Fail(l, Structure::Corrupt, "JPEG: expected a marker");
    while (pos < size && b[pos] == 0xFF) ++pos;  // fill bytes are allowed before any marker
    if (pos >= size) return Fail(l, Structure::Truncated, "JPEG ends in fill bytes");
    const std::uint8_t m = b[pos++];
    if (m == 0xD9) {
      // EOI: anything after it (phones append maker data there) is ignored, as decoders do.
      if (!seen_sof) return Fail(l, Structure::Corrupt, "JPEG: EOI before any frame");
      l.structure = Structure::Ok;
      return l;
    }
    if (m == 0x00 || m == 0xD8) return Fail(l, Structure::Corrupt, "JPEG: misplaced marker");
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;  // RSTn, TEM: no length
    if (2 > size - pos) return Fail(l, Structure::Truncated, "JPEG ends in a segment length");
    const std::size_t len = Be16(b, pos);
    if (len < 2) return Fail(l, Structure::Corrupt, "JPEG: segment length < 2");
    if (len > size - pos) return Fail(l, Structure::Truncated, "JPEG ends inside a segment");
    const Bytes payload = b.subspan(pos + 2, len - 2);
    pos += len;

    if (m == 0xE1 && !seen_exif) {
      // The first APP1 that is EXIF counts; a second one (or XMP, also APP1) is ignored.
      if (StartsWith(payload, 0, "Exif\0\0", 6)) {
        seen_exif = true;
        l.orientation = App1Orientation(payload);
        l.taken = App1TakenTime(payload);
      }
    } else if (IsSof(m)) {
      if (seen_sof) return Fail(l, Structure::Corrupt, "JPEG: two frame headers");
      if (payload.size() < 6) return Fail(l, Structure::Corrupt, "JPEG: short frame header");
      seen_sof = true;
      l.height = Be16(payload, 1);
      l.width = Be16(payload, 3);
      // TurboJPEG 2.1 decodes 8-bit baseline, extended, progressive and arithmetic JPEGs;
      // lossless (C3, CB) and hierarchical (C5-C7, CD-CF) frames and 12-bit samples are real
      // but rare formats it cannot decode: say "unsupported", not "damaged".
      if (m == 0xC3 || (m >= 0xC5 && m <= 0xC7) || m == 0xCB || m >= 0xCD)
        return Fail(l, Structure::Unsupported, "JPEG: lossless or hierarchical");
      if (payload[0] != 8) return Fail(l, Structure::Unsupported, "JPEG: not 8-bit samples");
      // Height 0 means "given later by a DNL marker", which libjpeg does not support.
      if (l.width == 0 || l.height == 0) return Fail(l, Structure::Corrupt, "JPEG: zero size");
    } else if (m == 0xDA) {
      if (!seen_sof) return Fail(l, Structure::Corrupt, "JPEG: scan before frame header");
      // Entropy-coded data: runs to the next marker that is not a stuffed 0xFF00 or a RSTn.
      for (;;) {
        const void* ff = pos < size ? std::memchr(b.data() + pos, 0xFF, size - pos) : nullptr;
        if (!ff) return Fail(l, Structure::Truncated, "JPEG ends inside image data");
        pos = static_cast<std::size_t>(static_cast<const std::uint8_t*>(ff) - b.data());
        if (pos + 1 >= size) return Fail(l, Structure::Truncated, "JPEG ends inside image data");
        const std::uint8_t next = b[pos + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          pos += 2;
        } else if (next == 0xFF) {
          pos += 1;
        } else {
          break;  // a real marker: back to the segment loop
        }
      }
    }
  }
}

Layout ScanPng(Bytes b) {
  assert(SniffFormat(b) == Format::Png && "ScanPng: sniff the bytes first");
  Layout l;
  const std::size_t size = b.size();
  std::size_t pos = 8;  // after the signature
  // IHDR must come first and be 13 bytes (PNG spec 11.2.2).
  if (8 + 13 + 4 > size - pos) return Fail(l, Structure::Truncated, "PNG ends in its header");
  if (Be32(b, pos) != 13 || !StartsWith(b, pos + 4, "IHDR", 4))
    return Fail(l, Structure::Corrupt, "PNG: first chunk is not IHDR");
  l.width = Be32(b, pos + 8);
  l.height = Be32(b, pos + 12);
  const std::uint8_t colour_type = b[pos + 17];
  l.has_alpha = colour_type == 4 || colour_type == 6;
  if (l.width == 0 || l.height == 0 || l.width > 0x7FFFFFFFu || l.height > 0x7FFFFFFFu)
    return Fail(l, Structure::Corrupt, "PNG: impossible size");
  pos += 8 + 13 + 4;
  bool seen_idat = false;
  for (;;) {
    if (12 > size - pos) return Fail(l, Structure::Truncated, "PNG ends before IEND");
    const std::uint32_t len = Be32(b, pos);
    if (len > 0x7FFFFFFFu) return Fail(l, Structure::Corrupt, "PNG: chunk length > 2^31-1");
    if (std::size_t{len} > size - pos - 12)
      return Fail(l, Structure::Truncated, "PNG ends inside a chunk");
    const Bytes type = b.subspan(pos + 4, 4);
    const Bytes data = b.subspan(pos + 8, len);
    if (StartsWith(type, 0, "IEND", 4)) {
      if (!seen_idat) return Fail(l, Structure::Corrupt, "PNG: no image data");
      l.structure = Structure::Ok;
      return l;
    }
    if (StartsWith(type, 0, "IDAT", 4)) seen_idat = true;
    if (StartsWith(type, 0, "tRNS", 4)) l.has_alpha = true;
    // eXIf (PNG 1.5 extension) holds a bare TIFF structure: same reader as JPEG's APP1.
    if (StartsWith(type, 0, "eXIf", 4)) {
      l.orientation = TiffOrientation(data);
      l.taken = TiffTakenTime(data);
    }
    pos += 12 + std::size_t{len};
  }
}

}  // namespace samvad::capture
