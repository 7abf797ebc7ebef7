// fake_v4l2.cpp — a webcam for tests, loaded with LD_PRELOAD: this machine (and CI) has no
// /dev/video* and no v4l2loopback, so platform/camera_v4l2.cpp would otherwise never run past
// its first `open`. The library answers the V4L2 calls that code makes — open, ioctl
// (QUERYCAP, ENUM_FMT, S_FMT, REQBUFS, QUERYBUF, QBUF, DQBUF, STREAMON/OFF), mmap, poll, close —
// for ONE path, and passes every other call through to libc untouched.
//
//   SAMVAD_FAKE_V4L2=/some/path/video-fake     the path that is a camera (need not exist)
//   /some/path/video-fake.modes                optional: one mode per line; each `open` of the path
//                                              takes the first line and removes it (the last stays):
//     yuyv          640×480 YUYV frames (the default), ~30 a second: a colour field whose hue
//                   and white bar move with each open, so every stream (and every photo taken
//                   from a new one) differs while the frames of one stream are the same
//     mjpeg FILE    FILE's bytes as every frame (an MJPEG webcam)
//     absent        open fails ENOENT (the camera unplugged)
//     noperm        open fails EACCES (the kiosk user not in `video`)
//     busy          STREAMON fails EBUSY (another program holds it)
//     silent        streams, but no frame ever arrives
//     unplug        the first DQBUF fails ENODEV (pulled out mid-shot)
//
// What it checks of the caller, as a driver would: buffers must be requested before they are
// queried, mapped at the offsets QUERYBUF gave, queued before streaming, and only queued buffers
// are dequeued. A misuse fails with EINVAL, as the kernel would, so the code under test is not
// believed beyond what a real driver would accept. It is not a kernel: timing, partial frames and
// drivers' quirks are not modelled — the hidden `[camera-device]` test is for a real camera.
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kWidth = 640, kHeight = 480;
constexpr std::uint32_t kBufferBytes = 1u << 20;  // a page multiple, larger than any frame here
constexpr std::chrono::milliseconds kFrameInterval{33};

struct Fake {
  int fd = -1;
  std::string mode = "yuyv";
  std::vector<std::uint8_t> jpeg;
  std::uint32_t pixfmt = V4L2_PIX_FMT_YUYV;
  std::uint32_t buffers = 0;
  std::vector<void*> maps;     // by buffer index, once mapped
  std::vector<bool> queued;    // by buffer index
  bool streaming = false;
  unsigned frame = 0;          // frames delivered by this open
  std::chrono::steady_clock::time_point next_at{};  // when the next frame is ready (~30 fps)
};

std::mutex mu;
Fake fake;          // one fake device open at a time is all camera_v4l2 ever does
unsigned opens = 0; // how many times the path was opened (picks the mode line)

template <class F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

const char* FakePath() {
  const char* p = std::getenv("SAMVAD_FAKE_V4L2");
  return p && *p ? p : nullptr;
}

// The mode for this open: the file's first line, which the open consumes (the file is written
// back without it) unless it is the last. So a test writes the sequence it wants and each shot
// takes the next, whatever ran before it in the process.
std::string NextMode() {
  const std::string path = std::string(FakePath()) + ".modes";
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  if (lines.empty()) return "yuyv";
  if (lines.size() > 1) {
    std::ofstream out(path, std::ios::trunc);
    for (std::size_t i = 1; i < lines.size(); ++i) out << lines[i] << '\n';
  }
  return lines.front();
}

bool IsFake(int fd) {
  std::lock_guard<std::mutex> l(mu);
  return fd >= 0 && fd == fake.fd;
}

// Opens the fake path: a real descriptor (of /dev/null) stands for it, so close and dup work.
int OpenFake(int flags) {
  std::lock_guard<std::mutex> l(mu);
  const std::string mode = NextMode();
  ++opens;
  if (mode == "absent") { errno = ENOENT; return -1; }
  if (mode == "noperm") { errno = EACCES; return -1; }
  if (fake.fd >= 0) { errno = EBUSY; return -1; }
  using OpenFn = int (*)(const char*, int, ...);
  const int fd = Next<OpenFn>("open")("/dev/null", O_RDWR | (flags & O_CLOEXEC));
  if (fd < 0) return -1;
  fake = Fake{};
  fake.fd = fd;
  fake.mode = mode;
  if (mode.rfind("mjpeg ", 0) == 0) {
    std::ifstream f(mode.substr(6), std::ios::binary);
    fake.jpeg.assign(std::istreambuf_iterator<char>(f), {});
    fake.pixfmt = V4L2_PIX_FMT_MJPEG;
  }
  return fd;
}

// A colour field with a hue that turns by frame, a white bar whose place is the frame number.
void FillYuyv(std::uint8_t* out, unsigned frame) {
  const std::uint8_t u = static_cast<std::uint8_t>(64 + (frame * 37) % 128);
  const std::uint8_t v = static_cast<std::uint8_t>(192 - (frame * 53) % 128);
  for (int y = 0; y < kHeight; ++y) {
    std::uint8_t* row = out + static_cast<std::size_t>(y) * kWidth * 2;
    for (int x = 0; x < kWidth; x += 2) {
      const bool bar = (x / 32) % 20 == static_cast<int>(frame % 20);
      const std::uint8_t luma = bar ? 235 : static_cast<std::uint8_t>(60 + (y * 120) / kHeight);
      row[x * 2 + 0] = luma;
      row[x * 2 + 1] = bar ? 128 : u;
      row[x * 2 + 2] = luma;
      row[x * 2 + 3] = bar ? 128 : v;
    }
  }
}

int Fail(int e) {
  errno = e;
  return -1;
}

int FakeIoctl(unsigned long request, void* arg) {
  std::lock_guard<std::mutex> l(mu);
  switch (request) {
    case VIDIOC_QUERYCAP: {
      auto* cap = static_cast<v4l2_capability*>(arg);
      std::memset(cap, 0, sizeof *cap);
      std::strncpy(reinterpret_cast<char*>(cap->driver), "samvad_fake", sizeof cap->driver - 1);
      std::strncpy(reinterpret_cast<char*>(cap->card), "Samvad test camera", sizeof cap->card - 1);
      cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
      cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
      return 0;
    }
    case VIDIOC_ENUM_FMT: {
      auto* d = static_cast<v4l2_fmtdesc*>(arg);
      if (d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->index != 0) return Fail(EINVAL);
      d->pixelformat = fake.pixfmt;
      return 0;
    }
    case VIDIOC_S_FMT: {
      auto* f = static_cast<v4l2_format*>(arg);
      if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || fake.buffers) return Fail(fake.buffers ? EBUSY : EINVAL);
      f->fmt.pix.width = kWidth;  // the nearest (only) size this camera has
      f->fmt.pix.height = kHeight;
      f->fmt.pix.pixelformat = fake.pixfmt;
      f->fmt.pix.field = V4L2_FIELD_NONE;
      f->fmt.pix.bytesperline = fake.pixfmt == V4L2_PIX_FMT_YUYV ? kWidth * 2 : 0;
      f->fmt.pix.sizeimage = kWidth * kHeight * 2;
      return 0;
    }
    case VIDIOC_REQBUFS: {
      auto* r = static_cast<v4l2_requestbuffers*>(arg);
      if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || r->memory != V4L2_MEMORY_MMAP || fake.streaming) return Fail(EINVAL);
      fake.buffers = r->count > 8 ? 8 : r->count;
      r->count = fake.buffers;
      fake.maps.assign(fake.buffers, nullptr);
      fake.queued.assign(fake.buffers, false);
      return 0;
    }
    case VIDIOC_QUERYBUF: {
      auto* b = static_cast<v4l2_buffer*>(arg);
      if (b->index >= fake.buffers) return Fail(EINVAL);
      b->length = kBufferBytes;
      b->m.offset = b->index * kBufferBytes;
      return 0;
    }
    case VIDIOC_QBUF: {
      auto* b = static_cast<v4l2_buffer*>(arg);
      if (b->index >= fake.buffers || !fake.maps[b->index] || fake.queued[b->index]) return Fail(EINVAL);
      fake.queued[b->index] = true;
      return 0;
    }
    case VIDIOC_STREAMON: {
      if (fake.mode == "busy") return Fail(EBUSY);
      bool any = false;
      for (bool q : fake.queued) any = any || q;
      if (!any) return Fail(EINVAL);
      fake.streaming = true;
      return 0;
    }
    case VIDIOC_STREAMOFF:
      fake.streaming = false;
      fake.queued.assign(fake.buffers, false);
      return 0;
    case VIDIOC_DQBUF: {
      auto* b = static_cast<v4l2_buffer*>(arg);
      if (!fake.streaming) return Fail(EINVAL);
      if (fake.mode == "unplug") return Fail(ENODEV);
      if (fake.mode == "silent") return Fail(EAGAIN);
      const auto now = std::chrono::steady_clock::now();
      if (now < fake.next_at) return Fail(EAGAIN);
      for (std::uint32_t i = 0; i < fake.buffers; ++i) {
        if (!fake.queued[i]) continue;
        fake.queued[i] = false;
        auto* data = static_cast<std::uint8_t*>(fake.maps[i]);
        ++fake.frame;
        if (fake.pixfmt == V4L2_PIX_FMT_MJPEG) {
          const std::size_t n = fake.jpeg.size() < kBufferBytes ? fake.jpeg.size() : kBufferBytes;
          std::memcpy(data, fake.jpeg.data(), n);
          b->bytesused = static_cast<std::uint32_t>(n);
        } else {
          // The pattern follows the opens, so the next stream's picture differs from the last.
          FillYuyv(data, opens);
          b->bytesused = kWidth * kHeight * 2;
        }
        fake.next_at = now + kFrameInterval;
        b->index = i;
        b->flags = V4L2_BUF_FLAG_DONE;
        b->sequence = fake.frame;
        return 0;
      }
      return Fail(EAGAIN);
    }
    default: return Fail(ENOTTY);
  }
}

}  // namespace

extern "C" {

// open and open64 (the same call on 64-bit; which one a caller links depends on its headers).
// The mode argument exists only with O_CREAT or O_TMPFILE; it is read before anything else.
#define SAMVAD_FAKE_OPEN(name)                                                                 \
  int name(const char* path, int flags, ...) {                                                 \
    mode_t mode = 0;                                                                           \
    if (flags & (O_CREAT | O_TMPFILE)) {                                                       \
      va_list ap;                                                                              \
      va_start(ap, flags);                                                                     \
      mode = static_cast<mode_t>(va_arg(ap, int));                                             \
      va_end(ap);                                                                              \
    }                                                                                          \
    if (const char* p = FakePath(); p && std::strcmp(path, p) == 0) return OpenFake(flags);    \
    using OpenFn = int (*)(const char*, int, ...);                                             \
    static const OpenFn real = Next<OpenFn>(#name);                                            \
    return real(path, flags, mode);                                                            \
  }
SAMVAD_FAKE_OPEN(open)
SAMVAD_FAKE_OPEN(open64)
#undef SAMVAD_FAKE_OPEN

int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (IsFake(fd)) return FakeIoctl(request, arg);
  using IoctlFn = int (*)(int, unsigned long, ...);
  static const IoctlFn real = Next<IoctlFn>("ioctl");
  return real(fd, request, arg);
}

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if (IsFake(fd)) {
    std::lock_guard<std::mutex> l(mu);
    const auto index = static_cast<std::uint32_t>(offset / kBufferBytes);
    if (offset % kBufferBytes != 0 || index >= fake.buffers || length != kBufferBytes || fake.maps[index]) {
      errno = EINVAL;
      return MAP_FAILED;
    }
    using MmapFn = void* (*)(void*, size_t, int, int, int, off_t);
    void* at = Next<MmapFn>("mmap")(addr, length, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (at != MAP_FAILED) fake.maps[index] = at;
    return at;
  }
  using MmapFn = void* (*)(void*, size_t, int, int, int, off_t);
  static const MmapFn real = Next<MmapFn>("mmap");
  return real(addr, length, prot, flags, fd, offset);
}
void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  return mmap(addr, length, prot, flags, fd, offset);
}

int poll(struct pollfd* fds, nfds_t n, int timeout) {
  bool any = false;
  for (nfds_t i = 0; i < n; ++i) any = any || IsFake(fds[i].fd);
  if (any) {
    bool streaming = false;
    std::chrono::steady_clock::time_point at;
    {
      std::lock_guard<std::mutex> l(mu);
      streaming = fake.streaming && fake.mode != "silent";
      at = fake.next_at;
    }
    const auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout < 0 ? 1000 : timeout);
    if (!streaming || at > limit) {  // nothing within the caller's time
      std::this_thread::sleep_until(limit);
      return 0;
    }
    std::this_thread::sleep_until(at);  // the next frame's time (~30 a second)
    for (nfds_t i = 0; i < n; ++i) fds[i].revents = IsFake(fds[i].fd) ? POLLIN : 0;
    return 1;
  }
  using PollFn = int (*)(struct pollfd*, nfds_t, int);
  static const PollFn real = Next<PollFn>("poll");
  return real(fds, n, timeout);
}
// _FORTIFY_SOURCE builds call poll through this.
int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t);
int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t) { return poll(fds, n, timeout); }

int close(int fd) {
  if (IsFake(fd)) {
    std::lock_guard<std::mutex> l(mu);
    fake.fd = -1;
    fake.streaming = false;
  }
  using CloseFn = int (*)(int);
  static const CloseFn real = Next<CloseFn>("close");
  return real(fd);
}

}  // extern "C"
