// gpsd.tests.cpp — the tablet's position from gpsd (platform/gpsd.h) against a stand-in gpsd on
// loopback that speaks its JSON lines: no fix first, then a 3D fix; a TPV without a fix is not a
// position; no gpsd at all answers "no position" at once, not after the wait.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "platform/gpsd.h"

using samvad::platform::ParseTpv;
using samvad::platform::ReadGpsdFix;

namespace {

// Listens on a free loopback port; the first client gets `lines` after it sent its ?WATCH.
struct FakeGpsd {
  int fd = -1, port = 0;
  std::string watch;  // what the client sent
  std::thread th;
  explicit FakeGpsd(std::string lines) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    REQUIRE(::listen(fd, 1) == 0);
    th = std::thread([this, lines] {
      const int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      char buf[256];
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n > 0) watch.assign(buf, static_cast<size_t>(n));
      ::send(c, lines.data(), lines.size(), MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      ::close(c);
    });
  }
  ~FakeGpsd() {
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    if (th.joinable()) th.join();
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("a TPV report with a fix is a position; without one it is not", "[platform][gpsd]") {
  const auto fix = ParseTpv(R"({"class":"TPV","device":"/dev/ttyACM0","mode":3,"lat":19.026912,"lon":72.838301,"eph":7.5})");
  REQUIRE(fix);
  CHECK(fix->lat == Approx(19.026912));
  CHECK(fix->lon == Approx(72.838301));
  CHECK(fix->accuracy_m == Approx(7.5));
  CHECK_FALSE(ParseTpv(R"({"class":"TPV","mode":1})"));
  CHECK_FALSE(ParseTpv(R"({"class":"TPV","mode":2,"lat":19.0})"));
  CHECK_FALSE(ParseTpv(R"({"class":"SKY","mode":3,"lat":19.0,"lon":72.8})"));
  CHECK_FALSE(ParseTpv(R"({"class":"TPV","mode":3,"lat":190.0,"lon":72.8})"));
}

TEST_CASE("the first fix gpsd streams after ?WATCH is the tablet's position", "[platform][gpsd]") {
  FakeGpsd g(R"({"class":"VERSION","release":"3.22","proto_major":3,"proto_minor":14})" "\n"
             R"({"class":"TPV","device":"/dev/ttyACM0","mode":1})" "\n"
             R"({"class":"TPV","device":"/dev/ttyACM0","mode":3,"lat":22.5726,"lon":88.3639})" "\n");
  const auto fix = ReadGpsdFix(g.addr(), 2000);
  REQUIRE(fix);
  CHECK(fix->lat == Approx(22.5726));
  CHECK(fix->lon == Approx(88.3639));
  CHECK(g.watch.rfind("?WATCH={", 0) == 0);
}

TEST_CASE("gpsd without a fix, or no gpsd at all, gives no position", "[platform][gpsd]") {
  {
    FakeGpsd g(R"({"class":"TPV","mode":1})" "\n");
    CHECK_FALSE(ReadGpsdFix(g.addr(), 500));
  }
  int port = 0;
  {
    FakeGpsd closed("");  // take a free port, then let it go
    port = closed.port;
  }
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(ReadGpsdFix("127.0.0.1:" + std::to_string(port), 5000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));  // refused, not waited out
  CHECK_FALSE(ReadGpsdFix("not an address", 100));
}
