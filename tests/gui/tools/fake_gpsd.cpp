// fake_gpsd.cpp — a stand-in for gpsd (Debian's GPS daemon) in GUI tests of the field tablet: it
// listens on 127.0.0.1, prints "listening on 127.0.0.1:PORT", and answers every client's ?WATCH
// with gpsd's JSON lines — VERSION, a TPV without a fix, then a 3D fix at LAT,LON — as a receiver
// that has just found the satellites would. Runs until killed, or 10 minutes (a failed test that
// never reaches its check must not leave one behind for good).
//   fake_gpsd LAT LON
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fake_gpsd LAT LON\n");
    return 2;
  }
  ::alarm(600);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 8) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("fake_gpsd");
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
  std::fflush(stdout);
  const std::string lines = std::string(R"({"class":"VERSION","release":"3.22","proto_major":3,"proto_minor":14})") + "\n" +
                            R"({"class":"TPV","device":"/dev/ttyACM0","mode":1})" + "\n" +
                            R"({"class":"TPV","device":"/dev/ttyACM0","mode":3,"lat":)" + argv[1] + R"(,"lon":)" + argv[2] +
                            R"(,"eph":6.0})" + "\n";
  for (;;) {
    const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::thread([c, lines] {
      char buf[512];
      if (::recv(c, buf, sizeof buf, 0) > 0) ::send(c, lines.data(), lines.size(), MSG_NOSIGNAL);
      ::sleep(1);
      ::close(c);
    }).detach();
  }
}
