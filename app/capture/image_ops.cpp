// image_ops.cpp — see image_ops.h. The downscale is separable (rows, then columns) in fixed
// point: weights are 14-bit and sum exactly to 1 << 14 per output pixel, the intermediate keeps
// 8 extra bits, so a flat area stays exactly flat and results do not depend on float rounding.
#include "app/capture/image_ops.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace samvad::capture {
namespace {

constexpr int kWeightBits = 14;
constexpr std::uint32_t kWeightOne = 1u << kWeightBits;

// For each output index along one axis: the first source index it covers and the weight of
// each covered source index.
struct Taps {
  std::vector<int> first;
  std::vector<int> count;
  std::vector<std::uint16_t> weights;  // concatenated; output i's start at offset[i]
  std::vector<int> offset;
};

Taps AreaTaps(int src, int out) {
  Taps t;
  t.first.resize(static_cast<std::size_t>(out));
  t.count.resize(static_cast<std::size_t>(out));
  t.offset.resize(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(src) / out;
  std::vector<double> w;
  for (int i = 0; i < out; ++i) {
    const double lo = i * scale, hi = (i + 1) * scale;
    const int a = static_cast<int>(std::floor(lo));
    const int b = std::min(src, static_cast<int>(std::ceil(hi - 1e-9)));
    w.clear();
    for (int s = a; s < b; ++s) w.push_back((std::min<double>(s + 1, hi) - std::max<double>(s, lo)) / scale);
    // Quantise, then give the rounding remainder to the largest tap so the sum is exact.
    std::size_t big = 0;
    std::int64_t sum = 0;
    const auto at = t.weights.size();
    for (std::size_t k = 0; k < w.size(); ++k) {
      const auto q = static_cast<std::uint16_t>(std::lround(w[k] * kWeightOne));
      t.weights.push_back(q);
      sum += q;
      if (w[k] > w[big]) big = k;
    }
    t.weights[at + big] = static_cast<std::uint16_t>(t.weights[at + big] + (std::int64_t{kWeightOne} - sum));
    t.first[static_cast<std::size_t>(i)] = a;
    t.count[static_cast<std::size_t>(i)] = b - a;
    t.offset[static_cast<std::size_t>(i)] = static_cast<int>(at);
  }
  return t;
}

}  // namespace

Size FitLongEdge(int width, int height, int long_edge) {
  assert(width > 0 && height > 0 && long_edge > 0 && "FitLongEdge: sizes must be positive");
  const int longest = std::max(width, height);
  if (longest <= long_edge) return {width, height};
  const double k = static_cast<double>(long_edge) / longest;
  const auto side = [&](int v) { return std::max(1, static_cast<int>(std::lround(v * k))); };
  return width >= height ? Size{long_edge, side(height)} : Size{side(width), long_edge};
}

RgbImage DownscaleArea(const std::uint8_t* src, int src_width, int src_height, int src_stride,
                       int out_width, int out_height, Orientation orientation) {
  assert(out_width >= 1 && out_height >= 1 && out_width <= src_width &&
         out_height <= src_height && "DownscaleArea: downscale only, to at least 1x1");
  assert(src_stride >= src_width * 3 && "DownscaleArea: stride shorter than a row");
  assert(orientation >= 1 && orientation <= 8 && "DownscaleArea: EXIF orientation is 1..8");
  const Taps tx = AreaTaps(src_width, out_width);
  const Taps ty = AreaTaps(src_height, out_height);
  const auto ow = static_cast<std::size_t>(out_width);
  const auto oh = static_cast<std::size_t>(out_height);

  // Rows are filtered horizontally on demand into a small ring (each source row once: output
  // rows use consecutive source rows and share at most one). Measured here, a full-size
  // intermediate cost more in first-touch page faults than the arithmetic itself.
  int ring_rows = 1;
  for (int c : ty.count) ring_rows = std::max(ring_rows, c + 1);
  std::vector<std::uint16_t> ring(ow * 3 * static_cast<std::size_t>(ring_rows));
  std::vector<int> ring_holds(static_cast<std::size_t>(ring_rows), -1);
  const auto filtered_row = [&](int y) -> const std::uint16_t* {
    const auto slot = static_cast<std::size_t>(y % ring_rows);
    std::uint16_t* out = ring.data() + slot * ow * 3;
    if (ring_holds[slot] == y) return out;
    ring_holds[slot] = y;
    const std::uint8_t* in = src + static_cast<std::size_t>(y) * static_cast<std::size_t>(src_stride);
    for (std::size_t x = 0; x < ow; ++x) {
      const std::uint16_t* w = tx.weights.data() + tx.offset[x];
      const std::uint8_t* p = in + static_cast<std::size_t>(tx.first[x]) * 3;
      std::uint32_t r = 0, g = 0, b = 0;
      for (int k = 0; k < tx.count[x]; ++k, p += 3) {
        r += w[k] * std::uint32_t{p[0]};
        g += w[k] * std::uint32_t{p[1]};
        b += w[k] * std::uint32_t{p[2]};
      }
      // 255 << 14 fits in 32 bits; >> 6 leaves 255 << 8, which fits in 16.
      constexpr std::uint32_t kHalf = 1u << 5;
      out[x * 3 + 0] = static_cast<std::uint16_t>((r + kHalf) >> 6);
      out[x * 3 + 1] = static_cast<std::uint16_t>((g + kHalf) >> 6);
      out[x * 3 + 2] = static_cast<std::uint16_t>((b + kHalf) >> 6);
    }
    return out;
  };

  // Where stored pixel (x, y) of the downscaled image is shown, per EXIF orientation: writing
  // it there directly saves a second full-size buffer and pass (see Orient for the inverse).
  const bool swap = orientation >= 5;
  RgbImage img{swap ? out_height : out_width, swap ? out_width : out_height,
               std::vector<std::uint8_t>(ow * oh * 3)};
  const auto dw = static_cast<std::size_t>(img.width);
  const auto dest = [&](std::size_t x, std::size_t y) -> std::size_t {
    std::size_t dx = x, dy = y;
    switch (orientation) {
      case 2: dx = ow - 1 - x; break;
      case 3: dx = ow - 1 - x; dy = oh - 1 - y; break;
      case 4: dy = oh - 1 - y; break;
      case 5: dx = y; dy = x; break;
      case 6: dx = oh - 1 - y; dy = x; break;
      case 7: dx = oh - 1 - y; dy = ow - 1 - x; break;
      case 8: dx = y; dy = ow - 1 - x; break;
      default: break;
    }
    return (dy * dw + dx) * 3;
  };

  // Columns: accumulate the covered rows (255 << 8 << 14 < 2^32), then drop the 22 extra bits.
  std::vector<std::uint32_t> acc(ow * 3);
  for (std::size_t y = 0; y < oh; ++y) {
    std::fill(acc.begin(), acc.end(), 0u);
    const std::uint16_t* w = ty.weights.data() + ty.offset[y];
    for (int k = 0; k < ty.count[y]; ++k) {
      const std::uint16_t* row = filtered_row(ty.first[y] + k);
      const std::uint32_t wk = w[k];
      for (std::size_t i = 0; i < ow * 3; ++i) acc[i] += wk * row[i];
    }
    constexpr std::uint32_t kHalf = 1u << 21;
    if (orientation == 1) {
      std::uint8_t* out = img.pixels.data() + y * ow * 3;
      for (std::size_t i = 0; i < ow * 3; ++i) out[i] = static_cast<std::uint8_t>((acc[i] + kHalf) >> 22);
      continue;
    }
    for (std::size_t x = 0; x < ow; ++x) {
      std::uint8_t* out = img.pixels.data() + dest(x, y);
      for (std::size_t c = 0; c < 3; ++c) out[c] = static_cast<std::uint8_t>((acc[x * 3 + c] + kHalf) >> 22);
    }
  }
  return img;
}

RgbImage Orient(const RgbImage& src, Orientation orientation) {
  assert(orientation >= 1 && orientation <= 8 && "Orient: EXIF orientation is 1..8");
  if (orientation <= 1 || orientation > 8) return src;
  const int w = src.width, h = src.height;
  const bool swap = orientation >= 5;
  RgbImage out{swap ? h : w, swap ? w : h, std::vector<std::uint8_t>(src.pixels.size())};
  // For each displayed pixel (ox, oy), the stored pixel it shows (TIFF 6.0 orientation tags:
  // 6 = rotate 90° clockwise to display, 8 = 90° anticlockwise, 5/7 = those plus a mirror).
  for (int oy = 0; oy < out.height; ++oy) {
    std::uint8_t* o = out.pixels.data() + static_cast<std::size_t>(oy) * static_cast<std::size_t>(out.width) * 3;
    for (int ox = 0; ox < out.width; ++ox, o += 3) {
      int sx = ox, sy = oy;
      switch (orientation) {
        case 2: sx = w - 1 - ox; break;
        case 3: sx = w - 1 - ox; sy = h - 1 - oy; break;
        case 4: sy = h - 1 - oy; break;
        case 5: sx = oy; sy = ox; break;
        case 6: sx = oy; sy = h - 1 - ox; break;
        case 7: sx = w - 1 - oy; sy = h - 1 - ox; break;
        case 8: sx = w - 1 - oy; sy = ox; break;
        default: break;
      }
      const std::uint8_t* s = src.pixels.data() + (static_cast<std::size_t>(sy) * static_cast<std::size_t>(w) + static_cast<std::size_t>(sx)) * 3;
      o[0] = s[0];
      o[1] = s[1];
      o[2] = s[2];
    }
  }
  return out;
}

}  // namespace samvad::capture
