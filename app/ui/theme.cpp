// theme.cpp — see theme.h.
#include "app/ui/theme.h"

#include <algorithm>
#include <cmath>

namespace samvad::ui {

float Theme::min_target() const { return std::max(2.0f * em, 9.0f * px_per_mm); }

void Theme::Fit(int fb_width, int fb_height, float pixels_per_mm) {
  if (pixels_per_mm > 0.5f) px_per_mm = pixels_per_mm;
  // 28 lines of body text per screen height; width-limited on portrait screens.
  const float by_h = static_cast<float>(fb_height) / 28.0f;
  const float by_w = static_cast<float>(fb_width) / 40.0f;
  em = std::round(std::clamp(std::min(by_h, by_w), 16.0f, 64.0f));
}

}  // namespace samvad::ui
