// script.cpp — see script.h.
#include "app/script/script.h"

#include <filesystem>

#include <fstream>
#include <sstream>

namespace samvad::script {
namespace {

// US QWERTY: the unshifted key under each shifted character (what InScript's shift layer is
// defined on).
char UnshiftedKey(char c) {
  static constexpr std::string_view kShifted = "~!@#$%^&*()_+{}|:\"<>?";
  static constexpr std::string_view kBase = "`1234567890-=[]\\;',./";
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  const size_t at = kShifted.find(c);
  return at == std::string_view::npos ? 0 : kBase[at];
}

}  // namespace

bool Runner::Load(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read script " + path;
    return false;
  }
  path_ = path;
  for (std::string line; std::getline(in, line);) lines_.push_back(line);
  return true;
}

std::string Runner::TakeScreenshotRequest() { return std::exchange(screenshot_, {}); }

bool Runner::Fail(const std::string& why) {
  failed_ = true;
  error_ = path_ + ":" + std::to_string(next_) + ": " + why;
  return false;
}

text::EditState* Runner::Field(ui::AppState& app, const std::string& name) {
  return ui::FieldByName(app, name);
}

bool Runner::TapAt(ui::AppState& app, const std::string& name) {
  const auto it = app.widgets.find(name);
  if (it == app.widgets.end())
    return Fail("no widget '" + name + "' on screen '" + ui::ScreenName(app.screen) + "'");
  const ImVec2 c = it->second.GetCenter();
  queue_.push_back({0, c.x, c.y});
  queue_.push_back({2, c.x, c.y});
  return true;
}

bool Runner::Step(ui::AppState& app) {
  if (done_ || failed_) return false;
  // Pointer actions first: one per frame, so each lands on a frame of its own.
  if (!queue_.empty()) {
    const Pending p = queue_.front();
    if (p.kind == 3) {  // hold: keep the finger down until the time passes
      if (app.now < hold_until_) return true;
      queue_.erase(queue_.begin());
      return true;
    }
    queue_.erase(queue_.begin());
    app.touch.Push({static_cast<ui::PointerEvent::Kind>(p.kind), p.x, p.y});
    if (queue_.empty()) wait_frames_ = 2;  // let the widget see the lift and the UI settle
    return true;
  }
  if (wait_frames_ > 0) { --wait_frames_; return true; }
  if (sleep_until_ > 0) {
    if (app.now < sleep_until_) return true;
    sleep_until_ = 0;
  }
  if (wait_settle_) {
    if (app.animating) return true;
    wait_settle_ = false;
  }
  if (await_until_ > 0) {
    const bool busy = app.kiosk && (app.kiosk->submitting() || app.kiosk->processing_photo() ||
                                    app.kiosk->tasks().busy());
    if (busy) {
      if (app.now > await_until_) return Fail("background work still running after 20 s");
      return true;
    }
    await_until_ = 0;
    wait_frames_ = 2;  // let the result reach the screen
    return true;
  }
  if (!await_widget_.empty()) {
    if (app.widgets.find(await_widget_) == app.widgets.end()) {
      if (app.now > await_widget_until_) {
        // Name what is there instead ("work.history0:failed" when "…:sent" was awaited).
        const std::string stem = await_widget_.substr(0, await_widget_.find(':'));
        std::string seen;
        for (const auto& [name, rect] : app.widgets)
          if (name.rfind(stem, 0) == 0) seen += (seen.empty() ? "" : ", ") + name;
        return Fail("'" + await_widget_ + "' did not appear in time" + (seen.empty() ? "" : " (on screen: " + seen + ")"));
      }
      return true;
    }
    await_widget_.clear();
    wait_frames_ = 1;
    return true;
  }
  if (!await_file_.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(await_file_, ec)) {
      if (app.now > await_file_until_) return Fail("'" + await_file_ + "' did not appear in time");
      app.WakeAt(app.now + 0.1);  // nothing on screen changes meanwhile: look again soon
      return true;
    }
    await_file_.clear();
    return true;
  }
  while (next_ < lines_.size()) {
    const std::string line = lines_[next_++];
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    if (!Exec(app, line.substr(b))) {
      if (!failed_) done_ = true;
      return false;
    }
    if (!queue_.empty() || wait_frames_ > 0 || wait_settle_ || await_until_ > 0 || sleep_until_ > 0 ||
        !await_widget_.empty() || !await_file_.empty() || !screenshot_.empty())
      return true;
  }
  done_ = true;
  return false;
}

bool Runner::Exec(ui::AppState& app, const std::string& line) {
  std::istringstream ls(line);
  std::string cmd;
  ls >> cmd;
  std::string rest;
  std::getline(ls, rest);
  if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  std::istringstream args(rest);

  if (cmd == "tap") return TapAt(app, rest);
  if (cmd == "tap-if-present") return app.widgets.count(rest) == 0 || TapAt(app, rest);
  if (cmd == "longpress") {
    const auto it = app.widgets.find(rest);
    if (it == app.widgets.end()) return Fail("no widget '" + rest + "'");
    const ImVec2 c = it->second.GetCenter();
    queue_.push_back({0, c.x, c.y});
    queue_.push_back({3, c.x, c.y});
    queue_.push_back({2, c.x, c.y});
    hold_until_ = app.now + 0.7;
    return true;
  }
  if (cmd == "drag") {
    std::string name;
    float dx = 0, dy = 0;
    if (!(args >> name >> dx >> dy)) return Fail("drag NAME DX DY");
    const auto it = app.widgets.find(name);
    if (it == app.widgets.end()) return Fail("no widget '" + name + "'");
    const ImVec2 c = it->second.GetCenter();
    const float em = app.theme.em;
    queue_.push_back({0, c.x, c.y});
    for (int k = 1; k <= 8; ++k)
      queue_.push_back({1, c.x + dx * em * static_cast<float>(k) / 8, c.y + dy * em * static_cast<float>(k) / 8});
    queue_.push_back({2, c.x + dx * em, c.y + dy * em});
    return true;
  }
  if (cmd == "keys") {
    // Taps are resolved now against last frame's keyboard; shift and key rows do not move
    // when shift toggles, so the whole sequence can be queued at once.
    for (char c : rest) {
      std::string key;
      if (c == ' ') {
        key = "key:space";
      } else if (const char base = UnshiftedKey(c); base != 0 && !app.widgets.count(std::string("key:") + c)) {
        if (!TapAt(app, "key:shift")) return false;
        key = std::string("key:") + base;
      } else {
        key = std::string("key:") + c;
      }
      if (!TapAt(app, key)) return false;
    }
    return true;
  }
  if (cmd == "wait") {
    int n = 0;
    if (!(args >> n)) return Fail("wait N");
    wait_frames_ = n;
    return true;
  }
  if (cmd == "sleep") {
    int ms = 0;
    if (!(args >> ms)) return Fail("sleep MS");
    sleep_until_ = app.now + ms / 1000.0;
    return true;
  }
  if (cmd == "settle") { wait_settle_ = true; wait_frames_ = 2; return true; }
  if (cmd == "screenshot") { screenshot_ = rest; return true; }
  if (cmd == "await") { await_until_ = app.now + 20; wait_frames_ = 1; return true; }
  if (cmd == "await-widget") {
    double secs = 30;
    if (!(args >> await_widget_)) return Fail("await-widget NAME [SECONDS]");
    args >> secs;
    await_widget_until_ = app.now + secs;
    return true;
  }
  if (cmd == "await-file") {
    double secs = 30;
    std::string name;
    if (!(args >> name)) return Fail("await-file FILE [SECONDS]");
    args >> secs;
    await_file_ = out_dir_ + "/" + name;
    await_file_until_ = app.now + secs;
    return true;
  }
  if (cmd == "remember" || cmd == "expect-increased") {
    const auto it = app.values.find(rest);
    if (it == app.values.end()) return Fail("the screen published no value '" + rest + "'");
    if (cmd == "remember") {
      remembered_[rest] = it->second;
      return true;
    }
    const auto was = remembered_.find(rest);
    if (was == remembered_.end()) return Fail("'" + rest + "' was not remembered");
    if (!(it->second > was->second))
      return Fail("'" + rest + "' did not increase: " + std::to_string(was->second) + " then " + std::to_string(it->second));
    return true;
  }
  if (cmd == "expect-notice") {
    const std::string& got = !app.photos.error_key.empty() ? app.photos.error_key
                             : !app.status.result_key.empty() ? app.status.result_key : app.message_key;
    if (got != (rest == "none" ? "" : rest)) return Fail("notice is '" + got + "', expected '" + rest + "'");
    return true;
  }
  if (cmd == "expect-screen") {
    if (rest != ui::ScreenName(app.screen))
      return Fail("expected screen '" + rest + "', on '" + ui::ScreenName(app.screen) + "'");
    return true;
  }
  if (cmd == "expect-text" || cmd == "expect-caret") {
    std::string name;
    args >> name;
    text::EditState* f = Field(app, name);
    if (!f) return Fail("no field '" + name + "'");
    std::string want;
    std::getline(args, want);
    if (!want.empty() && want[0] == ' ') want.erase(0, 1);
    if (cmd == "expect-text" && f->text != want)
      return Fail("field '" + name + "' holds '" + f->text + "', expected '" + want + "'");
    if (cmd == "expect-caret" && std::to_string(f->caret) != want)
      return Fail("caret of '" + name + "' at " + std::to_string(f->caret) + ", expected " + want);
    return true;
  }
  if (cmd == "expect-widget" || cmd == "expect-no-widget") {
    const bool present = app.widgets.count(rest) != 0;
    if (present != (cmd == "expect-widget"))
      return Fail("widget '" + rest + "' " + (present ? "is drawn" : "is not drawn"));
    return true;
  }
  if (cmd == "expect-scrolled") {
    const auto it = app.widgets.find(rest);
    if (it == app.widgets.end()) return Fail("no widget '" + rest + "'");
    bool scrolled = false;
    for (ImGuiWindow* win : ImGui::GetCurrentContext()->Windows)
      if (win->Name && std::string_view(win->Name).find(rest) != std::string_view::npos && win->Scroll.y > 0.5f)
        scrolled = true;
    if (!scrolled) return Fail("'" + rest + "' is not scrolled");
    return true;
  }
  if (cmd == "idle") { idle_ = true; return false; }
  if (cmd == "quit") return false;
  return Fail("unknown command '" + cmd + "'");
}

}  // namespace samvad::script
