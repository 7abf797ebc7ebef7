// bare_window.cpp — the start-up baseline: the least a Dear ImGui + GLFW + OpenGL 3 program
// can do (a window, a context, one frame with one label). Prints the monotonic time at which
// its first frame was on screen, like `samvad --exit-after-first-frame`. With --stay it then
// waits, idle, so the memory benchmark can read its PSS as the baseline.
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include <cstdio>
#include <ctime>
#include <string>

int main(int argc, char** argv) {
  // --stay: keep the window open (idle, waiting for events) so its memory can be read.
  const bool stay = argc > 1 && std::string(argv[1]) == "--stay";
  if (!glfwInit()) return 1;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* w = glfwCreateWindow(1280, 800, "bare", nullptr, nullptr);
  if (!w) return 1;
  glfwMakeContextCurrent(w);
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  ImGui_ImplOpenGL3_Init("#version 130");
  io.DisplaySize = ImVec2(1280, 800);
  // With --stay, ten frames first: llvmpipe JIT-compiles its shader variants over the first
  // frames (libLLVM's resident pages grow from 26 to 37 MB), so a one-frame program would be an
  // unfairly small memory baseline for an app that has been used.
  for (int f = 0; f < (stay ? 10 : 1); ++f) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui::NewFrame();
  // Placed and sized by the program: ImGui hides a new window whose size it must fit to its
  // contents for that window's first frame, so without these the first frame drew nothing at
  // all (0 pixels, 0 draw lists, measured) and skipped llvmpipe's first shader compile (~20 ms)
  // that any program showing something pays — the baseline would not be "one label".
  ImGui::SetNextWindowPos(ImVec2(10, 10));
  ImGui::SetNextWindowSize(ImVec2(200, 100));
  ImGui::Begin("bare");
  ImGui::TextUnformatted("hello");
  ImGui::End();
  ImGui::Render();
  glViewport(0, 0, 1280, 800);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  glfwSwapBuffers(w);
  }
  glFinish();
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::printf("first_frame_monotonic_ns=%lld\n", static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
  std::fflush(stdout);
  while (stay && !glfwWindowShouldClose(w)) glfwWaitEvents();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(w);
  glfwTerminate();
  return 0;
}
