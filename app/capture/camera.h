// camera.h — a photo from the device's own camera (platform/camera_v4l2: one still frame, MJPEG
// or YUYV) through the same pipeline as a file, so a camera photo is downscaled, re-encoded
// without metadata, thumbnailed and hashed exactly like an imported one. Blocking (the camera
// takes ~0.2–1 s to settle and give a frame): PhotoWorker runs it, never the UI thread.
//
// A camera that cannot give a photo is the device's problem, not the person's: the result is a
// PhotoError::Camera* (missing, busy, failed) with the driver's reason in `detail` for the log.
// The raw frame (the person's picture, uncompressed) is overwritten before it is freed.
#pragma once
#include <string>

#include "app/capture/photo.h"

namespace samvad::capture {

struct CameraSettings {
  int width = 1920, height = 1080;  // asked of the driver, which picks the nearest it has
  int skip_frames = 5;              // dark frames while auto-exposure settles
  int timeout_ms = 4000;            // for the whole shot, settling included
};

PhotoResult TakeCameraPhoto(const std::string& device, const CameraSettings& camera = {},
                            const PhotoOptions& options = {}, const ProgressFn& progress = {});

}  // namespace samvad::capture
