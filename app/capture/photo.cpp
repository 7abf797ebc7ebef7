// photo.cpp — see photo.h for the pipeline and its promises.
//
// [SECTION] errors and small helpers
// [SECTION] the size budget
// [SECTION] decoding JPEG (TurboJPEG)
// [SECTION] decoding PNG (stb_image)
// [SECTION] encoding and hashing
// [SECTION] the pipeline
#include "app/capture/photo.h"

#include <stb_image.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <string_view>

#include "app/capture/image_ops.h"
#include "sync/model/sha256.h"

namespace samvad::capture {

// ============================================================================================
// [SECTION] errors and small helpers
// ============================================================================================

const char* PhotoErrorName(PhotoError e) {
  switch (e) {
    case PhotoError::None: return "none";
    case PhotoError::Empty: return "empty";
    case PhotoError::NotAnImage: return "not_an_image";
    case PhotoError::UnsupportedFormat: return "unsupported_format";
    case PhotoError::Truncated: return "truncated";
    case PhotoError::Corrupt: return "corrupt";
    case PhotoError::TooLarge: return "too_large";
    case PhotoError::IoError: return "io_error";
    case PhotoError::OutOfMemory: return "out_of_memory";
    case PhotoError::CodecFailure: return "codec_failure";
    case PhotoError::CameraMissing: return "camera_missing";
    case PhotoError::CameraBusy: return "camera_busy";
    case PhotoError::CameraFailed: return "camera_failed";
  }
  return "unknown";
}

bool IsBadInput(PhotoError e) {
  switch (e) {
    case PhotoError::Empty:
    case PhotoError::NotAnImage:
    case PhotoError::UnsupportedFormat:
    case PhotoError::Truncated:
    case PhotoError::Corrupt:
    case PhotoError::TooLarge: return true;
    default: return false;
  }
}

std::string ToHex(const Sha256& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (std::uint8_t b : digest) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

namespace {

using Bytes = std::span<const std::uint8_t>;

// What a decoder hands the rest of the pipeline, or why it could not.
struct Decoded {
  PhotoError error = PhotoError::None;
  std::string detail;
  RgbImage image;
  int source_width = 0;  // before any DCT scaling
  int source_height = 0;
  Orientation orientation = 1;  // from the file's EXIF (Layout)
  ExifTime taken;
};

Decoded DecodeFailure(PhotoError e, std::string detail) {
  Decoded d;
  d.error = e;
  d.detail = std::move(detail);
  return d;
}

std::string Concat(const char* a, const char* b) {
  // append(), not operator+ on literals: GCC 12 -O2 reports a false -Wrestrict there.
  std::string s;
  s.append(a);
  s.append(b);
  return s;
}

struct TjHandle {
  tjhandle h = nullptr;
  explicit TjHandle(tjhandle handle) : h(handle) {}
  ~TjHandle() {
    if (h) tjDestroy(h);
  }
  TjHandle(const TjHandle&) = delete;
  TjHandle& operator=(const TjHandle&) = delete;
};

PhotoError FromStructure(Structure s) {
  switch (s) {
    case Structure::Ok: return PhotoError::None;
    case Structure::Truncated: return PhotoError::Truncated;
    case Structure::Corrupt: return PhotoError::Corrupt;
    case Structure::Unsupported: return PhotoError::UnsupportedFormat;
  }
  return PhotoError::Corrupt;
}

// ============================================================================================
// [SECTION] the size budget
// ============================================================================================
// Checked on the size a file DECLARES, before a decoder allocates anything: that is what makes
// a decompression bomb cost microseconds instead of gigabytes. stb_image has the same guard as
// a compile-time macro (STBI_MAX_DIMENSIONS), but Debian ships stb_image precompiled in libstb
// with the default of 2^24 per side; defining the macro in our code would change nothing in
// that library. So the check lives here, and applies to JPEG as well.

bool OverBudget(std::uint64_t w, std::uint64_t h, const PhotoOptions& o, std::string* detail) {
  if (w <= static_cast<std::uint64_t>(o.max_side) && h <= static_cast<std::uint64_t>(o.max_side) &&
      w * h <= o.max_pixels)
    return false;
  detail->clear();
  detail->append("declared size ").append(std::to_string(w)).append("x").append(std::to_string(h));
  detail->append(" is over the budget");
  return true;
}

// ============================================================================================
// [SECTION] decoding JPEG (TurboJPEG)
// ============================================================================================

// The smallest DCT scaling (1/8, 1/4, 3/8, 1/2, …) that keeps the long edge >= `target`: the
// decoder does most of the downscaling inside the IDCT and our area filter the rest (at most
// about 2:1). Measured on a 12 MP q92 photo: 1/2 scaling takes 20-25 % off TurboJPEG's own
// full-size decode (entropy decoding dominates) and needs a 9 MB buffer instead of 36 MB; the
// pipeline as a whole is 5-6× faster than stb alone (tests/bench/photo.cpp).
tjscalingfactor PickScaling(int w, int h, int target) {
  tjscalingfactor best{1, 1};
  int n = 0;
  const tjscalingfactor* f = tjGetScalingFactors(&n);
  if (!f) return best;
  for (int i = 0; i < n; ++i) {
    if (f[i].num * best.denom >= best.num * f[i].denom) continue;  // not smaller than best
    const int long_edge = std::max(TJSCALED(w, f[i]), TJSCALED(h, f[i]));
    if (long_edge >= target) best = f[i];
  }
  return best;
}

constexpr long kBenignExtraneousBytes = 64;

// N from libjpeg's "Corrupt JPEG data: N extraneous bytes before marker 0x..", else a huge
// number (any other warning counts as damage).
long ExtraneousBytes(const std::string& msg) {
  constexpr std::string_view kPrefix = "Corrupt JPEG data: ";
  if (msg.compare(0, kPrefix.size(), kPrefix) != 0 || msg.find(" extraneous bytes") == std::string::npos)
    return LONG_MAX;
  return std::strtol(msg.c_str() + kPrefix.size(), nullptr, 10);
}

Decoded DecodeJpeg(Bytes bytes, const PhotoOptions& o) {
  const Layout layout = ScanJpeg(bytes);
  std::string detail;
  if (layout.width && OverBudget(layout.width, layout.height, o, &detail))
    return DecodeFailure(PhotoError::TooLarge, detail);
  if (layout.structure != Structure::Ok)
    return DecodeFailure(FromStructure(layout.structure), layout.why);

  TjHandle tj(tjInitDecompress());
  if (!tj.h) return DecodeFailure(PhotoError::CodecFailure, tjGetErrorStr2(nullptr));
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.h, bytes.data(), bytes.size(), &w, &h, &subsamp, &colorspace) != 0)
    return DecodeFailure(PhotoError::Corrupt, tjGetErrorStr2(tj.h));
  // Our walk and libjpeg agree on well-formed files; libjpeg's word is the one that allocates.
  if (w <= 0 || h <= 0) return DecodeFailure(PhotoError::Corrupt, "JPEG: zero size");
  if (OverBudget(static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h), o, &detail))
    return DecodeFailure(PhotoError::TooLarge, detail);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    return DecodeFailure(PhotoError::UnsupportedFormat, "JPEG: CMYK");

  const tjscalingfactor sf = PickScaling(w, h, o.max_long_edge);
  Decoded d;
  d.source_width = w;
  d.source_height = h;
  d.orientation = layout.orientation;
  d.taken = layout.taken;
  d.image.width = TJSCALED(w, sf);
  d.image.height = TJSCALED(h, sf);
  d.image.pixels.resize(static_cast<std::size_t>(d.image.width) * static_cast<std::size_t>(d.image.height) * 3);
  // LIMITSCANS: a progressive JPEG with thousands of tiny scans is a CPU bomb of its own;
  // libjpeg-turbo then stops at 500 scans (real encoders write about 10).
  const int rc = tjDecompress2(tj.h, bytes.data(), bytes.size(), d.image.pixels.data(),
                               d.image.width, 0, d.image.height, TJPF_RGB, TJFLAG_LIMITSCANS);
  if (rc != 0) {
    const std::string msg = tjGetErrorStr2(tj.h);
    if (tjGetErrorCode(tj.h) != TJERR_WARNING) return DecodeFailure(PhotoError::Corrupt, msg);
    // A warning means TurboJPEG "succeeded" and filled the missing or damaged blocks with grey.
    // A truncated photo is an error, not a photo with a grey bottom half: the citizen should
    // retake it. Our walk already refuses a file with no end marker; "Premature end of JPEG
    // file" is libjpeg's own word for it, kept as a backstop. A file cut short with an end
    // marker glued on reads "premature end of data segment" and lands in Corrupt below.
    if (msg.find("Premature end") != std::string::npos)
      return DecodeFailure(PhotoError::Truncated, msg);
    // "N extraneous bytes before marker" with a small N is common in real camera files whose
    // pixels are all there (a padding byte or two that libjpeg skips). A large N means the
    // decoder finished its blocks early because damaged data decoded as something else:
    // measured, 4 KB overwritten mid-scan gives "4573 extraneous bytes before marker 0xd9".
    // Every other warning (bad Huffman code, premature end of data segment, …) is damage too.
    // JPEG has no checksum, so damage that happens to resynchronise cannot be seen at all.
    if (ExtraneousBytes(msg) > kBenignExtraneousBytes) return DecodeFailure(PhotoError::Corrupt, msg);
  }
  return d;
}

// ============================================================================================
// [SECTION] decoding PNG (stb_image)
// ============================================================================================

Decoded DecodePng(Bytes bytes, const PhotoOptions& o) {
  const Layout layout = ScanPng(bytes);
  std::string detail;
  // IHDR is read by our own walk, not by stb: see "the size budget" above.
  if (layout.width && OverBudget(layout.width, layout.height, o, &detail))
    return DecodeFailure(PhotoError::TooLarge, detail);
  if (layout.structure != Structure::Ok)
    return DecodeFailure(FromStructure(layout.structure), layout.why);

  // With alpha, decode RGBA and composite over white (a screenshot with transparency would
  // otherwise show whatever colour its transparent pixels happen to hold).
  const int want = layout.has_alpha ? 4 : 3;
  int w = 0, h = 0, n = 0;
  // stb takes an int length; max_file_bytes (< 2 GB) was checked by ProcessPhoto.
  std::unique_ptr<stbi_uc, void (*)(void*)> px(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n, want),
      stbi_image_free);
  if (!px) {
    const char* why = stbi_failure_reason();
    if (why && std::strcmp(why, "outofmem") == 0)
      return DecodeFailure(PhotoError::OutOfMemory, "stb_image: out of memory");
    return DecodeFailure(PhotoError::Corrupt, Concat("stb_image: ", why ? why : "failed"));
  }
  if (static_cast<std::uint32_t>(w) != layout.width || static_cast<std::uint32_t>(h) != layout.height)
    return DecodeFailure(PhotoError::Corrupt, "PNG: decoded size differs from IHDR");

  Decoded d;
  d.source_width = w;
  d.source_height = h;
  d.orientation = layout.orientation;
  d.taken = layout.taken;
  d.image.width = w;
  d.image.height = h;
  const std::size_t count = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  if (want == 3) {
    d.image.pixels.assign(px.get(), px.get() + count * 3);
    return d;
  }
  d.image.pixels.resize(count * 3);
  const stbi_uc* s = px.get();
  std::uint8_t* t = d.image.pixels.data();
  for (std::size_t i = 0; i < count; ++i, s += 4, t += 3) {
    const unsigned a = s[3];
    for (int c = 0; c < 3; ++c) t[c] = static_cast<std::uint8_t>((s[c] * a + 255u * (255u - a) + 127u) / 255u);
  }
  return d;
}

// ============================================================================================
// [SECTION] encoding and hashing
// ============================================================================================

// TurboJPEG writes SOI, a JFIF APP0, tables, the frame and EOI — no EXIF, no ICC, no comment.
// That is the whole of our metadata stripping, and tests/capture checks the output markers.
PhotoError EncodeJpeg(const RgbImage& img, int quality, std::vector<std::uint8_t>* out,
                      std::string* detail) {
  TjHandle tj(tjInitCompress());
  if (!tj.h) {
    *detail = tjGetErrorStr2(nullptr);
    return PhotoError::CodecFailure;
  }
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(tj.h, img.pixels.data(), img.width, 0, img.height, TJPF_RGB, &buf,
                             &size, TJSAMP_420, quality, 0);
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(buf, tjFree);
  if (rc != 0) {
    *detail = tjGetErrorStr2(tj.h);
    return PhotoError::CodecFailure;
  }
  out->assign(buf, buf + size);
  return PhotoError::None;
}

PhotoResult Failure(PhotoResult r, PhotoError e, std::string detail) {
  r.error = e;
  r.detail = std::move(detail);
  return r;
}

// ============================================================================================
// [SECTION] the pipeline
// ============================================================================================

void Tell(const ProgressFn& progress, float f) {
  if (progress) progress(f);
}

// Encode, thumbnail, hash: the common tail for decoded files and camera frames. `img` is
// already at its final size and orientation.
PhotoResult Finish(PhotoResult r, RgbImage img, const PhotoOptions& o, const ProgressFn& progress) {
  std::string detail;
  if (const PhotoError e = EncodeJpeg(img, o.jpeg_quality, &r.jpeg, &detail); e != PhotoError::None)
    return Failure(std::move(r), e, detail);
  r.width = img.width;
  r.height = img.height;
  Tell(progress, 0.85f);

  const Size tfit = FitLongEdge(img.width, img.height, o.thumb_long_edge);
  if (tfit.width != img.width || tfit.height != img.height) img = DownscaleArea(img, tfit.width, tfit.height);
  if (const PhotoError e = EncodeJpeg(img, o.thumb_quality, &r.thumb, &detail); e != PhotoError::None)
    return Failure(std::move(r), e, detail);
  r.thumb_width = img.width;
  r.thumb_height = img.height;
  Tell(progress, 0.95f);

  r.sha256 = model::Sha256Of(r.jpeg.data(), r.jpeg.size());
  Tell(progress, 1.0f);
  return r;
}

PhotoResult Process(Bytes bytes, const PhotoOptions& o, const ProgressFn& progress) {
  PhotoResult r;
  if (bytes.empty()) return Failure(std::move(r), PhotoError::Empty, "0 bytes");
  if (bytes.size() > o.max_file_bytes)
    return Failure(std::move(r), PhotoError::TooLarge, "file is over max_file_bytes");

  r.source_format = SniffFormat(bytes);
  Decoded d;
  switch (r.source_format) {
    case Format::Jpeg: d = DecodeJpeg(bytes, o); break;
    case Format::Png: d = DecodePng(bytes, o); break;
    case Format::Unknown: return Failure(std::move(r), PhotoError::NotAnImage, "no image signature");
    default:
      return Failure(std::move(r), PhotoError::UnsupportedFormat,
                     Concat("format: ", FormatName(r.source_format)));
  }
  if (d.error != PhotoError::None) return Failure(std::move(r), d.error, std::move(d.detail));
  Tell(progress, 0.5f);

  r.source_width = d.source_width;
  r.source_height = d.source_height;
  r.orientation = d.orientation;
  r.taken_at = ExifTimeToUnix(d.taken);
  RgbImage img = std::move(d.image);
  const Size fit = FitLongEdge(img.width, img.height, o.max_long_edge);
  // Oriented while downscaling (one pass, one buffer), or on its own when the size fits.
  if (fit.width != img.width || fit.height != img.height) {
    img = DownscaleArea(img, fit.width, fit.height, r.orientation);
  } else if (r.orientation != 1) {
    img = Orient(img, r.orientation);
  }
  Tell(progress, 0.65f);
  return Finish(std::move(r), std::move(img), o, progress);
}

PhotoResult ProcessRgbFrame(const std::uint8_t* rgb, int width, int height, int stride,
                            const PhotoOptions& o, const ProgressFn& progress) {
  PhotoResult r;
  r.source_format = Format::RawRgb;
  r.source_width = width;
  r.source_height = height;
  std::string detail;
  if (OverBudget(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(height), o, &detail))
    return Failure(std::move(r), PhotoError::TooLarge, detail);
  const Size fit = FitLongEdge(width, height, o.max_long_edge);
  RgbImage img;
  if (fit.width != width || fit.height != height) {
    img = DownscaleArea(rgb, width, height, stride, fit.width, fit.height);
  } else {
    img.width = width;
    img.height = height;
    img.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    for (int y = 0; y < height; ++y)
      std::memcpy(img.pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3,
                  rgb + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride),
                  static_cast<std::size_t>(width) * 3);
  }
  Tell(progress, 0.65f);
  return Finish(std::move(r), std::move(img), o, progress);
}

void AssertOptions(const PhotoOptions& options) {
  assert(options.max_long_edge > 0 && options.thumb_long_edge > 0 && "PhotoOptions: sizes > 0");
  assert(options.jpeg_quality >= 1 && options.jpeg_quality <= 100 && options.thumb_quality >= 1 &&
         options.thumb_quality <= 100 && "PhotoOptions: JPEG quality is 1..100");
  assert(options.max_file_bytes < (1ull << 31) && "PhotoOptions: stb_image takes an int length");
  (void)options;
}

PhotoResult OutOfMemory() {
  PhotoResult r;
  r.error = PhotoError::OutOfMemory;
  r.detail = "out of memory";
  return r;
}

}  // namespace

void WipeBytes(std::vector<std::uint8_t>& bytes) {
  std::fill(bytes.begin(), bytes.end(), std::uint8_t{0});
  bytes.clear();
  bytes.shrink_to_fit();
}

PhotoResult ProcessPhoto(std::span<const std::uint8_t> bytes, const PhotoOptions& options,
                         const ProgressFn& progress) {
  AssertOptions(options);
  // A 50 MP budget needs ~150-200 MB of pixels at once; on a small device that can fail, and
  // that is the device's limit, not the citizen's fault — and never a crash of the kiosk.
  try {
    return Process(bytes, options, progress);
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
}

PhotoResult ProcessRgb(const std::uint8_t* rgb, int width, int height, int stride,
                       const PhotoOptions& options, const ProgressFn& progress) {
  AssertOptions(options);
  assert(rgb && width > 0 && height > 0 && stride >= width * 3 && "ProcessRgb: a real frame");
  try {
    return ProcessRgbFrame(rgb, width, height, stride, options, progress);
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
}

PhotoResult ProcessPhotoFile(const std::filesystem::path& path, const PhotoOptions& options,
                             const ProgressFn& progress) {
  PhotoResult r;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Failure(std::move(r), PhotoError::IoError, ec.message());
  if (size > options.max_file_bytes)
    return Failure(std::move(r), PhotoError::TooLarge, "file is over max_file_bytes");
  std::vector<std::uint8_t> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(size));
  } catch (const std::bad_alloc&) {
    return Failure(std::move(r), PhotoError::OutOfMemory, "out of memory reading the file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Failure(std::move(r), PhotoError::IoError, "cannot open the file");
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  // A short read is the stick pulled out mid-copy or a file shrinking under us: the device's
  // problem, not a damaged photo.
  if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
    return Failure(std::move(r), PhotoError::IoError, "short read");
  return ProcessPhoto(bytes, options, progress);
}

}  // namespace samvad::capture
