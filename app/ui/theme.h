// theme.h — sizes in em (derived from the window and the display's pixel density) and the
// colours. Touch targets are at least 9 mm whatever the screen (GUIDE 2.7).
#pragma once
#include <imgui.h>

namespace samvad::ui {

struct Theme {
  float em = 28;          // body text size in pixels
  float px_per_mm = 3.78f;  // 96 dpi when the display does not say

  float title_px() const { return em * 1.6f; }
  float body_px() const { return em; }
  float key_px() const { return em * 1.05f; }
  float small_px() const { return em * 0.75f; }
  float min_target() const;  // the smallest touch target, pixels
  float pad() const { return em * 0.6f; }
  float rounding() const { return em * 0.35f; }

  // Chosen for contrast (WCAG AA on every pair that carries text) and to read in a bright
  // ward office: dark text on warm white, white on deep blue for primary actions.
  ImU32 bg = IM_COL32(0xF6, 0xF3, 0xEC, 0xFF);
  ImU32 text = IM_COL32(0x1B, 0x1B, 0x1F, 0xFF);
  ImU32 text_muted = IM_COL32(0x55, 0x55, 0x5C, 0xFF);
  ImU32 primary = IM_COL32(0x0B, 0x4F, 0x8A, 0xFF);
  ImU32 primary_pressed = IM_COL32(0x07, 0x35, 0x5E, 0xFF);
  ImU32 on_primary = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
  ImU32 surface = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
  ImU32 surface_pressed = IM_COL32(0xD9, 0xE4, 0xF0, 0xFF);
  ImU32 key = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
  ImU32 key_special = IM_COL32(0xDD, 0xDA, 0xD2, 0xFF);
  ImU32 border = IM_COL32(0xB8, 0xB4, 0xAA, 0xFF);
  ImU32 disabled = IM_COL32(0xA8, 0xA8, 0xAE, 0xFF);
  ImU32 accent = IM_COL32(0xC2, 0x5B, 0x12, 0xFF);
  ImU32 selection = IM_COL32(0x9C, 0xC3, 0xEA, 0xFF);

  // Picks em from the framebuffer height so the kiosk layout fills a 1280×800 tablet and a
  // 1920×1080 kiosk alike, but never below what 9 mm targets need.
  void Fit(int fb_width, int fb_height, float pixels_per_mm);
};

}  // namespace samvad::ui
