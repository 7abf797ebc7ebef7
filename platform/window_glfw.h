// window_glfw.h — the window, its OpenGL context and raw input, behind a small interface so
// the app never includes GLFW. Touch arrives as GLFW's emulated left button (X11); this layer
// queues pointer, key and character events for the app to drain once per frame. It does no
// drawing and knows nothing of ImGui.
#pragma once
#include <string>
#include <vector>

struct GLFWwindow;

namespace samvad::platform {

struct WindowOptions {
  int width = 1280, height = 800;
  bool fullscreen = false;  // --kiosk: the primary monitor, its current mode
  const char* title = "Samvad";
};

struct InputEvent {
  enum Kind { PointerDown, PointerMove, PointerUp, Key, Char, Resize, Refresh } kind;
  float x = 0, y = 0;      // pointer position, framebuffer pixels
  int key = 0, mods = 0;   // GLFW key code and modifiers (Key)
  char32_t codepoint = 0;  // Char
};

class Window {
 public:
  Window() = default;
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  bool Open(const WindowOptions& opt, std::string* error);
  // Blocks until an event or `timeout_s` (< 0: no timeout; 0: just poll).
  void Wait(double timeout_s);
  std::vector<InputEvent>& events() { return events_; }
  bool should_close() const;
  void FramebufferSize(int* w, int* h) const;
  float PixelsPerMm() const;
  void Swap();
  static double Now();  // seconds, monotonic

 private:
  GLFWwindow* win_ = nullptr;
  std::vector<InputEvent> events_;
  bool button_down_ = false;
  friend struct WindowCallbacks;
};

}  // namespace samvad::platform
