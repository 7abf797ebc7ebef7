// photo.h — the photo pipeline: bytes of a citizen's photo in, a privacy-clean JPEG out.
//
//   sniff (magic bytes) → structural walk + size budget → decode (TurboJPEG with DCT scaling,
//   or stb_image for PNG) → area downscale to ≤ 1600 px → EXIF orientation → JPEG q80
//   → thumbnail 320 px q70 → SHA-256 (sync/model)
//
// What comes out carries NO metadata — no EXIF, no GPS, no comment, no ICC profile — because
// the pixels are re-encoded by TurboJPEG, which writes only a JFIF header: a citizen's photo
// must not carry the position of their home. Everything happens in memory; the store writes
// files. ProcessPhoto is synchronous and may take ~100 ms: the UI calls it through PhotoWorker
// (worker.h), never directly.
//
// Failures, kept apart as GUIDE 2.3 asks: bad input (the citizen's file) and environment (the
// device) are returned as a PhotoError; a programmer's misuse (nonsense options) is an assert.
// Nothing a file contains can crash it or make it take more than the budget allows.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "app/capture/formats.h"

namespace samvad::capture {

enum class PhotoError : std::uint8_t {
  None,
  // Bad input: the UI shows a translated message and asks for another photo.
  Empty,              // 0 bytes
  NotAnImage,         // no image signature (a text file named .jpg)
  UnsupportedFormat,  // a real image we do not take (HEIC, GIF, WebP, 12-bit/lossless JPEG, CMYK)
  Truncated,          // cut short (interrupted copy or transfer): retake or copy again
  Corrupt,            // damaged data the decoder refuses
  TooLarge,           // over the pixel budget or the file-size limit (decompression bombs)
  // Environment: not the citizen's fault; the UI says "try again".
  IoError,            // the file could not be read (USB stick pulled, permissions)
  OutOfMemory,
  CodecFailure,       // TurboJPEG failed to initialise or to encode
  // The camera (camera.h): not the citizen's fault either; each says what to do next.
  CameraMissing,      // no camera at the configured path (unplugged), or not a camera
  CameraBusy,         // another program holds it
  CameraFailed,       // no frame in time, no permission, or a driver call failed
};

// Stable ASCII name for logs and for the UI's catalog key ("photo.error." + name).
const char* PhotoErrorName(PhotoError e);
// True for the errors that are about the file rather than the device.
bool IsBadInput(PhotoError e);

struct PhotoOptions {
  int max_long_edge = 1600;
  int jpeg_quality = 80;
  int thumb_long_edge = 320;
  int thumb_quality = 70;
  // The decompression-bomb budget, checked on the declared size before any decoding: Debian's
  // stb_image (v2.27) spends 1.25 GB and 14 s on a 31 KB PNG claiming 16000×16000 (GUIDE 3).
  std::uint64_t max_pixels = 50'000'000;
  int max_side = 12000;
  // Files are read whole into memory; a real phone photo is < 20 MB.
  std::uint64_t max_file_bytes = 64u << 20;
};

using Sha256 = std::array<std::uint8_t, 32>;
std::string ToHex(const Sha256& digest);

struct PhotoResult {
  PhotoError error = PhotoError::None;
  std::string detail;  // English, for the log only; never shown to a citizen

  std::vector<std::uint8_t> jpeg;   // ≤ max_long_edge, oriented, no metadata
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> thumb;  // ≤ thumb_long_edge
  int thumb_width = 0;
  int thumb_height = 0;
  Sha256 sha256{};                  // of `jpeg`

  // Where it came from (for logs and the store's record).
  Format source_format = Format::Unknown;
  int source_width = 0;
  int source_height = 0;
  Orientation orientation = 1;
  // When it was taken, unix seconds; 0 = unknown. A file's EXIF DateTimeOriginal (exif.h), a
  // camera frame's capture time. Not part of `jpeg` (which keeps no metadata): only a field
  // engineer's work photo records it (app/ui); a citizen's photo drops it with the rest.
  std::int64_t taken_at = 0;

  bool ok() const { return error == PhotoError::None; }
};

// Stage reached, 0..1, reported on the calling thread; PhotoWorker turns it into progress the
// UI polls. May be empty.
using ProgressFn = std::function<void(float)>;

PhotoResult ProcessPhoto(std::span<const std::uint8_t> bytes, const PhotoOptions& options = {},
                         const ProgressFn& progress = {});

// Overwrites image bytes (a citizen's photo, its thumbnail) before freeing them: what a
// session's end, a discarded draft or a forgotten job does with them.
void WipeBytes(std::vector<std::uint8_t>& bytes);

// Reads the file (refusing it as TooLarge past options.max_file_bytes before reading), then
// ProcessPhoto. IoError when it cannot be read.
PhotoResult ProcessPhotoFile(const std::filesystem::path& path, const PhotoOptions& options = {},
                             const ProgressFn& progress = {});

// A camera frame already in pixels (8-bit RGB, rows `stride` bytes apart; e.g. a webcam's YUYV
// converted by platform/camera_v4l2): the same downscale, encode, thumbnail and hash. A frame
// has no metadata to strip and no orientation. MJPEG frames go through ProcessPhoto instead.
PhotoResult ProcessRgb(const std::uint8_t* rgb, int width, int height, int stride,
                       const PhotoOptions& options = {}, const ProgressFn& progress = {});

}  // namespace samvad::capture
