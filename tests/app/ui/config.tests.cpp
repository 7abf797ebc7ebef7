// config.tests.cpp — device.conf: the keys staff set on a kiosk, and a clear error (file:line and
// why) for a value that would otherwise be taken silently.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "app/ui/app.h"

using namespace samvad::ui;

namespace {

struct ConfFile {
  std::string path;
  explicit ConfFile(const std::string& text) {
    char templ[] = "/tmp/samvad-conf-XXXXXX";
    const int fd = mkstemp(templ);
    REQUIRE(fd >= 0);
    close(fd);
    path = templ;
    std::ofstream(path) << text;
  }
  ~ConfFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("device.conf sets sync, retention and idle times; a bad value names its line", "[config]") {
  DeviceConfig cfg;
  std::string err;
  SECTION("the defaults stand without a file") {
    REQUIRE(LoadDeviceConfig("/nonexistent/device.conf", &cfg, &err));
    CHECK(cfg.retention_days == 30);
    CHECK(cfg.central_url.empty());
  }
  SECTION("every key read") {
    ConfFile f("ward=12\ncentral=http://127.0.0.1:8311\nkey=abc\nretention_days=7\nidle_warn=20\n");
    REQUIRE(LoadDeviceConfig(f.path, &cfg, &err));
    CHECK(cfg.ward_number == "12");
    CHECK(cfg.central_url == "http://127.0.0.1:8311");
    CHECK(cfg.central_key == "abc");
    CHECK(cfg.retention_days == 7);
    CHECK(cfg.idle_warn_s == 20);
  }
  SECTION("retention_days must be a whole number of days up to ten years") {
    for (const char* bad : {"retention_days=-1\n", "retention_days=thirty\n", "retention_days=\n", "retention_days=99999\n"}) {
      ConfFile f(std::string("ward=08\n") + bad);
      err.clear();
      CHECK_FALSE(LoadDeviceConfig(f.path, &cfg, &err));
      CHECK(err.find(":2: retention_days") != std::string::npos);
    }
  }
}

TEST_CASE("mode=tablet makes a field engineer's tablet with a longer idle lock", "[config]") {
  std::string err;
  {
    DeviceConfig cfg;
    ConfFile f("mode=tablet\ngpsd=127.0.0.1:2948\n");
    REQUIRE(LoadDeviceConfig(f.path, &cfg, &err));
    CHECK(cfg.tablet);
    CHECK(cfg.gpsd == "127.0.0.1:2948");
    CHECK(cfg.idle_reset_s == 600);  // minutes on site, not a kiosk's 90 s
    CHECK(cfg.idle_warn_s < cfg.idle_reset_s);
  }
  {
    DeviceConfig cfg;
    ConfFile f("mode=tablet\nidle_reset=120\n");
    REQUIRE(LoadDeviceConfig(f.path, &cfg, &err));
    CHECK(cfg.idle_reset_s == 120);  // what staff set wins
  }
  {
    DeviceConfig cfg;
    ConfFile f("mode=kiosk\n");
    REQUIRE(LoadDeviceConfig(f.path, &cfg, &err));
    CHECK_FALSE(cfg.tablet);
    CHECK(cfg.idle_reset_s == 90);
  }
  DeviceConfig cfg;
  ConfFile f("ward=08\nmode=phone\n");
  CHECK_FALSE(LoadDeviceConfig(f.path, &cfg, &err));
  CHECK(err.find(":2: mode must be kiosk or tablet") != std::string::npos);
}

TEST_CASE("camera= is auto by default, off, or a device path; anything else names its line", "[config]") {
  std::string err;
  {
    DeviceConfig cfg;
    REQUIRE(LoadDeviceConfig("/nonexistent/device.conf", &cfg, &err));
    CHECK(cfg.camera == "auto");
  }
  for (const char* ok : {"off", "auto", "/dev/video2"}) {
    DeviceConfig cfg;
    ConfFile f(std::string("camera=") + ok + "\n");
    REQUIRE(LoadDeviceConfig(f.path, &cfg, &err));
    CHECK(cfg.camera == ok);
  }
  for (const char* bad : {"camera=\n", "camera=video0\n", "camera=yes\n"}) {
    DeviceConfig cfg;
    ConfFile f(std::string("ward=08\n") + bad);
    err.clear();
    CHECK_FALSE(LoadDeviceConfig(f.path, &cfg, &err));
    CHECK(err.find(":2: camera must be") != std::string::npos);
  }
}
