// camera_v4l2.cpp — see camera_v4l2.h. Memory-mapped streaming I/O (the one every UVC driver
// supports; read() mostly is not), four buffers. Every resource (fd, mappings, the stream) is
// released by CameraStream::Close on every path out.
#include "platform/camera_v4l2.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace samvad::platform {
namespace {

int Ioctl(int fd, unsigned long request, void* arg) {
  int r = 0;
  do {
    r = ioctl(fd, request, arg);
  } while (r == -1 && errno == EINTR);
  return r;
}

std::string Why(const char* what) {
  std::string s;
  s.append(what).append(": ").append(std::strerror(errno));
  return s;
}

CameraStatus FromOpenErrno(int e) {
  switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO: return CameraStatus::NoDevice;
    case EACCES:
    case EPERM: return CameraStatus::NoPermission;
    case EBUSY: return CameraStatus::Busy;
    default: return CameraStatus::Failed;
  }
}

// Capture + streaming capabilities of this node (UVC also exposes metadata-only nodes).
bool IsCaptureNode(int fd, std::string* card) {
  v4l2_capability cap{};
  if (Ioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) return false;
  const std::uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (card) card->assign(reinterpret_cast<const char*>(cap.card), strnlen(reinterpret_cast<const char*>(cap.card), sizeof cap.card));
  return (caps & V4L2_CAP_VIDEO_CAPTURE) && (caps & V4L2_CAP_STREAMING);
}

void Formats(int fd, bool* mjpeg, bool* yuyv) {
  v4l2_fmtdesc d{};
  d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (d.index = 0; Ioctl(fd, VIDIOC_ENUM_FMT, &d) == 0 && d.index < 64; ++d.index) {
    if (d.pixelformat == V4L2_PIX_FMT_MJPEG || d.pixelformat == V4L2_PIX_FMT_JPEG) *mjpeg = true;
    if (d.pixelformat == V4L2_PIX_FMT_YUYV) *yuyv = true;
  }
}

std::uint8_t Clamp(int v) { return static_cast<std::uint8_t>(std::clamp(v, 0, 255)); }

}  // namespace

const char* CameraStatusName(CameraStatus s) {
  switch (s) {
    case CameraStatus::Ok: return "ok";
    case CameraStatus::NoDevice: return "no_device";
    case CameraStatus::NoPermission: return "no_permission";
    case CameraStatus::Busy: return "busy";
    case CameraStatus::NotACamera: return "not_a_camera";
    case CameraStatus::Timeout: return "timeout";
    case CameraStatus::Failed: return "failed";
  }
  return "unknown";
}

std::vector<CameraInfo> ListCameras() {
  std::vector<CameraInfo> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("video", 0) != 0) continue;
    const int fd = open(e.path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    CameraInfo info;
    info.path = e.path().string();
    if (IsCaptureNode(fd, &info.name)) Formats(fd, &info.mjpeg, &info.yuyv);
    close(fd);
    if (info.mjpeg || info.yuyv) out.push_back(std::move(info));
  }
  // /dev/video2 before /dev/video10.
  std::sort(out.begin(), out.end(), [](const CameraInfo& a, const CameraInfo& b) {
    return a.path.size() != b.path.size() ? a.path.size() < b.path.size() : a.path < b.path;
  });
  return out;
}

CameraStream::~CameraStream() { Close(); }

void CameraStream::Close() {
  if (streaming_) {
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    Ioctl(fd_, VIDIOC_STREAMOFF, &type);
    streaming_ = false;
  }
  for (const Map& m : maps_) munmap(m.at, m.length);
  maps_.clear();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

CameraStatus CameraStream::Open(const std::string& device, const CameraRequest& req, std::string* detail) {
  Close();
  // Any failure below leaves nothing open.
  struct CloseOnFailure {
    CameraStream* s;
    bool ok = false;
    ~CloseOnFailure() {
      if (!ok) s->Close();
    }
  } guard{this};
  fd_ = ::open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    *detail = Why("open");
    return FromOpenErrno(errno);
  }
  if (!IsCaptureNode(fd_, nullptr)) {
    *detail = "not a V4L2 capture device";
    return CameraStatus::NotACamera;
  }
  bool mjpeg = false, yuyv = false;
  Formats(fd_, &mjpeg, &yuyv);
  if (!mjpeg && !yuyv) {
    *detail = "offers neither MJPEG nor YUYV";
    return CameraStatus::NotACamera;
  }

  // MJPEG first: over USB 2 it is the only way most webcams give full resolution.
  v4l2_format fmt{};
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  fmt.fmt.pix.width = static_cast<std::uint32_t>(req.width);
  fmt.fmt.pix.height = static_cast<std::uint32_t>(req.height);
  fmt.fmt.pix.pixelformat = mjpeg ? V4L2_PIX_FMT_MJPEG : V4L2_PIX_FMT_YUYV;
  fmt.fmt.pix.field = V4L2_FIELD_ANY;
  if (Ioctl(fd_, VIDIOC_S_FMT, &fmt) != 0) {
    *detail = Why("VIDIOC_S_FMT");
    return errno == EBUSY ? CameraStatus::Busy : CameraStatus::Failed;
  }
  const std::uint32_t pf = fmt.fmt.pix.pixelformat;
  jpeg_ = pf == V4L2_PIX_FMT_MJPEG || pf == V4L2_PIX_FMT_JPEG;
  if (!jpeg_ && pf != V4L2_PIX_FMT_YUYV) {
    *detail = "driver chose another pixel format";
    return CameraStatus::NotACamera;
  }
  width_ = static_cast<int>(fmt.fmt.pix.width);
  height_ = static_cast<int>(fmt.fmt.pix.height);
  stride_ = std::max(static_cast<int>(fmt.fmt.pix.bytesperline), width_ * 2);
  if (width_ <= 0 || height_ <= 0 || width_ > 16384 || height_ > 16384) {
    *detail = "driver reported an impossible frame size";
    return CameraStatus::Failed;
  }

  v4l2_requestbuffers rb{};
  rb.count = 4;
  rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  rb.memory = V4L2_MEMORY_MMAP;
  if (Ioctl(fd_, VIDIOC_REQBUFS, &rb) != 0 || rb.count < 2) {
    *detail = Why("VIDIOC_REQBUFS");
    return CameraStatus::Failed;
  }
  for (std::uint32_t i = 0; i < rb.count; ++i) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = i;
    if (Ioctl(fd_, VIDIOC_QUERYBUF, &b) != 0) {
      *detail = Why("VIDIOC_QUERYBUF");
      return CameraStatus::Failed;
    }
    void* at = mmap(nullptr, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, b.m.offset);
    if (at == MAP_FAILED) {
      *detail = Why("mmap");
      return CameraStatus::Failed;
    }
    maps_.push_back({at, b.length});
    if (Ioctl(fd_, VIDIOC_QBUF, &b) != 0) {
      *detail = Why("VIDIOC_QBUF");
      return CameraStatus::Failed;
    }
  }
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (Ioctl(fd_, VIDIOC_STREAMON, &type) != 0) {
    *detail = Why("VIDIOC_STREAMON");
    return errno == EBUSY ? CameraStatus::Busy : CameraStatus::Failed;
  }
  streaming_ = true;
  guard.ok = true;
  return CameraStatus::Ok;
}

CameraStatus CameraStream::Next(int timeout_ms, const std::function<void(const FrameView&)>& use, std::string* detail) {
  if (!streaming_) {
    *detail = "not streaming";
    return CameraStatus::Failed;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    // Rounded up: a deadline 0.4 ms away is not yet passed (poll would be asked for 0 ms).
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      *detail = "no frame in time";
      return CameraStatus::Timeout;
    }
    pollfd p{fd_, POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *detail = Why("poll");
      return CameraStatus::Failed;
    }
    if (n == 0) continue;  // the deadline check above ends it
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    if (Ioctl(fd_, VIDIOC_DQBUF, &b) != 0) {
      if (errno == EAGAIN) continue;
      *detail = Why("VIDIOC_DQBUF");
      return errno == ENODEV ? CameraStatus::NoDevice : CameraStatus::Failed;
    }
    const std::size_t yuyv_bytes =
        static_cast<std::size_t>(stride_) * static_cast<std::size_t>(height_ - 1) + static_cast<std::size_t>(width_) * 2;
    const bool usable = b.index < maps_.size() && !(b.flags & V4L2_BUF_FLAG_ERROR) && b.bytesused > 0 &&
                        b.bytesused <= maps_[b.index].length && (jpeg_ || b.bytesused >= yuyv_bytes);
    if (usable && use) use(FrameView{static_cast<const std::uint8_t*>(maps_[b.index].at), b.bytesused});
    if (Ioctl(fd_, VIDIOC_QBUF, &b) != 0) {
      *detail = Why("VIDIOC_QBUF");
      return CameraStatus::Failed;
    }
    if (usable) return CameraStatus::Ok;
  }
}

void CameraStream::Copy(const FrameView& frame, CameraFrame* out) const {
  out->captured_at = static_cast<std::int64_t>(std::time(nullptr));
  out->width = width_;
  out->height = height_;
  if (jpeg_) {
    out->kind = CameraFrame::Kind::Jpeg;
    out->bytes.assign(frame.data, frame.data + frame.size);
  } else {
    out->kind = CameraFrame::Kind::Rgb;
    out->bytes.resize(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) * 3);
    YuyvToRgb(frame.data, width_, height_, stride_, out->bytes.data());
  }
}

CameraStatus GrabFrame(const std::string& device, const CameraRequest& req, CameraFrame* out,
                       std::string* detail) {
  CameraStream s;
  if (const CameraStatus st = s.Open(device, req, detail); st != CameraStatus::Ok) return st;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(req.timeout_ms);
  for (int seen = 0;; ++seen) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    const bool keep = seen >= req.skip_frames;
    const CameraStatus st = s.Next(static_cast<int>(std::max<long long>(left, 0)), [&](const FrameView& f) {
      if (keep) s.Copy(f, out);
    }, detail);
    if (st != CameraStatus::Ok) return st;
    if (keep) return CameraStatus::Ok;
  }
}

void YuyvToRgb(const std::uint8_t* yuyv, int width, int height, int stride, std::uint8_t* rgb) {
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* in = yuyv + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride);
    std::uint8_t* o = rgb + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3;
    for (int x = 0; x < width; x += 2, in += 4) {
      const int d = in[1] - 128, e = in[3] - 128;
      for (int k = 0; k < 2 && x + k < width; ++k, o += 3) {
        const int c = 298 * (in[k * 2] - 16) + 128;  // BT.601, limited range, 8-bit fixed point
        o[0] = Clamp((c + 409 * e) >> 8);
        o[1] = Clamp((c - 100 * d - 208 * e) >> 8);
        o[2] = Clamp((c + 516 * d) >> 8);
      }
    }
  }
}

}  // namespace samvad::platform
