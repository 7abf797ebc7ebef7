// gpsd.h — the tablet's position from gpsd (Debian's `gpsd`, which owns the GPS receiver and
// speaks JSON on TCP 2947), for the field engineer's work log. Optional by design: no gpsd, no
// receiver, or no fix within the wait → no position, and the work log says so; nothing else
// waits on it. Blocking: call from a worker thread, never a frame.
//
//   if (auto fix = samvad::platform::ReadGpsdFix("127.0.0.1:2947", 1500)) Use(fix->lat, fix->lon);
#pragma once
#include <optional>
#include <string>

namespace samvad::platform {

struct GpsFix {
  double lat = 0, lon = 0;  // WGS84 degrees
  double accuracy_m = -1;   // gpsd's horizontal error estimate (eph), -1 when it gave none
};

// Connects to gpsd at "host:port", asks it to stream (?WATCH), and returns the first TPV report
// with a 2D or 3D fix, or nullopt after `timeout_ms` (or at once when gpsd is not there).
std::optional<GpsFix> ReadGpsdFix(const std::string& host_port, int timeout_ms);

// One line of gpsd's JSON: the fix when it is a TPV report with mode ≥ 2 and a position
// (exposed for tests).
std::optional<GpsFix> ParseTpv(const std::string& line);

}  // namespace samvad::platform
