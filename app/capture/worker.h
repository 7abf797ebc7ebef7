// worker.h — runs the photo pipeline (photo.h) on one background thread so the UI never waits
// (GUIDE 2.6). The UI submits jobs (a file path or bytes), then once per frame polls Status()
// for progress and drains finished results with TakeResults(). There are no callbacks into UI
// code; the one optional hook, `wake`, only nudges the event loop (e.g. glfwPostEmptyEvent) so
// an idle UI redraws when a result lands (GUIDE 2.7: redraw only on input or a posted event).
// It is not a thread pool: one photo at a time keeps memory predictable on a small device
// (a 50 MP PNG needs ~200 MB while it decodes) and results in submission order for free.
//
// Design note — the life of a job:
//
//     Submit*()            worker thread              TakeResults()
//   ──────────▶ Queued ───────────────▶ Running ─────────────▶ Finished ──────────▶ (UI owns it)
//                 │ destructor                │ destructor: finishes this photo, then stops
//                 ▼ dropped                   ▼
//
//   1. Only the worker thread runs ProcessPhoto; jobs start in submission order, one at a time.
//   2. Results are appended in the order jobs finish, so they arrive in submission order.
//   3. The mutex is held only for O(1) queue operations and progress stores — never while a
//      photo is processed — so Status() and TakeResults() cost the UI microseconds.
//   4. At most one job is Running; Status().running is 0 exactly when none is.
//   5. The destructor sets `stop`, lets the running photo finish (~100 ms), drops the queue and
//      joins: no thread outlives the worker, and no result is posted after destruction.
//   6. Forget() ends a session: no job submitted before it ever reaches TakeResults() — queued
//      ones are dropped, finished ones wiped, and the running one's result is wiped when it is
//      done (`forget_through_`). A kiosk's next citizen never receives the last one's photo.
//
//   transition              function
//   (none) → Queued         SubmitFile / SubmitBytes / SubmitFrame
//   Queued → Running        Run (worker thread), under the mutex
//   Running → Finished      Run, under the mutex, then wake()
//   Finished → UI           TakeResults
//   Queued/Finished → gone  Forget (and Running → gone when it finishes)
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "app/capture/photo.h"
#include "platform/camera_v4l2.h"

namespace samvad::capture {

using JobId = std::uint64_t;  // 1, 2, 3, … per worker; 0 means "none"

struct FinishedPhoto {
  JobId id = 0;
  PhotoResult result;
};

// One snapshot for one frame.
struct PhotoWorkerStatus {
  std::size_t queued = 0;      // submitted, not started
  JobId running = 0;           // the job being processed, 0 when none
  float running_progress = 0;  // 0..1 of `running`
  std::size_t finished = 0;    // results waiting for TakeResults()
  bool busy() const { return queued > 0 || running != 0; }
};

class PhotoWorker {
 public:
  // `wake` (optional) is called on the worker thread after each result is posted. It must be
  // thread-safe and do nothing but wake the UI's event loop.
  explicit PhotoWorker(PhotoOptions options = {}, std::function<void()> wake = {});
  ~PhotoWorker();
  PhotoWorker(const PhotoWorker&) = delete;
  PhotoWorker& operator=(const PhotoWorker&) = delete;

  JobId SubmitFile(std::filesystem::path path);
  JobId SubmitBytes(std::vector<std::uint8_t> bytes);
  // A frame from the camera (camera.h's viewfinder shot), through the same pipeline.
  JobId SubmitFrame(platform::CameraFrame frame);

  PhotoWorkerStatus Status() const;
  // Every result finished since the last call, oldest first; empty when none.
  std::vector<FinishedPhoto> TakeResults();
  // The session these jobs belonged to is over (invariant 6): every job submitted so far is
  // dropped, its bytes overwritten, and its result never posted.
  void Forget();

 private:
  struct Job {
    JobId id = 0;
    std::variant<std::filesystem::path, std::vector<std::uint8_t>, platform::CameraFrame> input;
  };
  JobId Submit(Job job);
  void Run();
  void AssertJobState() const;  // debug-only check of invariants 1-4; call with mu_ held

  const PhotoOptions options_;
  const std::function<void()> wake_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<FinishedPhoto> finished_;
  JobId next_id_ = 1;
  JobId forget_through_ = 0;  // results of jobs with an id up to this one are wiped, not posted
  JobId running_ = 0;
  float progress_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above is constructed
};

}  // namespace samvad::capture
