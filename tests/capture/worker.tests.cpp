// worker.tests.cpp — PhotoWorker as the UI uses it: submit, then poll once per "frame" without
// blocking, drain results in order, see progress on the way.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "app/capture/worker.h"
#include "tests/capture/fixtures.h"

using namespace samvad::capture;
namespace fx = samvad::capture::fixtures;
using namespace std::chrono_literals;

TEST_CASE("three jobs: results arrive in submission order, with progress along the way", "[capture][worker]") {
  const fx::TempDir tmp("capture-worker");
  const auto& dir = tmp.path;
  fx::WriteFile((dir / "b.jpg").string(), fx::MakeJpeg(3000, 2000, 90, true));
  std::atomic<int> wakes{0};
  PhotoWorker worker({}, [&] { ++wakes; });

  const JobId a = worker.SubmitBytes(fx::MakeJpeg(4000, 3000, 90, true));
  const JobId b = worker.SubmitFile(dir / "b.jpg");
  const std::string text = "not a photo";
  const JobId c = worker.SubmitBytes(fx::Bytes(text.begin(), text.end()));
  CHECK(a < b);
  CHECK(b < c);

  std::vector<FinishedPhoto> got;
  bool saw_running = false, saw_partial = false, saw_queue = false;
  int polls_during_first = 0;  // frames the UI got while job `a` (~70 ms) was being processed
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (got.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    // One "frame": a snapshot and a drain, both non-blocking.
    const PhotoWorkerStatus s = worker.Status();
    auto done = worker.TakeResults();
    polls_during_first += s.running == a;
    saw_running |= s.running != 0;
    saw_partial |= s.running != 0 && s.running_progress > 0.0f && s.running_progress < 1.0f;
    saw_queue |= s.queued > 0;
    for (auto& d : done) got.push_back(std::move(d));
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(got.size() == 3);
  CHECK(got[0].id == a);
  CHECK(got[1].id == b);
  CHECK(got[2].id == c);
  CHECK(got[0].result.ok());
  CHECK(got[0].result.width == 1600);
  CHECK(got[1].result.ok());
  CHECK(got[1].result.width == 1600);
  CHECK(got[1].result.height == 1067);
  CHECK(got[2].result.error == PhotoError::NotAnImage);
  CHECK(saw_running);
  CHECK(saw_partial);
  CHECK(saw_queue);
  // Had Status() waited for the photo, the UI would have had one frame in that time, not many.
  CHECK(polls_during_first >= 10);
  // wake() runs just after the result is posted; give the last one a moment.
  for (int i = 0; i < 1000 && wakes < 3; ++i) std::this_thread::sleep_for(1ms);
  CHECK(wakes == 3);
  const PhotoWorkerStatus idle = worker.Status();
  CHECK_FALSE(idle.busy());
  CHECK(idle.finished == 0);
}

TEST_CASE("destroying a busy worker finishes the running photo, drops the queue and joins", "[capture][worker]") {
  const fx::Bytes photo = fx::MakeJpeg(2000, 1500, 90, true);
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(ProcessPhoto(photo).ok());
  const auto one = std::chrono::steady_clock::now() - t0;
  t0 = std::chrono::steady_clock::now();
  {
    PhotoWorker worker;
    for (int i = 0; i < 20; ++i) worker.SubmitBytes(photo);
    std::this_thread::sleep_for(one / 2);  // let the first one start
  }
  // Measured against this machine's own time for one photo (sanitizers and load change it):
  // the destructor waits for the running photo, not for the 19 queued behind it.
  CHECK(std::chrono::steady_clock::now() - t0 < 4 * one + 50ms);
}

// A kiosk session ends (idle reset, "Done", a discarded draft) while a photo is still being
// processed, or waits in the queue, or is finished but not yet taken: none of them may reach the
// next citizen's draft.
TEST_CASE("Forget: no job submitted before it ever comes out, whatever state it was in", "[capture][worker]") {
  PhotoWorker worker;
  const JobId running = worker.SubmitBytes(fx::MakeJpeg(4000, 3000, 90, true));  // ~70 ms or more
  const JobId queued = worker.SubmitBytes(fx::MakeJpeg(1200, 900, 90, true));
  // Forget while the first is running (or, on a slow machine, still queued: dropped all the same).
  const auto started_by = std::chrono::steady_clock::now() + 10s;
  while (worker.Status().running == 0 && worker.Status().finished == 0 && std::chrono::steady_clock::now() < started_by)
    std::this_thread::sleep_for(1ms);
  worker.Forget();
  CHECK(worker.Status().queued == 0);
  // The next session's photo comes out, alone.
  const JobId next = worker.SubmitBytes(fx::MakeJpeg(800, 600, 90, true));
  CHECK(next > queued);
  std::vector<FinishedPhoto> got;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (auto& d : worker.TakeResults()) got.push_back(std::move(d));
    if (!got.empty() && !worker.Status().busy()) break;
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(50ms);  // a forgotten result posted late would show up now
  for (auto& d : worker.TakeResults()) got.push_back(std::move(d));
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == next);
  CHECK(got[0].id != running);
  CHECK(got[0].result.ok());
  CHECK(got[0].result.width == 800);

  // A result finished but not taken when the session ends is dropped too.
  const JobId finished = worker.SubmitBytes(fx::MakeJpeg(640, 480, 90, true));
  const auto done_by = std::chrono::steady_clock::now() + 20s;
  while (worker.Status().finished == 0 && std::chrono::steady_clock::now() < done_by) std::this_thread::sleep_for(1ms);
  REQUIRE(worker.Status().finished == 1);
  worker.Forget();
  CHECK(worker.Status().finished == 0);
  CHECK(worker.TakeResults().empty());
  CHECK(finished > next);
}
