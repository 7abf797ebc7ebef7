// tasks.cpp — see tasks.h. One worker: the jobs (a submission, a photo import, a lookup) are
// few and must not reorder; one thread keeps them in order.
#include "app/ui/tasks.h"

namespace samvad::ui {

Tasks::Tasks(std::function<void()> wake) : wake_(std::move(wake)), worker_([this] { Loop(); }) {}

Tasks::~Tasks() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Tasks::Run(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Tasks::Loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to finish
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    Continuation c = job();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (c) done_.push_back(std::move(c));
      --running_;
    }
    idle_cv_.notify_all();
    if (wake_) wake_();
  }
}

void Tasks::Drain(AppState& app) {
  std::deque<Continuation> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready.swap(done_);
  }
  for (Continuation& c : ready) c(app);
}

bool Tasks::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ > 0 || !jobs_.empty() || !done_.empty();
}

void Tasks::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return running_ == 0 && jobs_.empty(); });
}

}  // namespace samvad::ui
