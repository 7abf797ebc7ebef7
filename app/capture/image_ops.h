// image_ops.h — the pixel work of the photo pipeline on 8-bit RGB buffers: area-averaging
// downscale and EXIF orientation (mirror/rotate). Plain loops over memory; no I/O, no codecs.
// It is not a general image library: RGB only, downscale only (a photo is never enlarged).
#pragma once
#include <cstdint>
#include <vector>

#include "app/capture/exif.h"

namespace samvad::capture {

// Tightly packed 8-bit RGB, row-major, top row first.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * height * 3
};

struct Size {
  int width = 0;
  int height = 0;
};

// The size with the long edge at most `long_edge`, aspect kept (rounded, each side >= 1).
// Returns the input size when it already fits.
Size FitLongEdge(int width, int height, int long_edge);

// Area averaging: each output pixel is the mean of the source area it covers, with partial
// pixels weighted by coverage — the box filter generalised to any ratio. Cheap, no ringing, and
// it keeps fine detail from aliasing into moiré at the large ratios a photo pipeline has (the
// DCT-scaled decode leaves at most 2:1 for JPEG; PNG and thumbnails can be 10:1 or more).
// `src` rows are `src_stride` bytes apart. Requires 1 <= out <= src on both axes.
// With an EXIF `orientation` other than 1 the result comes out oriented, in the same pass
// (out_width/out_height are then the stored sizes; 5..8 return them swapped).
RgbImage DownscaleArea(const std::uint8_t* src, int src_width, int src_height, int src_stride,
                       int out_width, int out_height, Orientation orientation = 1);
inline RgbImage DownscaleArea(const RgbImage& src, int out_width, int out_height,
                              Orientation orientation = 1) {
  return DownscaleArea(src.pixels.data(), src.width, src.height, src.width * 3, out_width,
                       out_height, orientation);
}

// The image as it should be seen, given its EXIF orientation (1..8). Orientations 5..8 swap
// width and height.
RgbImage Orient(const RgbImage& src, Orientation orientation);

}  // namespace samvad::capture
