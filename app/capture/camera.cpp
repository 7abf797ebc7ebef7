// camera.cpp — see camera.h.
#include "app/capture/camera.h"

#include <turbojpeg.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace samvad::capture {
namespace {

using Clock = std::chrono::steady_clock;

struct TjDecompressor {
  tjhandle h = tjInitDecompress();
  ~TjDecompressor() {
    if (h) tjDestroy(h);
  }
};

// An RGBA preview at most kPreviewMaxWidth wide: MJPEG decoded at a reduced scale (TurboJPEG's
// DCT scaling, a fraction of a full decode), YUYV rows converted and sampled. False when the
// frame could not be decoded (the preview keeps the last good one).
bool MakePreview(const platform::CameraStream& s, const platform::FrameView& f, tjhandle tj,
                 CameraViewfinder::Preview* out) {
  constexpr int kMax = CameraViewfinder::kPreviewMaxWidth;
  if (s.jpeg()) {
    int w = 0, h = 0, subsamp = 0, colorspace = 0;
    if (!tj || tjDecompressHeader3(tj, f.data, static_cast<unsigned long>(f.size), &w, &h, &subsamp, &colorspace) != 0)
      return false;
    int n = 0;
    const tjscalingfactor* factors = tjGetScalingFactors(&n);
    tjscalingfactor best{1, 8};
    for (int i = 0; i < n; ++i)
      if (TJSCALED(w, factors[i]) <= kMax && TJSCALED(w, factors[i]) > TJSCALED(w, best)) best = factors[i];
    const int sw = TJSCALED(w, best), sh = TJSCALED(h, best);
    out->rgba.resize(static_cast<size_t>(sw) * static_cast<size_t>(sh) * 4);
    if (tjDecompress2(tj, f.data, static_cast<unsigned long>(f.size), out->rgba.data(), sw, 0, sh, TJPF_RGBA, TJFLAG_FASTDCT) != 0 &&
        tjGetErrorCode(tj) != TJERR_WARNING)
      return false;
    out->width = sw;
    out->height = sh;
    return true;
  }
  const int step = (s.width() + kMax - 1) / kMax;
  const int pw = s.width() / step, ph = s.height() / step;
  std::vector<std::uint8_t> row(static_cast<size_t>(s.width()) * 3);
  out->rgba.resize(static_cast<size_t>(pw) * static_cast<size_t>(ph) * 4);
  for (int y = 0; y < ph; ++y) {
    platform::YuyvToRgb(f.data + static_cast<size_t>(y) * static_cast<size_t>(step) * static_cast<size_t>(s.stride()),
                        s.width(), 1, s.stride(), row.data());
    std::uint8_t* o = &out->rgba[static_cast<size_t>(y) * static_cast<size_t>(pw) * 4];
    for (int x = 0; x < pw; ++x, o += 4) {
      const std::uint8_t* px = &row[static_cast<size_t>(x) * static_cast<size_t>(step) * 3];
      o[0] = px[0];
      o[1] = px[1];
      o[2] = px[2];
      o[3] = 255;
    }
  }
  out->width = pw;
  out->height = ph;
  return true;
}

platform::CameraRequest Request(const CameraSettings& c) {
  platform::CameraRequest r;
  r.width = c.width;
  r.height = c.height;
  r.skip_frames = c.skip_frames;
  r.timeout_ms = c.timeout_ms;
  return r;
}

}  // namespace

PhotoError CameraError(platform::CameraStatus s) {
  switch (s) {
    case platform::CameraStatus::Ok: return PhotoError::None;
    case platform::CameraStatus::NoDevice:
    case platform::CameraStatus::NotACamera: return PhotoError::CameraMissing;
    case platform::CameraStatus::Busy: return PhotoError::CameraBusy;
    default: return PhotoError::CameraFailed;
  }
}

PhotoResult ProcessCameraFrame(platform::CameraFrame& frame, const PhotoOptions& options, const ProgressFn& progress) {
  PhotoResult r = frame.kind == platform::CameraFrame::Kind::Jpeg
                      ? ProcessPhoto(frame.bytes, options, progress)
                      : ProcessRgb(frame.bytes.data(), frame.width, frame.height, frame.width * 3, options, progress);
  WipeBytes(frame.bytes);
  if (r.ok() && frame.captured_at > 0) r.taken_at = frame.captured_at;  // the shot, not an MJPEG frame's EXIF
  if (!r.ok()) {
    r.detail = "camera frame refused: " + std::string(PhotoErrorName(r.error)) + ": " + r.detail;
    r.error = PhotoError::CameraFailed;
  }
  return r;
}

PhotoResult TakeCameraPhoto(const std::string& device, const CameraSettings& camera,
                            const PhotoOptions& options, const ProgressFn& progress) {
  if (progress) progress(0.05f);
  platform::CameraFrame frame;
  std::string why;
  const platform::CameraStatus s = platform::GrabFrame(device, Request(camera), &frame, &why);
  if (s != platform::CameraStatus::Ok) {
    PhotoResult r;
    r.error = CameraError(s);
    r.detail = device + ": " + platform::CameraStatusName(s) + ": " + why;
    return r;
  }
  // The frame is half the work; the pipeline reports the other half.
  if (progress) progress(0.5f);
  PhotoResult r = ProcessCameraFrame(frame, options, [&progress](float f) {
    if (progress) progress(0.5f + 0.5f * f);
  });
  if (!r.ok()) r.detail = device + ": " + r.detail;
  return r;
}

//-----------------------------------------------------------------------------------------------
// CameraViewfinder
//-----------------------------------------------------------------------------------------------

CameraViewfinder::CameraViewfinder(std::function<void()> wake, CameraSettings settings)
    : wake_(std::move(wake)), settings_(settings) {}

CameraViewfinder::~CameraViewfinder() {
  Stop();
  Join();
}

void CameraViewfinder::Join() {
  if (thread_.joinable()) thread_.join();
}

void CameraViewfinder::Start(const std::string& device) {
  Stop();
  Join();  // the last stream notices its stop within one frame (or 0.1 s)
  std::uint64_t gen = 0;
  {
    std::lock_guard l(mu_);
    gen = ++generation_;
    state_ = State::Starting;
    error_ = PhotoError::None;
    detail_.clear();
  }
  stop_ = false;
  thread_ = std::thread([this, device, gen] { Run(device, gen); });
}

void CameraViewfinder::Stop() {
  std::lock_guard l(mu_);
  ++generation_;  // whatever the thread still reports belongs to no stream now
  stop_ = true;
  state_ = State::Off;
  shoot_ = false;
  if (shot_ready_) WipeBytes(shot_.bytes);
  shot_ready_ = false;
  WipeBytes(preview_.rgba);
  preview_ = {};
}

CameraViewfinder::State CameraViewfinder::state() const {
  std::lock_guard l(mu_);
  return state_;
}

bool CameraViewfinder::TakePreview(Preview* p) {
  std::lock_guard l(mu_);
  if (preview_.serial <= p->serial || preview_.rgba.empty()) return false;
  p->rgba = preview_.rgba;
  p->width = preview_.width;
  p->height = preview_.height;
  p->serial = preview_.serial;
  return true;
}

void CameraViewfinder::Shoot() {
  std::lock_guard l(mu_);
  if (state_ == State::Starting || state_ == State::Live) shoot_ = true;
}

bool CameraViewfinder::shooting() const {
  std::lock_guard l(mu_);
  return shoot_ || shot_ready_;
}

bool CameraViewfinder::TakeShot(platform::CameraFrame* out) {
  std::lock_guard l(mu_);
  if (!shot_ready_) return false;
  *out = std::move(shot_);
  shot_ = {};
  shot_ready_ = false;
  return true;
}

PhotoError CameraViewfinder::error() const {
  std::lock_guard l(mu_);
  return error_;
}

std::string CameraViewfinder::detail() const {
  std::lock_guard l(mu_);
  return detail_;
}

void CameraViewfinder::Run(std::string device, std::uint64_t gen) {
  try {
    Stream(device, gen);
  } catch (const std::exception& e) {  // out of memory for a frame: the camera fails, not the app
    Fail(gen, PhotoError::CameraFailed, device + ": " + e.what());
  }
}

void CameraViewfinder::Fail(std::uint64_t gen, PhotoError error, std::string detail) {
  {
    std::lock_guard l(mu_);
    if (gen != generation_) return;  // a stream already stopped says nothing
    state_ = State::Failed;
    error_ = error;
    detail_ = std::move(detail);
    shoot_ = false;
  }
  if (wake_) wake_();
}

void CameraViewfinder::Stream(const std::string& device, std::uint64_t gen) {
  const auto report = [&](auto&& change) {
    bool mine = false;
    {
      std::lock_guard l(mu_);
      mine = gen == generation_;
      if (mine) change();
    }
    if (mine && wake_) wake_();
    return mine;
  };
  const auto fail = [&](platform::CameraStatus st, const std::string& why) {
    Fail(gen, CameraError(st), device + ": " + platform::CameraStatusName(st) + ": " + why);
  };

  platform::CameraStream s;
  std::string why;
  if (const platform::CameraStatus st = s.Open(device, Request(settings_), &why); st != platform::CameraStatus::Ok) {
    fail(st, why);
    return;
  }
  TjDecompressor tj;
  int seen = 0;
  Clock::time_point last_frame = Clock::now(), last_preview{};
  Preview scratch;
  platform::CameraFrame shot;
  while (!stop_) {
    bool want_shot = false;
    {
      std::lock_guard l(mu_);
      want_shot = shoot_ && !shot_ready_;
    }
    want_shot = want_shot && seen >= settings_.skip_frames;  // not a frame still dark
    const bool want_preview = Clock::now() - last_preview >= std::chrono::milliseconds(80);
    bool previewed = false;
    const platform::CameraStatus st = s.Next(100, [&](const platform::FrameView& f) {
      if (want_shot) s.Copy(f, &shot);
      if (want_preview) previewed = MakePreview(s, f, tj.h, &scratch);
    }, &why);
    if (st == platform::CameraStatus::Timeout) {
      if (Clock::now() - last_frame > std::chrono::milliseconds(settings_.timeout_ms)) {
        fail(st, why);
        return;
      }
      continue;
    }
    if (st != platform::CameraStatus::Ok) {
      fail(st, why);
      return;
    }
    ++seen;
    last_frame = Clock::now();
    if (!want_shot && !previewed && seen > 1) continue;  // nothing new to say
    if (previewed) last_preview = last_frame;
    const bool mine = report([&] {
      if (state_ == State::Starting) state_ = State::Live;
      if (previewed) {
        scratch.serial = preview_.serial + 1;
        std::swap(preview_, scratch);
      }
      if (want_shot) {
        shot_ = std::move(shot);
        shot = {};
        shot_ready_ = true;
        shoot_ = false;
      }
    });
    if (!mine) break;  // stopped meanwhile: what it held is wiped below
  }
  WipeBytes(shot.bytes);
  WipeBytes(scratch.rgba);
}

}  // namespace samvad::capture
