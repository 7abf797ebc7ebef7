// app.cpp — loading the text services, and the flat router that draws one screen per frame
// inside a full-window ImGui window with no decoration.
#include "app/ui/app.h"

namespace samvad::ui {

bool TextServices::Load(std::string* error) {
  if (!fonts.Load(text::DefaultFontConfig(), error)) return false;
  if (!catalog.LoadDir(text::DefaultCatalogDir(), error)) return false;
  shaper = std::make_unique<text::Shaper>(fonts);
  renderer = std::make_unique<TextRenderer>(*shaper, breaks, atlas);
  return true;
}

const char* ScreenName(ScreenId id) {
  switch (id) {
    case ScreenId::Language: return "language";
    case ScreenId::Home: return "home";
    case ScreenId::Describe: return "describe";
    case ScreenId::Status: return "status";
  }
  return "?";
}

void DrawFrameContents(AppState& app) {
  switch (app.screen) {
    case ScreenId::Language: LanguageScreen(app); break;
    case ScreenId::Home: HomeScreen(app); break;
    case ScreenId::Describe: DescribeScreen(app); break;
    case ScreenId::Status: StatusScreen(app); break;
  }
}

void DrawFrame(AppState& app) {
  app.widgets.clear();
  app.animating = false;
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, app.theme.bg);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(app.theme.pad() * 2, app.theme.pad() * 2));
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(app.theme.pad(), app.theme.pad()));
  ImGui::Begin("samvad", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
  DrawFrameContents(app);
  ImGui::End();
  ImGui::PopStyleVar(2);
  ImGui::PopStyleColor();
}

}  // namespace samvad::ui
