// startup.cpp — exec → first frame, for samvad and for the bare ImGui window, alternating runs
// so both see the same machine state. Each program prints the monotonic time of its first
// frame; this takes the time just before fork and reports the medians and their ratio.
//   bench_startup RUNS -- CMD... -- BASELINE_CMD...
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

long long NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Runs argv; returns first-frame time minus launch time in ms, or -1.
double RunOnce(const std::vector<char*>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const long long t0 = NowNs();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  const size_t at = out.find("first_frame_monotonic_ns=");
  if (at == std::string::npos) return -1;
  return static_cast<double>(std::stoll(out.substr(at + 25)) - t0) / 1e6;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_startup RUNS -- CMD... -- BASELINE...\n");
    return 2;
  }
  const int runs = std::atoi(argv[1]);
  std::vector<char*> a, b;
  int part = 0;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) { ++part; continue; }
    (part == 1 ? a : b).push_back(argv[i]);
  }
  a.push_back(nullptr);
  b.push_back(nullptr);
  std::vector<double> ta, tb;
  RunOnce(a);  // warm the page cache for both before measuring
  RunOnce(b);
  for (int i = 0; i < runs; ++i) {
    const double x = RunOnce(a), y = RunOnce(b);
    if (x < 0 || y < 0) { std::fprintf(stderr, "bench_startup: a run printed no first-frame time\n"); return 1; }
    ta.push_back(x);
    tb.push_back(y);
  }
  const double ma = Median(ta), mb = Median(tb);
  std::printf("startup: exec -> first frame  samvad %.1f ms  bare ImGui window %.1f ms  ratio %.3f  (target <= 1.15)  [median of %d]\n",
              ma, mb, ma / mb, runs);
  return 0;
}
