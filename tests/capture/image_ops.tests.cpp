// image_ops.tests.cpp — area downscale and orientation on tiny images whose answers can be
// worked out by hand.
#include <catch2/catch.hpp>

#include <algorithm>

#include "app/capture/image_ops.h"

using namespace samvad::capture;

namespace {

RgbImage Gray(int w, int h, std::initializer_list<int> values) {
  RgbImage img{w, h, {}};
  for (int v : values)
    for (int c = 0; c < 3; ++c) img.pixels.push_back(static_cast<std::uint8_t>(v));
  return img;
}

int At(const RgbImage& img, int x, int y) { return img.pixels[static_cast<std::size_t>((y * img.width + x) * 3)]; }

}  // namespace

TEST_CASE("FitLongEdge keeps the aspect and never enlarges", "[capture][image]") {
  CHECK(FitLongEdge(4000, 3000, 1600).width == 1600);
  CHECK(FitLongEdge(4000, 3000, 1600).height == 1200);
  CHECK(FitLongEdge(3000, 4000, 1600).width == 1200);
  CHECK(FitLongEdge(3000, 4000, 1600).height == 1600);
  CHECK(FitLongEdge(800, 600, 1600).width == 800);
  CHECK(FitLongEdge(12000, 3, 1600).height == 1);  // never 0
  CHECK(FitLongEdge(4032, 3024, 1600).height == 1200);
}

TEST_CASE("area downscale averages exactly what each output pixel covers", "[capture][image]") {
  SECTION("2:1 averages 2×2 blocks") {
    const RgbImage in = Gray(4, 2, {0, 100, 200, 40, 100, 200, 0, 40});
    const RgbImage out = DownscaleArea(in, 2, 1);
    CHECK(At(out, 0, 0) == 100);  // (0+100+100+200)/4
    CHECK(At(out, 1, 0) == 70);   // (200+40+0+40)/4
  }
  SECTION("3:2 weights the shared middle pixel by half") {
    const RgbImage out = DownscaleArea(Gray(3, 1, {0, 90, 180}), 2, 1);
    CHECK(At(out, 0, 0) == 30);   // (0 + 90/2) / 1.5
    CHECK(At(out, 1, 0) == 150);  // (90/2 + 180) / 1.5
  }
  SECTION("a flat image stays exactly flat at any ratio") {
    RgbImage flat{997, 613, std::vector<std::uint8_t>(997 * 613 * 3, 173)};
    const RgbImage out = DownscaleArea(flat, 320, 197);
    CHECK(std::all_of(out.pixels.begin(), out.pixels.end(), [](std::uint8_t v) { return v == 173; }));
  }
  SECTION("same size is a copy") {
    const RgbImage in = Gray(2, 2, {1, 2, 3, 4});
    CHECK(DownscaleArea(in, 2, 2).pixels == in.pixels);
  }
}

TEST_CASE("Orient maps stored pixels to displayed ones for all 8 EXIF values", "[capture][image]") {
  // Stored 3×2:   1 2 3
  //               4 5 6
  const RgbImage in = Gray(3, 2, {1, 2, 3, 4, 5, 6});
  const auto rows = [](const RgbImage& img) {
    std::vector<int> v;
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x) v.push_back(At(img, x, y));
    return v;
  };
  CHECK(rows(Orient(in, 1)) == std::vector<int>{1, 2, 3, 4, 5, 6});
  CHECK(rows(Orient(in, 2)) == std::vector<int>{3, 2, 1, 6, 5, 4});
  CHECK(rows(Orient(in, 3)) == std::vector<int>{6, 5, 4, 3, 2, 1});
  CHECK(rows(Orient(in, 4)) == std::vector<int>{4, 5, 6, 1, 2, 3});
  CHECK(rows(Orient(in, 5)) == std::vector<int>{1, 4, 2, 5, 3, 6});
  CHECK(rows(Orient(in, 6)) == std::vector<int>{4, 1, 5, 2, 6, 3});
  CHECK(rows(Orient(in, 7)) == std::vector<int>{6, 3, 5, 2, 4, 1});
  CHECK(rows(Orient(in, 8)) == std::vector<int>{3, 6, 2, 5, 1, 4});
  CHECK(Orient(in, 6).width == 2);
  CHECK(Orient(in, 6).height == 3);
}

TEST_CASE("downscaling with an orientation equals downscaling, then Orient", "[capture][image]") {
  RgbImage src{37, 23, {}};
  for (int i = 0; i < 37 * 23 * 3; ++i) src.pixels.push_back(static_cast<std::uint8_t>((i * 97) % 251));
  for (int o = 1; o <= 8; ++o) {
    CAPTURE(o);
    const RgbImage fused = DownscaleArea(src, 15, 9, o);
    const RgbImage apart = Orient(DownscaleArea(src, 15, 9), o);
    CHECK(fused.width == apart.width);
    CHECK(fused.height == apart.height);
    CHECK(fused.pixels == apart.pixels);
  }
}
