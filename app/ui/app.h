// app.h — the program's state, passed by reference to every screen (one state struct per
// screen, a flat router: GUIDE 2.5), and the per-frame entry point. Text services (fonts,
// shaping, breaks, catalogs, atlas) live in TextServices and are built once at start-up.
#pragma once
#include <imgui.h>
#include <imgui_internal.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "app/text/breaks.h"
#include "app/text/catalog.h"
#include "app/text/fonts.h"
#include "app/text/keyboard.h"
#include "app/text/shaper.h"
#include "app/text/text_edit.h"
#include "app/ui/glyph_atlas.h"
#include "app/ui/text_draw.h"
#include "app/ui/theme.h"
#include "app/ui/widgets/touch.h"

namespace samvad::ui {

struct TextServices {
  text::FontSet fonts;
  text::Catalog catalog;
  text::Breaks breaks;
  std::unique_ptr<text::Shaper> shaper;
  GlyphAtlas atlas;
  std::unique_ptr<TextRenderer> renderer;

  // Loads fonts and catalogs; false with a reason a person can act on.
  bool Load(std::string* error);
};

enum class ScreenId { Language, Home, Describe, Status };
const char* ScreenName(ScreenId id);

struct KeyboardState {
  bool shift = false;
  bool latin = false;  // the citizen switched their script's keyboard to English QWERTY
};

struct DescribeState {
  text::EditState field;
  KeyboardState kb;
};

struct StatusState {
  text::EditState ticket;
  KeyboardState kb;
};

struct ScrollState {
  float velocity = 0;  // px/s, for fling after the finger lifts
  bool dragging = false;
};

struct AppState {
  TextServices* text = nullptr;
  Theme theme;
  TouchInput touch;
  text::Lang lang = text::Lang::Mr;
  ScreenId screen = ScreenId::Language;
  double now = 0;
  float dt = 1.0f / 60;

  DescribeState describe;
  StatusState status;
  std::map<ImGuiID, ScrollState> scrolls;

  // Named widget rectangles of the last frame: what the script driver taps.
  std::map<std::string, ImRect, std::less<>> widgets;
  // Frame requests: an animation running, or a time at which something must be redrawn.
  bool animating = false;
  double wake_at = 0;  // 0: none

  const std::string& T(std::string_view key) const { return text->catalog.Get(lang, key); }
  TextRenderer& R() { return *text->renderer; }
  void RegisterWidget(std::string_view name, const ImRect& r) { widgets[std::string(name)] = r; }
  void WakeAt(double t) { if (wake_at == 0 || t < wake_at) wake_at = t; }
  void Go(ScreenId s) { screen = s; }
};

// Builds one frame's UI (between ImGui::NewFrame and ImGui::Render).
void DrawFrame(AppState& app);
// The current screen alone, into the current ImGui window (DrawFrame's inside; tests use it).
void DrawFrameContents(AppState& app);

// Screens: one file each.
void LanguageScreen(AppState& app);
void HomeScreen(AppState& app);
void DescribeScreen(AppState& app);
void StatusScreen(AppState& app);

}  // namespace samvad::ui
