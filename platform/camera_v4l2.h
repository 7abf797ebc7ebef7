// camera_v4l2.h — a USB webcam on Linux, through V4L2: list the /dev/video* nodes that can
// capture MJPEG or YUYV; stream frames from one (CameraStream: a viewfinder reads every frame and
// keeps the one it wants); or take a single frame and close it (GrabFrame).
// MJPEG frames come back as JPEG bytes (for app/capture's ProcessPhoto — libjpeg-turbo supplies
// the Huffman tables UVC cameras leave out); YUYV frames come back converted to 8-bit RGB (for
// ProcessRgb). Blocking, up to `timeout_ms`: call it from a worker thread, never from a frame.
// It knows nothing of our photo pipeline (platform depends on nothing of ours, GUIDE 1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
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
  std::int64_t captured_at = 0;     // unix seconds (the device's clock) when the driver handed it over
};

struct CameraRequest {
  int width = 1920;  // the driver picks the nearest size it has
  int height = 1080;
  int skip_frames = 5;  // the first frames are dark while auto-exposure settles
  int timeout_ms = 3000;
};

// A frame as the driver filled it, valid only inside CameraStream::Next's callback.
struct FrameView {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;  // bytes used: a JPEG's length, or stride × height for YUYV
};

// An open, streaming camera: memory-mapped buffers, the format nearest the request. Every
// resource (fd, mappings, the stream) is released by Close or the destructor on every path.
// One thread at a time.
class CameraStream {
 public:
  CameraStream() = default;
  ~CameraStream();
  CameraStream(const CameraStream&) = delete;
  CameraStream& operator=(const CameraStream&) = delete;

  // Opens `device`, sets the format (MJPEG first, else YUYV) nearest request.width × height,
  // maps four buffers and starts streaming. request.skip_frames/timeout_ms are not used here.
  CameraStatus Open(const std::string& device, const CameraRequest& request, std::string* detail);
  // Waits up to `timeout_ms` for the next usable frame and shows it to `use`, then gives the
  // buffer back to the driver. Timeout when none came; NoDevice when the camera was pulled out.
  CameraStatus Next(int timeout_ms, const std::function<void(const FrameView&)>& use, std::string* detail);
  void Close();

  bool open() const { return fd_ >= 0; }
  bool jpeg() const { return jpeg_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int stride() const { return stride_; }  // YUYV bytes per row
  // The frame as GrabFrame returns it: the JPEG's bytes, or YUYV converted to RGB.
  void Copy(const FrameView& frame, CameraFrame* out) const;

 private:
  struct Map {
    void* at = nullptr;
    std::size_t length = 0;
  };
  int fd_ = -1;
  std::vector<Map> maps_;
  bool streaming_ = false;
  bool jpeg_ = false;
  int width_ = 0, height_ = 0, stride_ = 0;
};

// Opens, drops `skip_frames` frames, keeps one, closes.
CameraStatus GrabFrame(const std::string& device, const CameraRequest& request, CameraFrame* out,
                       std::string* detail);

// YUYV 4:2:2 (Y0 U Y1 V per pixel pair, BT.601 limited range) to RGB. Exposed for tests.
void YuyvToRgb(const std::uint8_t* yuyv, int width, int height, int stride, std::uint8_t* rgb);

}  // namespace samvad::platform
