// touch.tests.cpp — touch behaviour, frame by frame, in a real ImGui context (no window needed:
// the widgets' logic runs on the CPU; what the GPU shows is the GUI tests' job): tap versus
// long-press, the double-tap guard on submit, no hover left after a lift, drag-to-scroll with
// fling, and touch targets of at least 9 mm on every screen.
#include <catch2/catch.hpp>

#include <cfloat>
#include <functional>

#include "app/ui/app.h"
#include "app/ui/widgets/widgets.h"

using namespace samvad::ui;

namespace {

struct Harness {
  TextServices text;
  AppState app;
  ImGuiContext* ctx = nullptr;
  double t = 0;

  explicit Harness(int w = 1280, int h = 800, float px_per_mm = 0) {
    std::string err;
    if (!text.Load(&err)) FAIL(err);
    ctx = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(static_cast<float>(w), static_cast<float>(h));
    io.Fonts->AddFontDefault();
    text.atlas.Reserve(io.Fonts);
    unsigned char* px = nullptr;
    int tw = 0, th = 0;
    io.Fonts->GetTexDataAsRGBA32(&px, &tw, &th);
    REQUIRE(text.atlas.Locate(io.Fonts));
    app.text = &text;
    app.theme.Fit(w, h, px_per_mm);
    app.touch.set_slop(app.theme.em * 0.4f);
  }
  ~Harness() { ImGui::DestroyContext(ctx); }

  // One frame at time `at`, drawing `ui` inside a full-screen window.
  template <typename F>
  auto Frame(double at, F&& ui) {
    t = at;
    ImGuiIO& io = ImGui::GetIO();
    io.DeltaTime = 1.0f / 60;
    app.now = at;
    app.dt = 1.0f / 60;
    app.widgets.clear();
    app.animating = false;
    app.touch.NewFrame(io, at);
    AcceptTouch(app, io);  // as main.cpp's loop does
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("test", nullptr, ImGuiWindowFlags_NoDecoration);
    auto r = ui(app);
    ImGui::End();
    ImGui::Render();
    return r;
  }
};

Press OneButton(AppState& app, bool submit = false) {
  ImGui::SetCursorScreenPos(ImVec2(100, 100));
  ButtonOpts o;
  o.submit = submit;
  return Button(app, "b", "तक्रार", ImVec2(300, 100), o);
}

}  // namespace

TEST_CASE("a press and lift on a button is one tap", "[touch]") {
  Harness h;
  auto ui = [](AppState& a) { return OneButton(a); };
  h.Frame(0.00, ui);
  h.app.touch.Push({PointerEvent::Down, 200, 150});
  CHECK(h.Frame(0.02, ui) == Press::None);
  h.app.touch.Push({PointerEvent::Up, 200, 150});
  CHECK(h.Frame(0.04, ui) == Press::Tap);
  CHECK(h.Frame(0.06, ui) == Press::None);
  SECTION("down and up queued together still make one tap, one transition per frame") {
    h.app.touch.Push({PointerEvent::Down, 200, 150});
    h.app.touch.Push({PointerEvent::Up, 200, 150});
    CHECK(h.Frame(0.10, ui) == Press::None);
    CHECK(h.app.touch.has_pending());
    CHECK(h.Frame(0.12, ui) == Press::Tap);
  }
}

TEST_CASE("holding still is a long-press, and the lift after it is not a tap", "[touch]") {
  Harness h;
  auto ui = [](AppState& a) { return OneButton(a); };
  h.Frame(0.0, ui);
  h.app.touch.Push({PointerEvent::Down, 200, 150});
  CHECK(h.Frame(0.02, ui) == Press::None);
  CHECK(h.app.wake_at == Approx(0.02 + kLongPress));  // the loop is asked to wake for it
  CHECK(h.Frame(0.30, ui) == Press::None);
  CHECK(h.Frame(0.60, ui) == Press::LongPress);
  CHECK(h.Frame(0.70, ui) == Press::None);
  h.app.touch.Push({PointerEvent::Up, 200, 150});
  CHECK(h.Frame(0.80, ui) == Press::None);
}

TEST_CASE("a second tap on a submit button within the guard interval is ignored", "[touch]") {
  Harness h;
  const auto tap = [&](double at, bool submit) {
    auto ui = [submit](AppState& a) { return OneButton(a, submit); };
    h.app.touch.Push({PointerEvent::Down, 200, 150});
    h.Frame(at, ui);
    h.app.touch.Push({PointerEvent::Up, 200, 150});
    const Press p = h.Frame(at + 0.02, ui);
    h.Frame(at + 0.04, ui);
    return p;
  };
  h.Frame(0, [](AppState& a) { return OneButton(a, true); });
  CHECK(tap(1.0, true) == Press::Tap);
  CHECK(tap(1.3, true) == Press::None);  // the citizen's double tap
  CHECK(tap(2.5, true) == Press::Tap);   // a deliberate second press later
  SECTION("ordinary buttons take quick taps (a keyboard must)") {
    CHECK(tap(3.0, false) == Press::Tap);
    CHECK(tap(3.1, false) == Press::Tap);
  }
}

TEST_CASE("after the finger lifts, nothing stays hovered", "[touch]") {
  Harness h;
  auto ui = [](AppState& a) {
    OneButton(a);
    return ImGui::IsAnyItemHovered();
  };
  h.Frame(0, ui);
  h.app.touch.Push({PointerEvent::Down, 200, 150});
  CHECK(h.Frame(0.02, ui));
  h.app.touch.Push({PointerEvent::Up, 200, 150});
  h.Frame(0.04, ui);
  h.Frame(0.06, ui);  // ImGui reports last frame's hover too; one frame later nothing is
  CHECK_FALSE(h.Frame(0.08, ui));
  CHECK(ImGui::GetIO().MousePos.x == -FLT_MAX);
}

TEST_CASE("a touch on the idle countdown dismisses it and presses nothing under it", "[touch][idle]") {
  Harness h;
  h.app.screen = ScreenId::Review;  // a citizen's complaint, one tap from being filed
  int taps = 0;
  auto ui = [&](AppState& a) {
    if (OneButton(a, true) == Press::Tap) ++taps;
    return 0;
  };
  const auto tap = [&](double at) {
    h.app.touch.Push({PointerEvent::Down, 200, 150});
    h.Frame(at, ui);
    h.app.touch.Push({PointerEvent::Up, 200, 150});
    h.Frame(at + 0.02, ui);
    h.Frame(at + 0.04, ui);
  };
  h.app.last_touch = 0;
  h.Frame(61, ui);  // 61 s without a touch: past idle_warn_s (60), the countdown is up
  tap(61.1);
  CHECK(taps == 0);
  CHECK(h.app.last_touch == Approx(61.1));  // the clock starts again
  CHECK_FALSE(ImGui::IsAnyItemActive());
  tap(62);  // the countdown is gone: an ordinary tap
  CHECK(taps == 1);
  SECTION("the language chooser with nothing of a citizen has no countdown to dismiss") {
    h.app.screen = ScreenId::Language;
    h.app.last_touch = 0;
    tap(200);
    CHECK(taps == 2);
  }
}

TEST_CASE("a drag scrolls a list without pressing what it started on, then flings", "[touch]") {
  Harness h;
  float scroll = 0;
  int taps = 0;
  auto ui = [&](AppState& a) {
    ImGui::SetCursorScreenPos(ImVec2(0, 0));
    BeginTouchScroll(a, "list", ImVec2(400, 300));
    for (int i = 0; i < 12; ++i)
      if (Button(a, "item" + std::to_string(i), "पर्याय", ImVec2(380, 100)) == Press::Tap) ++taps;
    scroll = ImGui::GetScrollY();
    EndTouchScroll(a);
    return 0;
  };
  h.Frame(0, ui);
  h.app.touch.Push({PointerEvent::Down, 200, 250});
  h.Frame(0.016, ui);
  double t = 0.016;
  for (int k = 1; k <= 10; ++k) {
    h.app.touch.Push({PointerEvent::Move, 200, 250.0f - 20.0f * static_cast<float>(k)});
    h.Frame(t += 0.016, ui);
  }
  h.app.touch.Push({PointerEvent::Up, 200, 50});
  h.Frame(t += 0.016, ui);
  const float at_lift = scroll;
  CHECK(at_lift > 150);  // followed the finger (~200 px)
  int animating_frames = 0;
  for (int k = 0; k < 200; ++k) {
    h.Frame(t += 0.016, ui);
    if (h.app.animating) ++animating_frames;
  }
  CHECK(scroll > at_lift + 50);  // kept moving after the lift
  CHECK(animating_frames > 5);
  CHECK_FALSE(h.app.animating);  // and came to rest
  CHECK(taps == 0);
}

TEST_CASE("every touch target on every screen is at least 9 mm", "[touch]") {
  const auto check_screen = [](int w, int hgt, float ppm, ScreenId screen, samvad::text::Lang lang) {
    Harness h(w, hgt, ppm);
    h.app.screen = screen;
    h.app.lang = lang;
    h.app.staff.signed_in = true;  // the staff screens draw only for a signed-in member
    for (int k = 0; k < 3; ++k) h.Frame(k * 0.016, [](AppState& a) { DrawFrameContents(a); return 0; });
    const float min_px = 9.0f * h.app.theme.px_per_mm;
    INFO(w << "x" << hgt << " screen " << ScreenName(screen) << " min " << min_px << " px");
    int targets = 0;
    for (const auto& [name, r] : h.app.widgets) {
      // Scroll regions and the progress bar are named for scripts but are not touch targets.
      if (name == "lang.list" || name == "sync.list" || name == "sync.bar") continue;
      INFO(name << " is " << r.GetWidth() << "x" << r.GetHeight());
      CHECK(r.GetHeight() >= min_px - 0.5f);
      CHECK(r.GetWidth() >= min_px - 0.5f);
      ++targets;
    }
    CHECK(targets > 0);
  };
  for (ScreenId s : {ScreenId::Language, ScreenId::Home, ScreenId::Describe, ScreenId::Status, ScreenId::StaffSignIn,
                     ScreenId::StaffHome, ScreenId::StaffSync, ScreenId::StaffReport}) {
    check_screen(1280, 800, 0, s, samvad::text::Lang::Mr);      // a 10" tablet at 96 dpi
    check_screen(1920, 1080, 5.6f, s, samvad::text::Lang::Bn);  // a 15.6" kiosk, 142 dpi
    check_screen(1024, 600, 6.0f, s, samvad::text::Lang::Hi);   // a 7" tablet, dense
  }
}
