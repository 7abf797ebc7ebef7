// camera_v4l2.h — one still frame from a USB webcam on Linux, through V4L2: list the
// /dev/video* nodes that can capture MJPEG or YUYV, open one, take a single frame and close it.
// MJPEG frames come back as JPEG bytes (for app/capture's ProcessPhoto — libjpeg-turbo supplies
// the Huffman tables UVC cameras leave out); YUYV frames come back converted to 8-bit RGB (for
// ProcessRgb). Blocking, up to `timeout_ms`: call it from a worker thread, never from a frame.
// It is not a preview stream, and it knows nothing of our photo pipeline (platform depends on
// nothing of ours, GUIDE 1).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace samvad::platform {

struct CameraInfo {
  std::string path;  // /dev/videoN
  std::string name;  // the driver's card name, e.g. "HD Webcam C270"
  bool mjpeg = false;
  bool yuyv = false;
};

// Capture devices that offer MJPEG or YUYV, by path. Empty when there is no camera (or no
// permission to open one: the kiosk user must be in the `video` group).
std::vector<CameraInfo> ListCameras();

enum class CameraStatus {
  Ok,
  NoDevice,     // the path does not exist (camera unplugged)
  NoPermission, // not in the `video` group
  Busy,         // another program is using it
  NotACamera,   // not a V4L2 capture device, or no MJPEG/YUYV format
  Timeout,      // no frame within timeout_ms
  Failed,       // an ioctl or mmap failed: `detail` says which
};
const char* CameraStatusName(CameraStatus s);

struct CameraFrame {
  enum class Kind { Jpeg, Rgb };
  Kind kind = Kind::Jpeg;
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> bytes;  // JPEG file bytes, or width*height*3 RGB (stride width*3)
};

struct CameraRequest {
  int width = 1920;  // the driver picks the nearest size it has
  int height = 1080;
  int skip_frames = 5;  // the first frames are dark while auto-exposure settles
  int timeout_ms = 3000;
};

CameraStatus GrabFrame(const std::string& device, const CameraRequest& request, CameraFrame* out,
                       std::string* detail);

// YUYV 4:2:2 (Y0 U Y1 V per pixel pair, BT.601 limited range) to RGB. Exposed for tests.
void YuyvToRgb(const std::uint8_t* yuyv, int width, int height, int stride, std::uint8_t* rgb);

}  // namespace samvad::platform
