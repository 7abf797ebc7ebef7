// window_glfw.cpp — see window_glfw.h.
#include "platform/window_glfw.h"

#include <GLFW/glfw3.h>

namespace samvad::platform {

struct WindowCallbacks {
  static Window* Self(GLFWwindow* w) { return static_cast<Window*>(glfwGetWindowUserPointer(w)); }
  static void ToFramebuffer(GLFWwindow* w, double* x, double* y) {
    // Cursor positions are in screen coordinates; scale to framebuffer pixels (HiDPI).
    int ww = 0, wh = 0, fw = 0, fh = 0;
    glfwGetWindowSize(w, &ww, &wh);
    glfwGetFramebufferSize(w, &fw, &fh);
    if (ww > 0 && wh > 0) { *x *= static_cast<double>(fw) / ww; *y *= static_cast<double>(fh) / wh; }
  }
  static void Button(GLFWwindow* w, int button, int action, int /*mods*/) {
    if (button != GLFW_MOUSE_BUTTON_LEFT) return;
    double x = 0, y = 0;
    glfwGetCursorPos(w, &x, &y);
    ToFramebuffer(w, &x, &y);
    Window* self = Self(w);
    self->button_down_ = action == GLFW_PRESS;
    self->events_.push_back({action == GLFW_PRESS ? InputEvent::PointerDown : InputEvent::PointerUp,
                             static_cast<float>(x), static_cast<float>(y)});
  }
  static void Cursor(GLFWwindow* w, double x, double y) {
    Window* self = Self(w);
    if (!self->button_down_) return;  // a finger only "moves" while touching
    ToFramebuffer(w, &x, &y);
    self->events_.push_back({InputEvent::PointerMove, static_cast<float>(x), static_cast<float>(y)});
  }
  static void Key(GLFWwindow* w, int key, int /*scancode*/, int action, int mods) {
    if (action == GLFW_RELEASE) return;
    InputEvent e{InputEvent::Key};
    e.key = key;
    e.mods = mods;
    Self(w)->events_.push_back(e);
  }
  static void Char(GLFWwindow* w, unsigned int cp) {
    InputEvent e{InputEvent::Char};
    e.codepoint = cp;
    Self(w)->events_.push_back(e);
  }
  static void Size(GLFWwindow* w, int, int) { Self(w)->events_.push_back({InputEvent::Resize}); }
  static void Refresh(GLFWwindow* w) { Self(w)->events_.push_back({InputEvent::Refresh}); }
};

Window::~Window() {
  if (win_) glfwDestroyWindow(win_);
  glfwTerminate();
}

bool Window::Open(const WindowOptions& opt, std::string* error) {
  if (!glfwInit()) {
    *error = "cannot open a window: no display (set DISPLAY, or run under xvfb-run)";
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWmonitor* mon = nullptr;
  int w = opt.width, h = opt.height;
  if (opt.fullscreen) {
    mon = glfwGetPrimaryMonitor();
    if (const GLFWvidmode* mode = mon ? glfwGetVideoMode(mon) : nullptr) { w = mode->width; h = mode->height; }
  }
  win_ = glfwCreateWindow(w, h, opt.title, mon, nullptr);
  if (!win_) {
    *error = "cannot create an OpenGL 3 window (is Mesa's libgl1-mesa-dri installed?)";
    return false;
  }
  glfwMakeContextCurrent(win_);
  glfwSwapInterval(1);
  glfwSetWindowUserPointer(win_, this);
  glfwSetMouseButtonCallback(win_, WindowCallbacks::Button);
  glfwSetCursorPosCallback(win_, WindowCallbacks::Cursor);
  glfwSetKeyCallback(win_, WindowCallbacks::Key);
  glfwSetCharCallback(win_, WindowCallbacks::Char);
  glfwSetFramebufferSizeCallback(win_, WindowCallbacks::Size);
  glfwSetWindowRefreshCallback(win_, WindowCallbacks::Refresh);
  return true;
}

void Window::Wait(double timeout_s) {
  if (timeout_s < 0) glfwWaitEvents();
  else if (timeout_s == 0) glfwPollEvents();
  else glfwWaitEventsTimeout(timeout_s);
}

bool Window::should_close() const { return glfwWindowShouldClose(win_) != 0; }
void Window::FramebufferSize(int* w, int* h) const { glfwGetFramebufferSize(win_, w, h); }

float Window::PixelsPerMm() const {
  GLFWmonitor* mon = glfwGetPrimaryMonitor();
  int mm_w = 0, mm_h = 0;
  if (mon) glfwGetMonitorPhysicalSize(mon, &mm_w, &mm_h);
  const GLFWvidmode* mode = mon ? glfwGetVideoMode(mon) : nullptr;
  if (!mode || mm_w <= 0) return 0;  // unknown: the theme assumes 96 dpi
  return static_cast<float>(mode->width) / static_cast<float>(mm_w);
}

void Window::Swap() { glfwSwapBuffers(win_); }
double Window::Now() { return glfwGetTime(); }

}  // namespace samvad::platform
