// fixtures.cpp — see fixtures.h. The PNG bomb's IDAT is deflated here by hand (fixed Huffman
// codes, one literal zero then matches of length 258 at distance 1, 13 bits per 258 bytes):
// Debian's libstb has a zlib compressor but does not declare it, and zlib would be one more
// package for one test.
#include "tests/capture/fixtures.h"

#include <stb_image_write.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

namespace samvad::capture::fixtures {
namespace {

std::uint32_t Crc32(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (auto part : {a, b})
    for (std::uint8_t byte : part) {
      c ^= byte;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
  return c ^ 0xFFFFFFFFu;
}

void PutBe32(Bytes* out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<std::uint8_t>(v >> s));
}

struct BitWriter {
  Bytes out;
  std::uint32_t acc = 0;
  int n = 0;
  void Bits(std::uint32_t v, int count) {  // LSB first, as deflate packs header fields
    for (int i = 0; i < count; ++i) Bit((v >> i) & 1u);
  }
  void Code(std::uint32_t code, int len) {  // Huffman codes go MSB first
    for (int i = len - 1; i >= 0; --i) Bit((code >> i) & 1u);
  }
  void Bit(std::uint32_t b) {
    acc |= b << n;
    if (++n == 8) Flush();
  }
  void Flush() {
    if (n == 0) return;
    out.push_back(static_cast<std::uint8_t>(acc));
    acc = 0;
    n = 0;
  }
};

Bytes ZlibOfZeros(std::size_t n) {
  BitWriter w;
  w.out = {0x78, 0x01};
  w.Bits(1, 1);  // BFINAL
  w.Bits(1, 2);  // BTYPE 01: fixed Huffman
  std::size_t left = n;
  if (left > 0) {
    w.Code(0x30, 8);  // literal 0
    --left;
  }
  while (left >= 258) {
    w.Code(0xC5, 8);  // length code 285 = 258
    w.Code(0x00, 5);  // distance code 0 = 1
    left -= 258;
  }
  for (; left > 0; --left) w.Code(0x30, 8);
  w.Code(0x00, 7);  // end of block
  w.Flush();
  const std::uint32_t adler = static_cast<std::uint32_t>(n % 65521) << 16 | 1u;
  PutBe32(&w.out, adler);
  return w.out;
}

void StbWrite(void* ctx, void* data, int size) {
  auto* out = static_cast<Bytes*>(ctx);
  const auto* p = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

struct TiffWriter {
  bool be = false;
  Bytes b;
  void U16(std::uint16_t v) {
    if (be) {
      b.push_back(static_cast<std::uint8_t>(v >> 8));
      b.push_back(static_cast<std::uint8_t>(v));
    } else {
      b.push_back(static_cast<std::uint8_t>(v));
      b.push_back(static_cast<std::uint8_t>(v >> 8));
    }
  }
  void U32(std::uint32_t v) {
    if (be) {
      U16(static_cast<std::uint16_t>(v >> 16));
      U16(static_cast<std::uint16_t>(v));
    } else {
      U16(static_cast<std::uint16_t>(v));
      U16(static_cast<std::uint16_t>(v >> 16));
    }
  }
  void Entry(std::uint16_t tag, std::uint16_t type, std::uint32_t count, std::uint32_t value) {
    U16(tag);
    U16(type);
    U32(count);
    U32(value);
  }
  // A SHORT value sits left-justified in the 4-byte field.
  void ShortEntry(std::uint16_t tag, std::uint16_t value) {
    U16(tag);
    U16(3);
    U32(1);
    U16(value);
    U16(0);
  }
  // Up to 4 ASCII bytes inline.
  void InlineAscii(std::uint16_t tag, const char (&s)[2]) {
    U16(tag);
    U16(2);
    U32(2);
    b.push_back(static_cast<std::uint8_t>(s[0]));
    b.push_back(0);
    b.push_back(0);
    b.push_back(0);
  }
};

}  // namespace

Bytes SyntheticRgb(int width, int height, bool noise, int marker, std::uint32_t seed) {
  Bytes px(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  std::uint32_t s = seed * 2654435761u + 1u;
  const auto rnd = [&s] {  // xorshift32: deterministic, fast, good enough for texture
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  };
  const int mw = marker > 0 ? width / marker : 0, mh = marker > 0 ? height / marker : 0;
  std::uint8_t* p = px.data();
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x, p += 3) {
      if (x < mw && y < mh) {
        p[0] = 255, p[1] = 0, p[2] = 0;
        continue;
      }
      int r = 40 + 80 * y / height;
      int g = 60 + 150 * x / width;
      int b = 90 + 100 * (x + y) / (width + height);
      if (noise) {
        // Sensor-like noise (sum of two uniforms, about ±12) plus fine texture every few pixels.
        const std::uint32_t v = rnd();
        const int n = static_cast<int>(v & 15u) + static_cast<int>((v >> 4) & 15u) - 15;
        const int t = ((x / 3 + y / 5) % 7 == 0) ? 14 : 0;
        r += n + t;
        g += n - t / 2 + static_cast<int>((v >> 8) & 7u) - 3;
        b += n + static_cast<int>((v >> 11) & 7u) - 3;
      }
      p[0] = static_cast<std::uint8_t>(std::clamp(r, 0, 175));  // never "strongly red"
      p[1] = static_cast<std::uint8_t>(std::clamp(g, 0, 255));
      p[2] = static_cast<std::uint8_t>(std::clamp(b, 0, 255));
    }
  }
  return px;
}

Bytes EncodeJpeg(const Bytes& rgb, int width, int height, int quality) {
  tjhandle tj = tjInitCompress();
  if (!tj) throw std::runtime_error("tjInitCompress");
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(tj, rgb.data(), width, 0, height, TJPF_RGB, &buf, &size, TJSAMP_420,
                             quality, 0);
  Bytes out;
  if (rc == 0) out.assign(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);
  if (rc != 0) throw std::runtime_error("tjCompress2");
  return out;
}

Bytes ExifTiff(std::uint16_t orientation, bool big_endian, bool with_gps) {
  TiffWriter w;
  w.be = big_endian;
  const std::string make = kCameraMake;
  w.b = big_endian ? Bytes{'M', 'M'} : Bytes{'I', 'I'};
  w.U16(42);
  w.U32(8);
  // IFD0: Make, Orientation, GPSInfo pointer (entries in tag order, as TIFF requires).
  const std::uint16_t n0 = with_gps ? 3 : 2;
  const std::uint32_t ifd0_end = 8 + 2 + 12u * n0 + 4;
  const std::uint32_t make_at = ifd0_end;
  const std::uint32_t gps_at = make_at + static_cast<std::uint32_t>(make.size() + 1);
  w.U16(n0);
  w.Entry(0x010F, 2, static_cast<std::uint32_t>(make.size() + 1), make_at);
  w.ShortEntry(0x0112, orientation);
  if (with_gps) w.Entry(0x8825, 4, 1, gps_at);
  w.U32(0);  // no IFD1
  w.b.insert(w.b.end(), make.begin(), make.end());
  w.b.push_back(0);
  if (with_gps) {
    const std::uint32_t gps_end = gps_at + 2 + 12 * 4 + 4;
    w.U16(4);
    w.InlineAscii(0x0001, "N");
    w.Entry(0x0002, 5, 3, gps_end);
    w.InlineAscii(0x0003, "E");
    w.Entry(0x0004, 5, 3, gps_end + 24);
    w.U32(0);
    for (std::uint32_t v : kLatitude) w.U32(v);
    for (std::uint32_t v : kLongitude) w.U32(v);
  }
  return w.b;
}

Bytes ExifTakenApp1(const std::string& when, const std::string& offset, bool big_endian) {
  TiffWriter w;
  w.be = big_endian;
  w.b = big_endian ? Bytes{'M', 'M'} : Bytes{'I', 'I'};
  w.U16(42);
  w.U32(8);
  // IFD0: one entry, the EXIF sub-IFD pointer; no IFD1.
  const std::uint32_t sub_at = 8 + 2 + 12 + 4;
  w.U16(1);
  w.Entry(0x8769, 4, 1, sub_at);
  w.U32(0);
  // The sub-IFD: DateTimeOriginal (ASCII, with its NUL: 20 bytes, stored after the IFD), then
  // OffsetTimeOriginal (7 bytes, likewise).
  const std::uint16_t n = offset.empty() ? 1 : 2;
  const std::uint32_t values_at = sub_at + 2 + 12u * n + 4;
  const auto when_len = static_cast<std::uint32_t>(when.size() + 1);
  w.U16(n);
  w.Entry(0x9003, 2, when_len, values_at);
  if (!offset.empty()) w.Entry(0x9011, 2, static_cast<std::uint32_t>(offset.size() + 1), values_at + when_len);
  w.U32(0);
  w.b.insert(w.b.end(), when.begin(), when.end());
  w.b.push_back(0);
  w.b.insert(w.b.end(), offset.begin(), offset.end());
  if (!offset.empty()) w.b.push_back(0);
  const std::size_t len = 2 + 6 + w.b.size();
  Bytes seg = {0xFF, 0xE1, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  for (char c : {'E', 'x', 'i', 'f', '\0', '\0'}) seg.push_back(static_cast<std::uint8_t>(c));
  seg.insert(seg.end(), w.b.begin(), w.b.end());
  return seg;
}

Bytes ExifApp1(std::uint16_t orientation, bool big_endian, bool with_gps) {
  const Bytes tiff = ExifTiff(orientation, big_endian, with_gps);
  const std::size_t len = 2 + 6 + tiff.size();
  Bytes seg = {0xFF, 0xE1, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  for (char c : {'E', 'x', 'i', 'f', '\0', '\0'}) seg.push_back(static_cast<std::uint8_t>(c));
  seg.insert(seg.end(), tiff.begin(), tiff.end());
  return seg;
}

Bytes InsertAfterSoi(const Bytes& jpeg, const Bytes& segment) {
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), segment.begin(), segment.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

Bytes EncodePng(const Bytes& pixels, int width, int height, int channels) {
  Bytes out;
  if (!stbi_write_png_to_func(StbWrite, &out, width, height, channels, pixels.data(), width * channels))
    throw std::runtime_error("stbi_write_png_to_func");
  return out;
}

Bytes PngChunk(const char type[4], std::span<const std::uint8_t> data) {
  Bytes out;
  PutBe32(&out, static_cast<std::uint32_t>(data.size()));
  const Bytes t(type, type + 4);
  out.insert(out.end(), t.begin(), t.end());
  out.insert(out.end(), data.begin(), data.end());
  PutBe32(&out, Crc32(t, data));
  return out;
}

Bytes PngBomb(std::uint32_t width, std::uint32_t height, std::size_t idat_zero_bytes) {
  Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  PutBe32(&ihdr, width);
  PutBe32(&ihdr, height);
  for (std::uint8_t v : {8, 2, 0, 0, 0}) ihdr.push_back(v);  // 8-bit RGB, no interlace
  for (const Bytes& c : {PngChunk("IHDR", ihdr), PngChunk("IDAT", ZlibOfZeros(idat_zero_bytes)),
                         PngChunk("IEND", {})})
    out.insert(out.end(), c.begin(), c.end());
  return out;
}

Decoded DecodeJpeg(const Bytes& jpeg) {
  Decoded d;
  tjhandle tj = tjInitDecompress();
  int w = 0, h = 0, ss = 0, cs = 0;
  if (tj && tjDecompressHeader3(tj, jpeg.data(), jpeg.size(), &w, &h, &ss, &cs) == 0) {
    d.rgb.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    if (tjDecompress2(tj, jpeg.data(), jpeg.size(), d.rgb.data(), w, 0, h, TJPF_RGB, 0) == 0) {
      d.width = w;
      d.height = h;
    }
  }
  if (tj) tjDestroy(tj);
  return d;
}

std::vector<std::uint8_t> MarkersBeforeScan(const Bytes& j) {
  std::vector<std::uint8_t> m;
  std::size_t pos = 2;
  while (pos + 4 <= j.size() && j[pos] == 0xFF) {
    const std::uint8_t code = j[pos + 1];
    m.push_back(code);
    if (code == 0xDA) break;
    pos += 2 + (std::size_t{j[pos + 2]} << 8 | j[pos + 3]);
  }
  return m;
}

bool Contains(const Bytes& hay, std::span<const std::uint8_t> needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

bool Contains(const Bytes& hay, const std::string& needle) {
  const Bytes n(needle.begin(), needle.end());
  return Contains(hay, n);
}

Bytes RationalBytes(const std::uint32_t (&v)[6], bool big_endian) {
  TiffWriter w;
  w.be = big_endian;
  for (std::uint32_t x : v) w.U32(x);
  return w.b;
}

TempDir::TempDir(const char* tag) {
  static int counter = 0;  // test code: several TempDirs may live at once in one process
  std::string name;
  name.append("samvad-").append(tag).append("-").append(std::to_string(getpid()));
  name.append("-").append(std::to_string(++counter));
  path = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::string msg;
    msg.append("cannot write ").append(path);
    throw std::runtime_error(msg);
  }
}

}  // namespace samvad::capture::fixtures
