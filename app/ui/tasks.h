// tasks.h — work off the UI thread (GUIDE 2.6): a job runs on a worker thread and returns a
// continuation that the UI thread applies at the start of a frame, so screens never wait on
// disk or network and never touch app state from another thread. Finishing a job wakes the
// event loop through `wake` (glfwPostEmptyEvent in the program, nothing in tests).
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace samvad::ui {

struct AppState;

class Tasks {
 public:
  using Continuation = std::function<void(AppState&)>;
  using Job = std::function<Continuation()>;

  explicit Tasks(std::function<void()> wake = {});
  ~Tasks();  // finishes queued jobs first: a submission in flight is never abandoned
  Tasks(const Tasks&) = delete;
  Tasks& operator=(const Tasks&) = delete;

  void Run(Job job);
  // Applies finished jobs' continuations; call once per frame on the UI thread.
  void Drain(AppState& app);
  // A job is queued or running (the UI shows progress and disables what would race it).
  bool busy() const;
  // Blocks until every queued job finished (tests and shutdown only, never a frame).
  void WaitIdle();

 private:
  void Loop();
  std::function<void()> wake_;
  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<Job> jobs_;
  std::deque<Continuation> done_;
  int running_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace samvad::ui
