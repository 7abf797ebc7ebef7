// touch.h — pointer input as a finger gives it. GLFW 3.3 on X11 turns touch into an emulated
// left button (GUIDE 3), and Debian's ImGui 1.86 has no input queue, so events are queued here
// and fed to ImGui one button transition per frame (a tap whose down and up arrive together
// still clicks). After the finger lifts, the pointer is moved off-screen: no hover is left
// behind. Drags become scrolling (touch_scroll), holds become long-presses (button).
#pragma once
#include <imgui.h>

#include <deque>

namespace samvad::ui {

struct PointerEvent {
  enum Kind { Down, Move, Up } kind;
  float x, y;
};

class TouchInput {
 public:
  void Push(const PointerEvent& e) { queue_.push_back(e); }
  // Applies the next queued transition (and any moves before it) to io.
  void NewFrame(ImGuiIO& io, double now);
  bool has_pending() const { return !queue_.empty(); }

  // A press that is swallowed (below) is neither down nor released for anyone.
  bool down() const { return down_ && !swallowed_; }
  bool pressed_this_frame() const { return pressed_ && !swallowed_; }
  bool released_this_frame() const { return released_; }
  // The press that began this frame is not for the widgets (a touch that only dismisses an
  // overlay): from now until the finger lifts, io and this class show no button and no
  // pointer, so nothing under the finger is pressed, held, scrolled or tapped by its release.
  void Swallow(ImGuiIO& io);
  ImVec2 pos() const { return pos_; }
  ImVec2 press_pos() const { return press_pos_; }
  double press_time() const { return press_time_; }
  // Once a press moves farther than the slop, it is a drag: no tap, no long-press.
  bool dragging() const { return dragging_; }
  void set_slop(float px) { slop_ = px; }

 private:
  std::deque<PointerEvent> queue_;
  bool down_ = false, pressed_ = false, released_ = false, dragging_ = false, hide_pointer_ = false;
  bool swallowed_ = false;
  ImVec2 pos_{-1, -1}, press_pos_{-1, -1};
  double press_time_ = 0;
  float slop_ = 12;
};

}  // namespace samvad::ui
