// main.cpp — the samvad program: options, the window, and the frame loop. It renders only
// when input, a script, an animation or a timer asks (idle CPU ≈ 0, GUIDE 2.7).
//
//   samvad [--kiosk] [--size WxH] [--lang mr|hi|bn|en]
//   samvad --screenshot FILE            the settled first screen as PNG, then exit
//   samvad --script FILE [--out DIR]    drive the UI by script (app/script/script.h)
//   samvad --shape-dump --lang mr TEXT  the shaping of TEXT, one line per run (see README)
//   samvad --exit-after-first-frame     for the start-up benchmark
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/script/script.h"
#include "app/text/utf8.h"
#include "app/ui/app.h"
#include "platform/idle_memory.h"
#include "platform/paths.h"
#include "platform/window_glfw.h"

namespace {

using samvad::ui::AppState;

struct Options {
  bool kiosk = false, shape_dump = false, exit_first_frame = false;
  int width = 1280, height = 800;
  std::string lang = "mr", screenshot, script, out = ".", dump_text;
  bool lang_given = false;
};

int Usage(const char* why) {
  std::fprintf(stderr, "samvad: %s\nusage: samvad [--kiosk] [--size WxH] [--lang mr|hi|bn|en] "
               "[--screenshot FILE] [--script FILE [--out DIR]] [--shape-dump --lang L TEXT]\n", why);
  return 2;
}

bool WritePng(const std::string& path, int w, int h) {
  std::vector<unsigned char> px(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);  // before the swap: exactly what this frame drew
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  std::vector<unsigned char> flipped(px.size());
  const size_t row = static_cast<size_t>(w) * 4;
  for (int y = 0; y < h; ++y)
    std::memcpy(&flipped[static_cast<size_t>(y) * row], &px[static_cast<size_t>(h - 1 - y) * row], row);
  for (size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  return stbi_write_png(path.c_str(), w, h, 4, flipped.data(), static_cast<int>(row)) != 0;
}

// Physical keyboard (a developer's, or a kiosk with one attached): text and editing keys go to
// the field on screen, through the same editing model as the on-screen keys.
void HandleKey(AppState& app, const samvad::platform::InputEvent& e) {
  samvad::text::EditState* f = samvad::ui::FocusedField(app);
  if (!f) return;
  auto& br = app.text->breaks;
  const bool shift = (e.mods & 0x0001) != 0;  // GLFW_MOD_SHIFT
  if (e.kind == samvad::platform::InputEvent::Char) {
    std::string s;
    samvad::text::AppendUtf8(s, e.codepoint);
    samvad::text::EditInsert(*f, br, app.lang, s);
    return;
  }
  switch (e.key) {
    case 259: samvad::text::EditBackspace(*f); break;             // GLFW_KEY_BACKSPACE
    case 263: samvad::text::EditLeft(*f, br, app.lang, shift); break;   // GLFW_KEY_LEFT
    case 262: samvad::text::EditRight(*f, br, app.lang, shift); break;  // GLFW_KEY_RIGHT
    default: break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--kiosk") opt.kiosk = true;
    else if (a == "--shape-dump") opt.shape_dump = true;
    else if (a == "--exit-after-first-frame") opt.exit_first_frame = true;
    else if (a == "--lang") { const char* v = next(); if (!v) return Usage("--lang needs a value"); opt.lang = v; opt.lang_given = true; }
    else if (a == "--screenshot") { const char* v = next(); if (!v) return Usage("--screenshot needs a file"); opt.screenshot = v; }
    else if (a == "--script") { const char* v = next(); if (!v) return Usage("--script needs a file"); opt.script = v; }
    else if (a == "--out") { const char* v = next(); if (!v) return Usage("--out needs a folder"); opt.out = v; }
    else if (a == "--size") {
      const char* v = next();
      if (!v || std::sscanf(v, "%dx%d", &opt.width, &opt.height) != 2 || opt.width < 320 || opt.height < 240)
        return Usage("--size needs WxH, at least 320x240");
    } else if (opt.shape_dump && a[0] != '-') opt.dump_text = a;
    else return Usage(("unknown option " + a).c_str());
  }
  const auto lang = samvad::text::ParseLang(opt.lang);
  if (!lang) return Usage("--lang must be one of mr, hi, bn, en");

  samvad::ui::TextServices text;
  std::string error;
  if (opt.shape_dump) {
    // No window, no catalogs: fonts and HarfBuzz only, so anyone can diff against hb-shape.
    if (!text.fonts.Load(samvad::text::DefaultFontConfig(), &error)) {
      std::fprintf(stderr, "samvad: %s\n", error.c_str());
      return 1;
    }
    samvad::text::Shaper shaper(text.fonts);
    std::fputs(shaper.Dump(opt.dump_text, *lang).c_str(), stdout);
    return 0;
  }
  // Fonts, HarfBuzz faces, the catalogs and the glyph atlas's pixels (~14 ms) are made on a
  // second thread while this one opens the window and the GL context (~250 ms, mostly Mesa and
  // the X server): nothing in either touches the other, no ImGui context exists yet (ImGui's
  // allocator counts into the current one), and the join comes before anything draws text.
  ImFontAtlas fonts;
  std::string text_error;
  bool text_ok = false;
  std::jthread text_loader([&] {
    text_ok = text.Load(&text_error);
    if (text_ok && !text.atlas.Build(&fonts)) {
      text_ok = false;
      text_error = "the glyph region does not fit in the font atlas";
    }
  });

  samvad::platform::Window window;
  samvad::platform::WindowOptions wopt;
  wopt.width = opt.width;
  wopt.height = opt.height;
  wopt.fullscreen = opt.kiosk;
  const bool window_ok = window.Open(wopt, &error);
  text_loader.join();
  if (!text_ok) {
    std::fprintf(stderr, "samvad: %s\n", text_error.c_str());
    return 1;
  }
  if (!window_ok) {
    std::fprintf(stderr, "samvad: %s\n", error.c_str());
    return 1;
  }

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // a kiosk keeps no window layout on disk
  io.LogFilename = nullptr;
  // The renderer's device objects are made with the context's own atlas (ImGui's small default
  // font, what any ImGui program uploads): the backend converts whatever atlas it finds to RGBA,
  // which for ours would be 4 MB. Then ours takes its place, uploaded as one 8-bit channel (see
  // GlyphAtlas::CreateTexture); the context's atlas is put back before the context goes.
  ImGui_ImplOpenGL3_Init("#version 130");
  ImGui_ImplOpenGL3_CreateDeviceObjects();
  ImFontAtlas* const context_fonts = io.Fonts;
  io.Fonts = &fonts;
  if (!text.atlas.CreateTexture(io.Fonts)) {
    std::fprintf(stderr, "samvad: cannot create the glyph atlas texture (OpenGL 3.3 swizzle)\n");
    return 1;
  }

  AppState app;
  app.text = &text;
  app.lang = *lang;
  if (!app.catalog.Load(samvad::ui::DefaultCatalogDataDir(), &error)) {
    std::fprintf(stderr, "samvad: %s\n", error.c_str());
    return 1;
  }
  // The services: store, photo pipeline, task runner. A worker that finishes wakes the loop.
  // The store is opened just after the first frame is on screen, not before: opening it (SQLite,
  // the migrations check, the orphan sweep, device.conf: ~6 ms here, far more when it recovers a
  // damaged file) is nothing the first screen shows. Until then app.kiosk is null, which every
  // screen already treats as "no services" (the submit button stays disabled); nobody can reach
  // one that uses them before the second frame, and the store is open before that frame starts.
  samvad::ui::Kiosk kiosk([] { glfwPostEmptyEvent(); });
  if (opt.lang_given) app.screen = samvad::ui::ScreenId::Home;

  samvad::script::Runner runner;
  bool scripted = !opt.script.empty();
  runner.SetOutDir(opt.out);
  if (scripted && !runner.Load(opt.script, &error)) {
    std::fprintf(stderr, "samvad: %s\n", error.c_str());
    return 2;
  }

  int frames_left = 3;  // ImGui needs a few frames to settle layout after a change
  int frame_no = 0;
  bool running = true;
  double last = samvad::platform::Window::Now();
  bool given_back = false;  // memory given back since the last frame (platform/idle_memory.h)
  while (running && !window.should_close()) {
    const bool busy = frames_left > 0 || scripted || app.animating || app.touch.has_pending() ||
                      !opt.screenshot.empty();
    if (busy) {
      window.Wait(0);
    } else {
      const double now = samvad::platform::Window::Now();
      double timeout = app.wake_at > 0 ? std::max(0.0, app.wake_at - now) : -1.0;
      if (!given_back) {  // wake once more, at rest long enough to give memory back
        const double give_back_in = std::max(0.0, last + samvad::platform::kIdleGiveBackAfterS - now);
        timeout = timeout < 0 ? give_back_in : std::min(timeout, give_back_in);
      }
      window.Wait(timeout);
    }
    for (const auto& e : window.events()) {
      using K = samvad::platform::InputEvent;
      switch (e.kind) {
        case K::PointerDown: app.touch.Push({samvad::ui::PointerEvent::Down, e.x, e.y}); break;
        case K::PointerMove: app.touch.Push({samvad::ui::PointerEvent::Move, e.x, e.y}); break;
        case K::PointerUp: app.touch.Push({samvad::ui::PointerEvent::Up, e.x, e.y}); break;
        case K::Key:
          if (e.key == 256 && !opt.kiosk) running = false;  // Escape leaves, except on a kiosk
          HandleKey(app, e);
          break;
        case K::Char: HandleKey(app, e); break;
        case K::Resize:
        case K::Refresh: break;
      }
      frames_left = std::max(frames_left, 3);
    }
    window.events().clear();
    // A finished job or photo posts an empty event; the next frame applies it.
    if (kiosk.submitting() || kiosk.processing_photo() || kiosk.tasks().busy())
      frames_left = std::max(frames_left, 2);
    const double now = samvad::platform::Window::Now();
    if (app.wake_at > 0 && now >= app.wake_at) {
      app.wake_at = 0;
      frames_left = std::max(frames_left, 2);
    }
    if (frames_left <= 0 && !app.animating && !scripted && opt.screenshot.empty()) {
      if (!given_back && now - last >= samvad::platform::kIdleGiveBackAfterS) {
        samvad::platform::GiveBackIdleMemory();
        given_back = true;
      }
      continue;
    }
    given_back = false;

    app.now = now;
    app.dt = static_cast<float>(std::clamp(now - last, 1e-4, 0.1));
    last = now;
    if (scripted && !runner.Step(app)) {
      if (runner.failed()) {
        std::fprintf(stderr, "samvad: %s\n", runner.error().c_str());
        return 1;
      }
      if (!runner.idle()) break;
      scripted = false;  // hand over to the ordinary event loop
    }
    int fw = 0, fh = 0;
    window.FramebufferSize(&fw, &fh);
    app.theme.Fit(fw, fh, window.PixelsPerMm());
    app.touch.set_slop(app.theme.em * 0.4f);
    io.DisplaySize = ImVec2(static_cast<float>(fw), static_cast<float>(fh));
    io.DeltaTime = app.dt;
    app.touch.NewFrame(io, now);
    samvad::ui::AcceptTouch(app, io);
    if (app.kiosk) kiosk.Poll(app);
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    samvad::ui::DrawFrame(app);
    ImGui::Render();
    text.atlas.Upload();
    glViewport(0, 0, fw, fh);
    const ImVec4 bg = ImGui::ColorConvertU32ToFloat4(app.theme.bg);
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    ++frame_no;

    std::string shot = scripted ? runner.TakeScreenshotRequest() : std::string();
    if (!shot.empty() && !WritePng(opt.out + "/" + shot, fw, fh)) {
      std::fprintf(stderr, "samvad: cannot write screenshot %s/%s\n", opt.out.c_str(), shot.c_str());
      return 1;
    }
    if (!opt.screenshot.empty() && frame_no >= 6 && !app.animating) {
      if (!WritePng(opt.screenshot, fw, fh)) {
        std::fprintf(stderr, "samvad: cannot write screenshot %s\n", opt.screenshot.c_str());
        return 1;
      }
      running = false;
    }
    window.Swap();
    if (opt.exit_first_frame) {
      glFinish();
      timespec ts{};
      clock_gettime(CLOCK_MONOTONIC, &ts);
      std::printf("first_frame_monotonic_ns=%lld\n",
                  static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
      running = false;
    }
    --frames_left;
    if (!app.kiosk) {
      if (!kiosk.Open(samvad::platform::DataDir(), app, &error)) {
        std::fprintf(stderr, "samvad: %s\n", error.c_str());
        return 1;
      }
      app.kiosk = &kiosk;
    }
  }
  text.atlas.DestroyTexture();
  ImGui_ImplOpenGL3_Shutdown();
  io.Fonts = context_fonts;  // the context deletes the atlas it made, not ours
  ImGui::DestroyContext();
  return 0;
}
