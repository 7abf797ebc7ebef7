// camera_v4l2.cpp — see camera_v4l2.h. Memory-mapped streaming I/O (the one every UVC driver
// supports; read() mostly is not), four buffers, the first few frames dropped. Every resource
// (fd, mappings, the stream) is released by Session's destructor on every path out.
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

struct Session {
  int fd = -1;
  struct Map {
    void* at = MAP_FAILED;
    std::size_t length = 0;
  };
  std::vector<Map> maps;
  bool streaming = false;

  ~Session() {
    if (streaming) {
      int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      Ioctl(fd, VIDIOC_STREAMOFF, &type);
    }
    for (const Map& m : maps)
      if (m.at != MAP_FAILED) munmap(m.at, m.length);
    if (fd >= 0) close(fd);
  }
};

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
    Session s;
    s.fd = open(e.path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (s.fd < 0) continue;
    CameraInfo info;
    info.path = e.path().string();
    if (!IsCaptureNode(s.fd, &info.name)) continue;
    Formats(s.fd, &info.mjpeg, &info.yuyv);
    if (info.mjpeg || info.yuyv) out.push_back(std::move(info));
  }
  // /dev/video2 before /dev/video10.
  std::sort(out.begin(), out.end(), [](const CameraInfo& a, const CameraInfo& b) {
    return a.path.size() != b.path.size() ? a.path.size() < b.path.size() : a.path < b.path;
  });
  return out;
}

CameraStatus GrabFrame(const std::string& device, const CameraRequest& req, CameraFrame* out,
                       std::string* detail) {
  Session s;
  s.fd = open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (s.fd < 0) {
    *detail = Why("open");
    return FromOpenErrno(errno);
  }
  if (!IsCaptureNode(s.fd, nullptr)) {
    *detail = "not a V4L2 capture device";
    return CameraStatus::NotACamera;
  }
  bool mjpeg = false, yuyv = false;
  Formats(s.fd, &mjpeg, &yuyv);
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
  if (Ioctl(s.fd, VIDIOC_S_FMT, &fmt) != 0) {
    *detail = Why("VIDIOC_S_FMT");
    return errno == EBUSY ? CameraStatus::Busy : CameraStatus::Failed;
  }
  const std::uint32_t pf = fmt.fmt.pix.pixelformat;
  const bool is_jpeg = pf == V4L2_PIX_FMT_MJPEG || pf == V4L2_PIX_FMT_JPEG;
  if (!is_jpeg && pf != V4L2_PIX_FMT_YUYV) {
    *detail = "driver chose another pixel format";
    return CameraStatus::NotACamera;
  }
  const int width = static_cast<int>(fmt.fmt.pix.width), height = static_cast<int>(fmt.fmt.pix.height);
  const int stride = std::max(static_cast<int>(fmt.fmt.pix.bytesperline), width * 2);
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
    *detail = "driver reported an impossible frame size";
    return CameraStatus::Failed;
  }

  v4l2_requestbuffers rb{};
  rb.count = 4;
  rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  rb.memory = V4L2_MEMORY_MMAP;
  if (Ioctl(s.fd, VIDIOC_REQBUFS, &rb) != 0 || rb.count < 2) {
    *detail = Why("VIDIOC_REQBUFS");
    return CameraStatus::Failed;
  }
  for (std::uint32_t i = 0; i < rb.count; ++i) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = i;
    if (Ioctl(s.fd, VIDIOC_QUERYBUF, &b) != 0) {
      *detail = Why("VIDIOC_QUERYBUF");
      return CameraStatus::Failed;
    }
    Session::Map m;
    m.length = b.length;
    m.at = mmap(nullptr, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, b.m.offset);
    s.maps.push_back(m);
    if (m.at == MAP_FAILED) {
      *detail = Why("mmap");
      return CameraStatus::Failed;
    }
    if (Ioctl(s.fd, VIDIOC_QBUF, &b) != 0) {
      *detail = Why("VIDIOC_QBUF");
      return CameraStatus::Failed;
    }
  }
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (Ioctl(s.fd, VIDIOC_STREAMON, &type) != 0) {
    *detail = Why("VIDIOC_STREAMON");
    return errno == EBUSY ? CameraStatus::Busy : CameraStatus::Failed;
  }
  s.streaming = true;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(req.timeout_ms);
  for (int seen = 0;;) {
    // Rounded up: a deadline 0.4 ms away is not yet passed (poll would be asked for 0 ms).
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      *detail = "no frame in time";
      return CameraStatus::Timeout;
    }
    pollfd p{s.fd, POLLIN, 0};
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
    if (Ioctl(s.fd, VIDIOC_DQBUF, &b) != 0) {
      if (errno == EAGAIN) continue;
      *detail = Why("VIDIOC_DQBUF");
      return errno == ENODEV ? CameraStatus::NoDevice : CameraStatus::Failed;
    }
    const bool usable = b.index < s.maps.size() && !(b.flags & V4L2_BUF_FLAG_ERROR) &&
                        b.bytesused > 0 && b.bytesused <= s.maps[b.index].length &&
                        (is_jpeg || b.bytesused >= static_cast<std::size_t>(stride) * static_cast<std::size_t>(height - 1) + static_cast<std::size_t>(width) * 2);
    if (!usable || seen++ < req.skip_frames) {
      if (Ioctl(s.fd, VIDIOC_QBUF, &b) != 0) {
        *detail = Why("VIDIOC_QBUF");
        return CameraStatus::Failed;
      }
      continue;
    }
    const auto* data = static_cast<const std::uint8_t*>(s.maps[b.index].at);
    out->width = width;
    out->height = height;
    if (is_jpeg) {
      out->kind = CameraFrame::Kind::Jpeg;
      out->bytes.assign(data, data + b.bytesused);
    } else {
      out->kind = CameraFrame::Kind::Rgb;
      out->bytes.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
      YuyvToRgb(data, width, height, stride, out->bytes.data());
    }
    return CameraStatus::Ok;
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
