// gpsd.cpp — see gpsd.h. gpsd's protocol (gpsd_json(5)): after `?WATCH={"enable":true,"json":true}`
// it sends one JSON object per line: VERSION, DEVICES, WATCH, then TPV (time-position-velocity)
// and SKY reports. A TPV's "mode" is 0/1 (no fix), 2 (2D) or 3 (3D). We read only flat numeric
// members of TPV lines, so no JSON library is needed here.
#include "platform/gpsd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace samvad::platform {
namespace {

// The number after "key": in a flat JSON object line; nullopt when absent.
std::optional<double> Member(const std::string& line, const char* key) {
  const std::string k = std::string("\"") + key + "\":";
  const size_t at = line.find(k);
  if (at == std::string::npos) return std::nullopt;
  const char* p = line.c_str() + at + k.size();
  char* end = nullptr;
  const double v = std::strtod(p, &end);
  if (end == p || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<GpsFix> ParseTpv(const std::string& line) {
  if (line.find("\"class\":\"TPV\"") == std::string::npos) return std::nullopt;
  const auto mode = Member(line, "mode");
  const auto lat = Member(line, "lat");
  const auto lon = Member(line, "lon");
  if (!mode || *mode < 2 || !lat || !lon) return std::nullopt;
  if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) return std::nullopt;
  GpsFix f;
  f.lat = *lat;
  f.lon = *lon;
  if (const auto eph = Member(line, "eph")) f.accuracy_m = *eph;
  return f;
}

std::optional<GpsFix> ReadGpsdFix(const std::string& host_port, int timeout_ms) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(host_port.c_str() + colon + 1)));
  if (inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr.sin_addr) != 1) return std::nullopt;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left_ms = [&] {
    return static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  std::optional<GpsFix> fix;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return std::nullopt;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (::poll(&p, 1, left_ms()) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    ::close(fd);
    return std::nullopt;
  }
  static const char kWatch[] = "?WATCH={\"enable\":true,\"json\":true};\n";
  if (::send(fd, kWatch, sizeof kWatch - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kWatch - 1)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string buf;
  char chunk[2048];
  while (!fix && left_ms() > 0 && buf.size() < (1 << 20)) {
    p = pollfd{fd, POLLIN, 0};
    if (::poll(&p, 1, left_ms()) != 1) break;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    for (size_t nl; !fix && (nl = buf.find('\n')) != std::string::npos;) {
      fix = ParseTpv(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  ::close(fd);
  return fix;
}

}  // namespace samvad::platform
