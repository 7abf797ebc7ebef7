// touch.cpp — see touch.h.
#include "app/ui/widgets/touch.h"

#include <cfloat>
#include <cmath>

namespace samvad::ui {

void TouchInput::NewFrame(ImGuiIO& io, double now) {
  released_ = pressed_ = false;
  if (hide_pointer_) {
    // The frame after a lift: take the pointer away so nothing stays highlighted.
    pos_ = ImVec2(-FLT_MAX, -FLT_MAX);
    hide_pointer_ = false;
    dragging_ = false;
  }
  while (!queue_.empty()) {
    const PointerEvent e = queue_.front();
    queue_.pop_front();
    pos_ = ImVec2(e.x, e.y);
    if (e.kind == PointerEvent::Down) {
      down_ = pressed_ = true;
      dragging_ = false;
      press_pos_ = pos_;
      press_time_ = now;
      break;  // one transition per frame
    }
    if (e.kind == PointerEvent::Up) {
      if (down_ && !swallowed_) released_ = true;
      if (swallowed_) pos_ = ImVec2(-FLT_MAX, -FLT_MAX);  // its lift hovers nothing either
      down_ = swallowed_ = false;
      hide_pointer_ = true;
      break;
    }
    if (down_ && !dragging_ &&
        std::hypot(pos_.x - press_pos_.x, pos_.y - press_pos_.y) > slop_)
      dragging_ = true;
  }
  if (swallowed_) {
    Swallow(io);
    return;
  }
  io.MousePos = pos_;
  io.MouseDown[0] = down_;
}

void TouchInput::Swallow(ImGuiIO& io) {
  if (!down_) return;  // nothing pressed, or already lifted this frame
  swallowed_ = true;
  dragging_ = false;
  io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  io.MouseDown[0] = false;
}

}  // namespace samvad::ui
