// imgcmp.cpp — compares a screenshot with its golden PNG, with a tolerance: llvmpipe output is
// deterministic on one machine, but a Mesa or FreeType update may move anti-aliasing by a few
// levels. Fails when the sizes differ, or when more than MAX_FRACTION of pixels differ by more
// than CHANNEL_TOL in any channel. Writes a diff image (differing pixels in red) beside it.
//   imgcmp ACTUAL GOLDEN [CHANNEL_TOL=24] [MAX_FRACTION=0.002]
#include <stb_image.h>
#include <stb_image_write.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: imgcmp ACTUAL GOLDEN [CHANNEL_TOL] [MAX_FRACTION]\n");
    return 2;
  }
  const int tol = argc > 3 ? std::atoi(argv[3]) : 24;
  const double max_frac = argc > 4 ? std::atof(argv[4]) : 0.002;
  int aw = 0, ah = 0, gw = 0, gh = 0, n = 0;
  unsigned char* a = stbi_load(argv[1], &aw, &ah, &n, 4);
  unsigned char* g = stbi_load(argv[2], &gw, &gh, &n, 4);
  if (!a || !g) {
    std::fprintf(stderr, "imgcmp: cannot read %s\n", !a ? argv[1] : argv[2]);
    return 2;
  }
  if (aw != gw || ah != gh) {
    std::fprintf(stderr, "imgcmp: size %dx%d differs from golden %dx%d\n", aw, ah, gw, gh);
    return 1;
  }
  const size_t px = static_cast<size_t>(aw) * static_cast<size_t>(ah);
  std::vector<unsigned char> diff(px * 4, 0);
  size_t bad = 0;
  for (size_t i = 0; i < px; ++i) {
    int worst = 0;
    for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(a[i * 4 + c] - g[i * 4 + c]));
    const bool off = worst > tol;
    bad += off;
    diff[i * 4 + 0] = off ? 255 : a[i * 4 + 0] / 3;
    diff[i * 4 + 1] = off ? 0 : a[i * 4 + 1] / 3;
    diff[i * 4 + 2] = off ? 0 : a[i * 4 + 2] / 3;
    diff[i * 4 + 3] = 255;
  }
  const double frac = static_cast<double>(bad) / static_cast<double>(px);
  std::printf("imgcmp: %s: %zu of %zu pixels differ (%.4f%%, limit %.4f%%)\n", argv[1], bad, px,
              frac * 100, max_frac * 100);
  if (frac > max_frac) {
    const std::string out = std::string(argv[1]) + ".diff.png";
    stbi_write_png(out.c_str(), aw, ah, 4, diff.data(), aw * 4);
    std::fprintf(stderr, "imgcmp: see %s\n", out.c_str());
    return 1;
  }
  return 0;
}
