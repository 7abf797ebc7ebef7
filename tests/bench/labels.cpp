// labels.cpp — CPU per frame for a screen of 200 labels in Marathi, Hindi and Bengali (from the
// seed articles): our shaped labels (cached runs, glyphs in ImGui's atlas) against the same
// strings through plain ImGui::TextUnformatted with Noto fonts merged into ImGui's own atlas
// (which draws them unshaped — wrong, but it is the cost to beat). Measures the ImGui side of a
// frame (NewFrame → widgets → Render, thread CPU time), the part our text code adds to; the GL
// submission is the same draw list either way. Modes alternate in blocks to share machine state.
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/text/utf8.h"
#include "app/ui/app.h"
#include "app/ui/widgets/widgets.h"

using namespace samvad;

namespace {

double ThreadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct Label { std::string text; text::Lang lang; };

// ~24-byte phrases cut at spaces from the seed articles, cycling through languages.
std::vector<Label> SeedLabels(size_t n) {
  const std::filesystem::path seeds = std::filesystem::path(SAMVAD_SOURCE_DIR) / ".." / "shared" / "seeds";
  const std::vector<std::pair<std::string, text::Lang>> files = {
      {"000_096c63f75ad7edbc.txt", text::Lang::Mr}, {"003_3bc03614d17efb6c.txt", text::Lang::Hi},
      {"004_2e8d59fba2ee77f7.txt", text::Lang::Bn}};
  std::vector<std::vector<Label>> per;
  for (const auto& [f, lang] : files) {
    std::ifstream in(seeds / f);
    std::vector<Label> v;
    std::string word, cur;
    while (in >> word) {
      cur += (cur.empty() ? "" : " ") + word;
      if (cur.size() >= 40) { v.push_back({cur, lang}); cur.clear(); }
    }
    per.push_back(v);
  }
  std::vector<Label> out;
  for (size_t i = 0; out.size() < n; ++i) {
    const auto& v = per[i % per.size()];
    if (!v.empty()) out.push_back(v[(i / per.size()) % v.size()]);
  }
  return out;
}

}  // namespace

int main() {
  ui::TextServices ts;
  std::string err;
  if (!ts.Load(&err)) { std::fprintf(stderr, "bench_labels: %s\n", err.c_str()); return 1; }
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1920, 1080);
  // Plain ImGui's best case: Noto with Devanagari and Bengali ranges in its own atlas.
  static const ImWchar ranges[] = {0x0020, 0x00FF, 0x0900, 0x097F, 0x0980, 0x09FF, 0x200C, 0x200D, 0};
  ImFontConfig cfg;
  const float px = 24;
  io.Fonts->AddFontFromFileTTF(ts.fonts.at(ts.fonts.ForScript(HB_SCRIPT_LATIN)).path.c_str(), px, &cfg, ranges);
  cfg.MergeMode = true;
  io.Fonts->AddFontFromFileTTF(ts.fonts.at(ts.fonts.ForScript(HB_SCRIPT_DEVANAGARI)).path.c_str(), px, &cfg, ranges);
  io.Fonts->AddFontFromFileTTF(ts.fonts.at(ts.fonts.ForScript(HB_SCRIPT_BENGALI)).path.c_str(), px, &cfg, ranges);
  ts.atlas.Reserve(io.Fonts);
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  if (!ts.atlas.Locate(io.Fonts)) { std::fprintf(stderr, "bench_labels: atlas\n"); return 1; }

  ui::AppState app;
  app.text = &ts;
  app.theme.em = px;
  const std::vector<Label> labels = SeedLabels(200);

  const auto frame = [&](bool shaped) {
    const double t0 = ThreadCpuUs();
    io.DeltaTime = 1.0f / 60;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("labels", nullptr, ImGuiWindowFlags_NoDecoration);
    for (size_t i = 0; i < labels.size(); ++i) {
      ImGui::SetCursorPos(ImVec2(static_cast<float>(i % 4) * 470.0f + 8, static_cast<float>(i / 4) * 21.0f + 4));
      if (shaped) ui::LabelIn(app, labels[i].text, labels[i].lang, px, IM_COL32_WHITE);
      else ImGui::TextUnformatted(labels[i].text.c_str());
    }
    ImGui::End();
    ImGui::Render();
    return ThreadCpuUs() - t0;
  };
  for (int i = 0; i < 60; ++i) { frame(true); frame(false); }  // warm: caches filled, atlas rasterised
  std::vector<double> a, b;
  for (int block = 0; block < 20; ++block)
    for (int i = 0; i < 25; ++i) { a.push_back(frame(true)); b.push_back(frame(false)); }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double ma = a[a.size() / 2], mb = b[b.size() / 2];
  std::printf("labels: CPU per frame, 200 labels  shaped (cached) %.0f us  plain ImGui %.0f us  ratio %.2f  (target <= 2.0)  [median of %zu frames]\n",
              ma, mb, ma / mb, a.size());
  ImGui::DestroyContext();
  return 0;
}
