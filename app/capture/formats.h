// formats.h — what kind of file a photo is, judged by its first bytes (never by its name: a text
// file renamed IMG_0001.jpg must say "not an image"), and a structural walk of JPEG markers and
// PNG chunks that runs before any decoder sees the bytes. The walk is what lets the pipeline
// refuse a decompression bomb by its declared size, tell "cut short" (retake) from "damaged",
// and find the EXIF orientation — all in one linear, bounds-checked pass with no allocation.
// It is not a decoder and does not validate pixel data: TurboJPEG and stb_image do that.
#pragma once
#include <cstdint>
#include <span>

#include "app/capture/exif.h"

namespace samvad::capture {

enum class Format : std::uint8_t {
  Unknown,  // no image signature we know: a text file, a PDF, random bytes
  Jpeg,
  Png,
  // Real images we do not take; recognised so the citizen hears "unsupported", not "not an
  // image" (HEIC is what iPhones save by default).
  Gif,
  Webp,
  Heif,
  Bmp,
  Tiff,
  RawRgb,  // not a file format: pixels handed over by a camera (ProcessRgb)
};

Format SniffFormat(std::span<const std::uint8_t> bytes);
const char* FormatName(Format f);

// What the structural walk concluded. Truncated: the data ends before the image does (JPEG:
// no EOI after the scans; PNG: no IEND) — the citizen should retake or re-copy the photo.
enum class Structure : std::uint8_t { Ok, Truncated, Corrupt, Unsupported };

struct Layout {
  Structure structure = Structure::Corrupt;
  // Declared by the header (JPEG SOF, PNG IHDR); 0 when the header was not reached. Filled in
  // even when `structure` is not Ok, so an oversized file is refused as too large first.
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  Orientation orientation = 1;
  ExifTime taken;              // EXIF DateTimeOriginal, when the file has one
  bool has_alpha = false;      // PNG colour type 4/6 or a tRNS chunk
  const char* why = "";        // English, for logs: which check failed
};

// `bytes` must start with the format's signature (SniffFormat said so).
Layout ScanJpeg(std::span<const std::uint8_t> bytes);
Layout ScanPng(std::span<const std::uint8_t> bytes);

}  // namespace samvad::capture
