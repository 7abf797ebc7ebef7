// central_upload.cpp — samvad-central's loopback throughput for 300 KB photo uploads against
// nginx (Debian's, started here on loopback with a temporary config) receiving the same bytes.
// Central: what a device does per photo of a complaint it just created — one tus POST /media
// carrying the 300 KB (creation-with-upload) with the file's sha256 in Upload-Metadata (central
// hashes it, writes it and commits the offset in SQLite), asking to flush later
// (Samvad-Durable: later), and one POST /media/sync per 20 of its photos — the sync engine's
// batch — which makes them durable; the device counts a photo sent only after it (U8). As the
// engine does (push.cpp, step 4), each device sends its seal on a second connection and goes on
// uploading; one seal in flight, and its last one is waited for and timed.
// nginx: one PUT of the same 300 KB to its WebDAV module (body to a temp file, renamed into
// place; no fsync — nginx has no setting for one). Same client (the sync client's Transport,
// keep-alive), same number of uploads, at 4 connections (the target: central >= 0.5 × nginx)
// and at 32 (a city's central serves many devices at once, which its group commit is for).
// For reference only, not the target: nginx made as durable as central — its run plus one
// syncfs of what it wrote, timed ("nginx+sync").
// Also for reference: the CPU each run used (the whole machine's busy time from /proc/stat, so
// client, server and kernel writeback alike) and the ceiling that sets: the ratio central would
// reach if its run kept every core busy, nginx's time ÷ (central's CPU ÷ cores). A ceiling under
// 0.5 means no overlap or scheduling can meet the target on this machine; only less CPU per photo.
// Central runs with its default pool of 16 threads, or a thread per connection past that
// (--threads 32), as its operator would run it: a handler blocks on its flush.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "central_load.h"
#include "sync/model/sha256.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "sync/protocol/tus.h"
#include "sync_client_support.h"

using namespace samvad;
using namespace samvad::testing::client;

namespace {

constexpr int kConnections[] = {4, 32};
constexpr int kUploads = 1000;  // 300 MB: long enough (~0.3 s for nginx) to measure
constexpr size_t kBytes = 300 * 1000;

constexpr int kPerFlush = 20;  // the sync engine's batch: 20 complaints, then POST /media/sync
constexpr int kDefaultThreads = 16;  // samvad-central's --threads when not given

bool Flush(sync::Transport& t, const std::string& url, const std::string& key) {
  const auto r = t.Perform(sync::HttpCall{"POST", url + "/media/sync", {{"Authorization", "Bearer " + key}}, {}, true});
  if (r.status != 204) std::fprintf(stderr, "bench_central_upload: POST /media/sync answered %d %s\n", r.status, r.body.c_str());
  return r.status == 204;
}

// Untimed, before each server's turn: write out what is dirty on the filesystem, so neither
// server's flushes pay for the other's (or the setup's) bytes. nginx never flushes, so without
// this central's next flush wrote nginx's 300 MB too.
void SettleDisk(const std::string& parent) {
  const int fd = open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  if (syncfs(fd) != 0) std::perror("bench_central_upload: syncfs");
  close(fd);
}

// The machine's busy CPU time so far, in seconds, from /proc/stat's first line: user, nice,
// system, irq and softirq (not idle, iowait or steal, which is the host's). -1 if unreadable.
double BusyCpuSeconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq) || cpu != "cpu") return -1;
  return static_cast<double>(user + nice + system + irq + softirq) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Busy CPU seconds since `before` (a BusyCpuSeconds()); -1 if either reading failed.
double BusyCpuSince(double before) {
  const double now = BusyCpuSeconds();
  return before < 0 || now < 0 ? -1 : now - before;
}

struct Figures {
  double central_mb_s = -1, central_photos_s = -1, nginx_mb_s = -1, nginx_durable_mb_s = -1;
  double central_cpu_s = -1, nginx_cpu_s = -1, ceiling = -1;
  std::string nginx_problem;
};

// Both servers with their files (and central's SQLite database) under `parent`, each client on
// `connections` keep-alive connections.
bool Measure(const std::string& parent, int connections, const std::string& photo, const std::string& sha256_hex,
             Figures* out) {
  TempDir dir("bench-upload", parent);
  CentralServer central;
  std::string why;
  // Two connections per device (photos, seals).
  if (!central.Start("sqlite:" + dir.str() + "/central.db", dir.str() + "/media", 0, "", &why,
                     /*threads=*/std::max(kDefaultThreads, 2 * connections))) {
    std::fprintf(stderr, "bench_central_upload: %s\n", why.c_str());
    return false;
  }
  const std::string key = central.EnrollDevice(&why);
  const std::string url = central.url();
  std::vector<std::string> ids(kUploads);
  const double setup = bench::Timed(connections, kUploads, [&](sync::Transport& t, int i) {  // untimed: the complaints
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012x", i);
    const auto r = t.Perform(sync::HttpCall{"POST", url + "/requests.json",
                                            {{"Content-Type", "application/x-www-form-urlencoded"}},
                                            protocol::EncodeForm({{"api_key", key}, {"service_code", "pothole"},
                                                                  {"address_string", "bench"}, {"description", "bench"},
                                                                  {"attribute[client_uuid]", uuid}}), true});
    std::string err;
    const auto json = protocol::ParseJson(r.body, &err);
    if (r.status != 200 || !json) return false;
    ids[static_cast<size_t>(i)] = json->items.at(0).Str("service_request_id");
    return true;
  });
  if (key.empty() || setup < 0) {
    std::fprintf(stderr, "bench_central_upload: setup failed %s\n", why.c_str());
    return false;
  }
  const sync::Headers tus = {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}};
  SettleDisk(parent);
  // `connections` devices, each with its two connections: photos on one, seals on the other.
  const double central_cpu0 = BusyCpuSeconds();
  const double central_s = bench::TimedWorkers(connections, [&](std::atomic<int>& next, std::atomic<bool>& failed) {
    sync::Transport t(sync::TransportConfig{}), second(sync::TransportConfig{});
    std::future<bool> seal;  // the one in flight
    const auto answered = [&] { return !seal.valid() || seal.get(); };
    int unsealed = 0;
    for (int i; !failed && (i = next++) < kUploads;) {
      // What the device sends for a complaint it has just created: one POST that makes the
      // upload and carries the photo (creation-with-upload), with the photo's SHA-256
      // declared, which central checks against every byte before it answers.
      sync::HttpCall post{"POST", url + "/media", tus, photo, true};
      post.headers.emplace_back("Upload-Length", std::to_string(kBytes));
      post.headers.emplace_back("Upload-Metadata", protocol::tus::FormatMetadata(
          {{"service_request_id", ids[static_cast<size_t>(i)]}, {"sha256", sha256_hex}}));
      post.headers.emplace_back("Content-Type", "application/offset+octet-stream");
      post.headers.emplace_back("Samvad-Durable", "later");
      const auto r = t.Perform(post);
      if (r.status != 201 || r.Header("upload-offset") != std::to_string(kBytes)) {
        std::fprintf(stderr, "bench_central_upload: POST /media answered %d %s\n", r.status, r.body.c_str());
        failed = true;
        break;
      }
      if (++unsealed < kPerFlush) continue;
      // The batch's seal: the last one answered first, this one on the second connection.
      if (!answered()) failed = true;
      seal = std::async(std::launch::async, [&] { return Flush(second, url, key); });
      unsealed = 0;
    }
    if (!answered()) failed = true;
    if (!failed && unsealed > 0 && !Flush(t, url, key)) failed = true;  // its last batch
  });
  out->central_cpu_s = BusyCpuSince(central_cpu0);
  central.Stop();
  if (central_s < 0) return false;
  const double mb = static_cast<double>(kBytes) * kUploads / 1e6;
  out->central_mb_s = mb / central_s;
  out->central_photos_s = kUploads / central_s;

  // nginx: the same bytes, the same client.
  TempDir ndir("bench-nginx", parent);
  const int port = FreeLoopbackPort();
  const pid_t nginx = StartNginx(ndir.str(),
                                 "    listen 127.0.0.1:" + std::to_string(port) + ";\n    client_body_buffer_size 16k;\n"
                                 "    location /upload/ { dav_methods PUT; create_full_put_path on; dav_access user:rw; }",
                                 port, &why);
  if (nginx < 0) {
    out->nginx_problem = why;
    return true;
  }
  const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/upload/";
  SettleDisk(parent);
  const double nginx_cpu0 = BusyCpuSeconds();
  const double nginx_s = bench::Timed(connections, kUploads, [&](sync::Transport& t, int i) {
    const auto r = t.Perform(sync::HttpCall{"PUT", base + std::to_string(i) + ".jpg", {{"Content-Type", "image/jpeg"}}, photo, true});
    if (r.status != 201 && r.status != 204) std::fprintf(stderr, "bench_central_upload: nginx PUT answered %d\n", r.status);
    return r.status == 201 || r.status == 204;
  });
  out->nginx_cpu_s = BusyCpuSince(nginx_cpu0);
  // Its bytes onto the disk, as central's last flush puts central's: the reference figure.
  const auto s0 = std::chrono::steady_clock::now();
  SettleDisk(parent);
  const double sync_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
  StopProcess(nginx);
  if (nginx_s < 0) {
    out->nginx_problem = "nginx refused the uploads";
  } else {
    out->nginx_mb_s = mb / nginx_s;
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (out->central_cpu_s > 0 && cores > 0) out->ceiling = nginx_s * static_cast<double>(cores) / out->central_cpu_s;
    out->nginx_durable_mb_s = mb / (nginx_s + sync_s);
  }
  return true;
}

// "CPU central 0.97 s, nginx 0.45 s, ceiling 0.45 on 2 cores": see the file's head.
std::string CpuFigures(const Figures& f) {
  if (f.central_cpu_s <= 0 || f.nginx_cpu_s < 0 || f.ceiling < 0) return "CPU not measured";
  char buf[120];
  std::snprintf(buf, sizeof buf, "CPU central %.2f s, nginx %.2f s, ceiling %.2f on %ld cores", f.central_cpu_s,
                f.nginx_cpu_s, f.ceiling, sysconf(_SC_NPROCESSORS_ONLN));
  return buf;
}

std::string Line(const char* where, int connections, const Figures& f) {
  char buf[400];
  const int n = std::snprintf(buf, sizeof buf, "%s, %d connections: central %.1f MB/s (%.0f photos/s)  ", where, connections,
                              f.central_mb_s, f.central_photos_s);
  if (f.nginx_mb_s < 0) {
    std::snprintf(buf + n, sizeof buf - n, "nginx COULD NOT RUN (%s)", f.nginx_problem.substr(0, 200).c_str());
  } else {
    std::snprintf(buf + n, sizeof buf - n, "nginx %.1f MB/s  ratio %.2f  (nginx+sync %.1f MB/s, ratio %.2f; %s)", f.nginx_mb_s,
                  f.central_mb_s / f.nginx_mb_s, f.nginx_durable_mb_s, f.central_mb_s / f.nginx_durable_mb_s,
                  CpuFigures(f).c_str());
  }
  return buf;
}

// One figure per place and connection count: `rounds` rounds, each central then nginx, and the
// median of each side (the machine's other work moves a single run by ±30 %; interleaving puts
// both servers under the same weather, and the median drops the outliers).
struct Options {
  int rounds = 3;
  std::vector<int> connections{std::begin(kConnections), std::end(kConnections)};
  bool disk = true, tmpfs = true;
  std::string disk_dir = "/tmp";  // where "on disk" runs (see sync/central/DESIGN.md on ext4)
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// Every connection count on disk, then on tmpfs (where fsync costs nothing: what is left is the
// servers' own work), as " | "-separated figures; false when central failed.
bool MeasureAll(const Options& o, const std::string& photo, const std::string& sha256_hex, std::string* figures) {
  struct Place {
    const char* where;
    const char* parent;
    bool wanted;
  };
  for (const Place& p : {Place{"on disk", o.disk_dir.c_str(), o.disk}, Place{"on tmpfs", "/dev/shm", o.tmpfs}}) {
    if (!p.wanted) continue;
    if (access(p.parent, W_OK) != 0) {
      *figures += std::string("  |  ") + p.where + ": not available";
      continue;
    }
    for (const int connections : o.connections) {
      std::vector<double> central, photos, nginx, nginx_durable, central_cpu, nginx_cpu, ceiling;
      Figures f;
      for (int round = 0; round < o.rounds; ++round) {
        f = Figures{};
        if (!Measure(p.parent, connections, photo, sha256_hex, &f)) return false;
        central.push_back(f.central_mb_s);
        photos.push_back(f.central_photos_s);
        if (f.nginx_mb_s >= 0) nginx.push_back(f.nginx_mb_s);
        if (f.nginx_durable_mb_s >= 0) nginx_durable.push_back(f.nginx_durable_mb_s);
        if (f.ceiling >= 0 && f.nginx_cpu_s >= 0) {
          central_cpu.push_back(f.central_cpu_s);
          nginx_cpu.push_back(f.nginx_cpu_s);
          ceiling.push_back(f.ceiling);
        }
      }
      f.central_mb_s = Median(central);
      f.central_photos_s = Median(photos);
      f.nginx_mb_s = nginx.size() == central.size() ? Median(nginx) : -1;
      f.nginx_durable_mb_s = nginx_durable.size() == central.size() ? Median(nginx_durable) : -1;
      const bool cpu_every_round = ceiling.size() == central.size();
      f.central_cpu_s = cpu_every_round ? Median(central_cpu) : -1;
      f.nginx_cpu_s = cpu_every_round ? Median(nginx_cpu) : -1;
      f.ceiling = cpu_every_round ? Median(ceiling) : -1;
      *figures += "  |  " + Line(p.where, connections, f);
    }
  }
  return true;
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      o->rounds = std::atoi(argv[++i]);
    } else if (a == "--connections" && i + 1 < argc) {
      o->connections = {std::atoi(argv[++i])};
    } else if (a == "--disk-only") {
      o->tmpfs = false;
    } else if (a == "--tmpfs-only") {
      o->disk = false;
    } else if (a == "--disk-dir" && i + 1 < argc) {
      o->disk_dir = argv[++i];
    } else {
      return false;
    }
  }
  return o->rounds >= 1 && o->rounds <= 50 && o->connections.at(0) >= 1 && o->connections.at(0) <= 256;
}

}  // namespace

// make bench runs it with no arguments. For an A/B of two builds, one place and one count:
//   bench_central_upload --tmpfs-only --connections 4 --rounds 5
// --disk-dir: where the disk runs go (default /tmp). On ext4 without a journal, a directory in
// a block group where thousands of files were just deleted makes every file create slow, for
// both servers (sync/central/DESIGN.md): a new top-level directory is in a fresh one.
int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, &options)) {
    std::fprintf(stderr, "usage: bench_central_upload [--rounds 1-50] [--connections 1-256] [--disk-only | --tmpfs-only] "
                         "[--disk-dir DIR]\n");
    return 2;
  }
  std::mt19937_64 rng(300);
  std::string photo(kBytes, '\0');
  for (auto& c : photo) c = static_cast<char>(rng());
  const std::string sha256_hex = model::Sha256Hex(photo);
  std::string figures;
  if (!MeasureAll(options, photo, sha256_hex, &figures)) return 1;
  std::printf("central upload: %d × 300 KB photos over loopback; central = tus POST with the photo and its sha256 "
              "checked, flushed to disk once per 20 of each device's photos on its second connection, as the sync engine does "
              "(--threads 16, or one per connection past 16); "
              "nginx = PUT to dav, no fsync (nginx+sync: its run and one syncfs after, timed: a reference, not the target; "
              "CPU: the whole machine's busy seconds in each run, and the ratio central would reach using every core: "
              "nginx's time x cores / central's CPU); "
              "median of %d interleaved rounds%s  "
              "(target >= 0.5 at 4 connections)\n",
              kUploads, options.rounds, figures.c_str());
  return 0;
}
