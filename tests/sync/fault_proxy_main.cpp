// fault_proxy_main.cpp — `fault-proxy`, the command-line face of tests/support/fault_proxy.h, for
// trying a device or a script against a bad network by hand:
//   fault-proxy --to 8311 [--listen 9000] [--latency-ms 300] [--bandwidth 20000]
//               [--stall-after 4096 --stall-ms 5000] [--reset-after 1000]
//               [--reset-response-after 100] [--drop-response]
// Latency and bandwidth apply both ways; stall and reset-after to what the client sends.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/fault_proxy.h"

int main(int argc, char** argv) {
  samvad::testing::Faults f;
  int to = 0, listen_port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto num = [&]() -> long long {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fault-proxy: %s needs a number\n", a.c_str());
        std::exit(2);
      }
      return std::atoll(argv[++i]);
    };
    if (a == "--to") to = static_cast<int>(num());
    else if (a == "--listen") listen_port = static_cast<int>(num());
    else if (a == "--latency-ms") f.up.latency_ms = f.down.latency_ms = static_cast<int>(num());
    else if (a == "--bandwidth") f.up.bytes_per_second = f.down.bytes_per_second = num();
    else if (a == "--stall-after") f.up.stall_after = num();
    else if (a == "--stall-ms") f.up.stall_ms = static_cast<int>(num());
    else if (a == "--reset-after") f.up.reset_after = num();
    else if (a == "--reset-response-after") f.down.reset_after = num();
    else if (a == "--drop-response") f.drop_response = true;
    else {
      std::fprintf(stderr, "usage: fault-proxy --to PORT [--listen PORT] [--latency-ms N] [--bandwidth BYTES_PER_S]\n"
                           "       [--stall-after N --stall-ms N] [--reset-after N] [--reset-response-after N]\n"
                           "       [--drop-response]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  if (to <= 0) {
    std::fprintf(stderr, "fault-proxy: --to PORT (the upstream on 127.0.0.1) is required\n");
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  samvad::testing::FaultProxy proxy(to);
  proxy.SetFaults(f);
  std::string error;
  if (!proxy.Start(&error, listen_port)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf("fault-proxy: listening on 127.0.0.1:%d -> 127.0.0.1:%d\n", proxy.port(), to);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  proxy.Stop();
  return 0;
}
