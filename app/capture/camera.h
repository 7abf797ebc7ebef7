// camera.h — photos from the device's own camera (platform/camera_v4l2) through the same
// pipeline as a file, so a camera photo is downscaled, re-encoded without metadata, thumbnailed
// and hashed exactly like an imported one.
//
// Two ways in:
// - CameraViewfinder: what the screens use. A thread of its own streams from the camera, keeps
//   a small RGBA preview of the latest frame (~12 a second) for the UI to draw, and on Shoot()
//   keeps the next full frame, which the UI hands to PhotoWorker::SubmitFrame. The UI thread
//   never waits on the camera: Start and Stop return at once.
// - TakeCameraPhoto: one blocking shot (open, settle, one frame, close) — for tools and tests.
//
// A camera that cannot give a photo is the device's problem, not the person's: the result is a
// PhotoError::Camera* (missing, busy, failed) with the driver's reason in `detail` for the log.
// Raw frames (the person's picture, uncompressed) are overwritten before they are freed.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/capture/photo.h"
#include "platform/camera_v4l2.h"

namespace samvad::capture {

struct CameraSettings {
  int width = 1920, height = 1080;  // asked of the driver, which picks the nearest it has
  int skip_frames = 5;              // dark frames while auto-exposure settles
  int timeout_ms = 4000;            // for the first frame (and, one-shot, the whole shot)
};

// The camera's status as a PhotoError (Ok → None).
PhotoError CameraError(platform::CameraStatus s);

// A frame from the camera made a photo; the frame's bytes are wiped. A frame the pipeline
// refuses (a corrupt MJPEG frame) is CameraFailed: the camera's fault, not the person's.
PhotoResult ProcessCameraFrame(platform::CameraFrame& frame, const PhotoOptions& options = {},
                               const ProgressFn& progress = {});

PhotoResult TakeCameraPhoto(const std::string& device, const CameraSettings& camera = {},
                            const PhotoOptions& options = {}, const ProgressFn& progress = {});

class CameraViewfinder {
 public:
  static constexpr int kPreviewMaxWidth = 640;

  // `wake` (optional, thread-safe) nudges the UI's event loop when a preview, a shot or an
  // error is ready.
  explicit CameraViewfinder(std::function<void()> wake = {}, CameraSettings settings = {});
  ~CameraViewfinder();
  CameraViewfinder(const CameraViewfinder&) = delete;
  CameraViewfinder& operator=(const CameraViewfinder&) = delete;

  // Opens `device` and streams, on the thread (an earlier stream is stopped first).
  void Start(const std::string& device);
  // Ends the stream: the camera is closed shortly after (the thread notices within ~0.1 s), and
  // no preview, shot or error of this stream is reported after this returns. A shot not yet
  // taken with TakeShot is wiped.
  void Stop();

  enum class State { Off, Starting, Live, Failed };
  State state() const;

  struct Preview {
    std::vector<std::uint8_t> rgba;  // width × height × 4
    int width = 0, height = 0;
    std::uint64_t serial = 0;        // grows with each preview of a stream
  };
  // The latest preview when newer than `p->serial`; false otherwise.
  bool TakePreview(Preview* p);

  // The next settled frame becomes the shot; true while one is asked and not yet taken.
  void Shoot();
  bool shooting() const;
  // The shot, once there (moved out; the caller wipes it, or ProcessCameraFrame does).
  bool TakeShot(platform::CameraFrame* out);
  // Why the stream failed (state Failed): a Camera* error and the driver's words; cleared by
  // the next Start.
  PhotoError error() const;
  std::string detail() const;

 private:
  void Run(std::string device, std::uint64_t generation);
  void Stream(const std::string& device, std::uint64_t generation);
  // The stream of `generation` failed: state Failed with `error` and `detail`, unless stopped.
  void Fail(std::uint64_t generation, PhotoError error, std::string detail);
  void Join();

  const std::function<void()> wake_;
  const CameraSettings settings_;
  mutable std::mutex mu_;
  std::uint64_t generation_ = 0;  // which Start the thread's reports belong to
  State state_ = State::Off;
  Preview preview_;
  bool shoot_ = false;
  bool shot_ready_ = false;
  platform::CameraFrame shot_;
  PhotoError error_ = PhotoError::None;
  std::string detail_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace samvad::capture
