// worker.cpp — see worker.h for the job lifecycle and its invariants.
#include "app/capture/worker.h"

#include "app/capture/camera.h"

#include <cassert>

namespace samvad::capture {

PhotoWorker::PhotoWorker(PhotoOptions options, std::function<void()> wake)
    : options_(options), wake_(std::move(wake)), thread_([this] { Run(); }) {}

PhotoWorker::~PhotoWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_one();
  thread_.join();
}

void PhotoWorker::AssertJobState() const {
#ifndef NDEBUG
  for (std::size_t i = 1; i < queue_.size(); ++i)
    assert(queue_[i - 1].id < queue_[i].id && "PhotoWorker: queue out of submission order");
  for (std::size_t i = 1; i < finished_.size(); ++i)
    assert(finished_[i - 1].id < finished_[i].id && "PhotoWorker: results out of order");
  if (!queue_.empty() && running_ != 0)
    assert(running_ < queue_.front().id && "PhotoWorker: a later job runs before an earlier one");
  assert((running_ != 0 || progress_ == 0.0f) && "PhotoWorker: progress without a running job");
  for (const Job& j : queue_) assert(j.id > forget_through_ && "PhotoWorker: a forgotten job is still queued");
  for (const FinishedPhoto& f : finished_)
    assert(f.id > forget_through_ && "PhotoWorker: a forgotten job's result is still waiting");
#endif
}

JobId PhotoWorker::Submit(Job job) {
  JobId id = 0;
  {
    std::lock_guard lock(mu_);
    AssertJobState();
    id = job.id = next_id_++;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return id;
}

JobId PhotoWorker::SubmitFile(std::filesystem::path path) {
  return Submit(Job{0, std::move(path)});
}

JobId PhotoWorker::SubmitBytes(std::vector<std::uint8_t> bytes) {
  return Submit(Job{0, std::move(bytes)});
}

JobId PhotoWorker::SubmitFrame(platform::CameraFrame frame) {
  return Submit(Job{0, std::move(frame)});
}

PhotoWorkerStatus PhotoWorker::Status() const {
  std::lock_guard lock(mu_);
  return {queue_.size(), running_, progress_, finished_.size()};
}

std::vector<FinishedPhoto> PhotoWorker::TakeResults() {
  std::vector<FinishedPhoto> out;
  std::lock_guard lock(mu_);
  AssertJobState();
  out.swap(finished_);
  return out;
}

namespace {

void Wipe(PhotoResult& r) {
  WipeBytes(r.jpeg);
  WipeBytes(r.thumb);
}

}  // namespace

void PhotoWorker::Forget() {
  std::lock_guard lock(mu_);
  AssertJobState();
  forget_through_ = next_id_ - 1;
  for (Job& j : queue_)
    if (auto* bytes = std::get_if<std::vector<std::uint8_t>>(&j.input)) WipeBytes(*bytes);
    else if (auto* frame = std::get_if<platform::CameraFrame>(&j.input)) WipeBytes(frame->bytes);
  queue_.clear();
  for (FinishedPhoto& f : finished_) Wipe(f.result);
  finished_.clear();
}

void PhotoWorker::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      AssertJobState();
      job = std::move(queue_.front());
      queue_.pop_front();
      running_ = job.id;
      progress_ = 0;
    }
    const ProgressFn progress = [this](float f) {
      std::lock_guard lock(mu_);
      progress_ = f;
    };
    // The photo is processed with the mutex released (invariant 3).
    PhotoResult result;
    if (const auto* path = std::get_if<std::filesystem::path>(&job.input))
      result = ProcessPhotoFile(*path, options_, progress);
    else if (const auto* bytes = std::get_if<std::vector<std::uint8_t>>(&job.input))
      result = ProcessPhoto(*bytes, options_, progress);
    else
      result = ProcessCameraFrame(std::get<platform::CameraFrame>(job.input), options_, progress);
    job.input = {};  // free the input bytes before the result waits in the queue
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      if (job.id <= forget_through_) Wipe(result);  // its session ended while it ran (invariant 6)
      else finished_.push_back({job.id, std::move(result)});
      running_ = 0;
      progress_ = 0;
      AssertJobState();
      wake = !stop_;  // during destruction the UI may already be gone
    }
    if (wake && wake_) wake_();
  }
}

}  // namespace samvad::capture
