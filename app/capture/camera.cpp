// camera.cpp — see camera.h.
#include "app/capture/camera.h"

#include "platform/camera_v4l2.h"

namespace samvad::capture {

PhotoResult TakeCameraPhoto(const std::string& device, const CameraSettings& camera,
                            const PhotoOptions& options, const ProgressFn& progress) {
  if (progress) progress(0.05f);
  platform::CameraRequest req;
  req.width = camera.width;
  req.height = camera.height;
  req.skip_frames = camera.skip_frames;
  req.timeout_ms = camera.timeout_ms;
  platform::CameraFrame frame;
  std::string why;
  const platform::CameraStatus s = platform::GrabFrame(device, req, &frame, &why);
  if (s != platform::CameraStatus::Ok) {
    PhotoResult r;
    switch (s) {
      case platform::CameraStatus::NoDevice:
      case platform::CameraStatus::NotACamera: r.error = PhotoError::CameraMissing; break;
      case platform::CameraStatus::Busy: r.error = PhotoError::CameraBusy; break;
      default: r.error = PhotoError::CameraFailed; break;
    }
    r.detail = device + ": " + platform::CameraStatusName(s) + ": " + why;
    return r;
  }
  // The frame is half the work; the pipeline reports the other half.
  const ProgressFn rest = [&progress](float f) {
    if (progress) progress(0.5f + 0.5f * f);
  };
  if (progress) progress(0.5f);
  PhotoResult r = frame.kind == platform::CameraFrame::Kind::Jpeg
                      ? ProcessPhoto(frame.bytes, options, rest)
                      : ProcessRgb(frame.bytes.data(), frame.width, frame.height, frame.width * 3, options, rest);
  WipeBytes(frame.bytes);
  if (!r.ok()) {
    // A frame the pipeline refuses is the camera's fault (a corrupt MJPEG frame), not the person's.
    r.detail = device + ": frame refused: " + std::string(PhotoErrorName(r.error)) + ": " + r.detail;
    r.error = PhotoError::CameraFailed;
  }
  return r;
}

}  // namespace samvad::capture
