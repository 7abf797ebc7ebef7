// durable.tests.cpp — an export that cannot be written fails with a clear reason and leaves
// nothing under its final name: a folder that does not exist, a read-only file system (a
// write-protected stick) and a full one (a full stick), for the CSV and for a set of PNG pages.
// The last two are real: a child process enters its own user and mount namespace and mounts a
// tmpfs (read-only, or tiny and filled), so the kernel answers EROFS and ENOSPC as a stick
// would. Where namespaces are not available those cases say so and are skipped.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include "app/report/durable_file.h"
#include "app/report/page.h"
#include "app/report/reconciliation.h"
#include "report_support.h"

using namespace samvad;
namespace fs = std::filesystem;

namespace {

report::Reconciliation Rows(int n) {
  std::vector<store::OutboxRow> rows;
  for (int i = 1; i <= n; ++i) {
    store::OutboxRow r;
    r.ticket = model::CanonicalTicket({12, 7, i});
    r.category = "pothole";
    r.state = i % 3 ? model::OutboxState::Sent : model::OutboxState::Pending;
    r.attempts = 1;
    r.created_at = 1795000000 + i * 60;
    if (r.state == model::OutboxState::Sent) {
      r.central_id = "BMC-" + std::to_string(100000 + i);
      r.sent_at = r.created_at + 30;
    } else {
      r.last_error = "network: timed out";
    }
    rows.push_back(r);
  }
  return report::BuildReconciliation(rows, {12, "K/E", 7}, 1795100000);
}

// Every name in `dir`, sorted: what a person would see on the stick.
std::string Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

bool WriteProc(const char* path, const std::string& s) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
  ::close(fd);
  return ok;
}

// In the child: a new user and mount namespace, and a private tmpfs at `dir`. "" or why not.
std::string MountTmpfs(const std::string& dir, const char* options) {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return std::string("unshare: ") + std::strerror(errno);
  WriteProc("/proc/self/setgroups", "deny");
  if (!WriteProc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
      !WriteProc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
    return "cannot write uid_map/gid_map";
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("make / private: ") + std::strerror(errno);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
    return std::string("mount tmpfs: ") + std::strerror(errno);
  return "";
}

// Runs `scenario` in a child that mounted its own tmpfs at `mnt`; returns its key=value lines
// ("skip" set when the namespaces were refused). Catch2 is never used in the child.
std::map<std::string, std::string> InTmpfs(const std::string& mnt, const char* options,
                                           const std::function<std::string()>& scenario) {
  fs::create_directories(mnt);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const std::string why = MountTmpfs(mnt, options);
    const std::string out = why.empty() ? scenario() : "skip=" + why + "\n";
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  REQUIRE(pid > 0);
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return kv;
}

// In the child: tries the CSV over an earlier export, and a three-page PNG; says what is left.
std::string TryExports(const std::string& mnt, const std::string& earlier_csv) {
  std::ostringstream out;
  std::string why;
  const std::string csv = mnt + "/r.csv";
  out << "csv_ok=" << report::WriteReconciliationCsv(Rows(2000), csv, &why) << "\n";
  out << "csv_error=" << why << "\n";
  out << "earlier_kept=" << (test::ReadFile(csv) == earlier_csv) << "\n";
  std::vector<std::string> written;
  why.clear();
  out << "png_ok="
      << report::RenderReconciliationPng(Rows(100), text::Lang::Mr, test::ShippedFonts(),
                                         test::ShippedCatalog(), mnt + "/p.png", &written, &why)
      << "\n";
  out << "png_error=" << why << "\n";
  out << "png_written=" << written.size() << "\n";
  out << "listing=" << Listing(mnt) << "\n";
  return out.str();
}

}  // namespace

TEST_CASE("an export into a folder that does not exist fails and leaves nothing", "[report][durable]") {
  test::TempDir dir("report-missing");
  const std::string missing = dir.str() + "/no-such-stick";
  std::string why;
  CHECK_FALSE(report::WriteReconciliationCsv(Rows(3), missing + "/r.csv", &why));
  CHECK(why.find("the folder does not exist") != std::string::npos);
  CHECK(why.find(missing + "/r.csv") != std::string::npos);
  std::vector<std::string> written;
  why.clear();
  CHECK_FALSE(report::RenderReconciliationPng(Rows(3), text::Lang::Hi, test::ShippedFonts(),
                                              test::ShippedCatalog(), missing + "/p.png", &written, &why));
  CHECK(why.find("the folder does not exist") != std::string::npos);
  CHECK(written.empty());
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("a set of files is written all or nothing", "[report][durable]") {
  test::TempDir dir("report-set");
  const std::string good = dir.str() + "/a.png", bad = dir.str() + "/missing/b.png";
  std::string why;
  CHECK_FALSE(report::WriteFilesDurably({{good, {1, 2, 3}}, {bad, {4, 5, 6}}}, &why));
  CHECK(why.find(bad) != std::string::npos);
  CHECK(Listing(dir.str()).empty());  // neither a.png nor a.png.part

  const std::string other = dir.str() + "/b.png";
  REQUIRE(report::WriteFilesDurably({{good, {1, 2, 3}}, {other, {4, 5}}}, &why));
  CHECK(Listing(dir.str()) == "a.png,b.png");
  CHECK(test::ReadFile(other) == std::string("\x04\x05"));
}

TEST_CASE("a read-only stick refuses the export and keeps the earlier one", "[report][durable]") {
  test::TempDir dir("report-ro");
  const std::string mnt = dir.str() + "/mnt";
  (void)test::ShippedFonts();  // loaded here: the child must not fail inside Catch2
  (void)test::ShippedCatalog();
  const std::string earlier = report::ReconciliationCsv(Rows(1));
  auto kv = InTmpfs(mnt, "size=1m", [&] {
    std::string why;
    if (!report::WriteReconciliationCsv(Rows(1), mnt + "/r.csv", &why)) return "setup=" + why + "\n";
    // Write-protected from now on, like a stick with its lock switch moved.
    if (::mount("none", mnt.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0)
      return std::string("skip=remount read-only: ") + std::strerror(errno) + "\n";
    return TryExports(mnt, earlier);
  });
  if (kv.count("skip")) {
    WARN("skipped: no user+mount namespaces here (" << kv["skip"] << ")");
    return;
  }
  INFO(kv["setup"] << "csv: " << kv["csv_error"] << "\npng: " << kv["png_error"]);
  CHECK(kv["csv_ok"] == "0");
  CHECK(kv["csv_error"].find("the disk is read-only") != std::string::npos);
  CHECK(kv["earlier_kept"] == "1");
  CHECK(kv["png_ok"] == "0");
  CHECK(kv["png_error"].find("the disk is read-only") != std::string::npos);
  CHECK(kv["png_written"] == "0");
  CHECK(kv["listing"] == "r.csv");
}

TEST_CASE("a full stick refuses the export, leaves no partial file and keeps the earlier one",
          "[report][durable]") {
  test::TempDir dir("report-full");
  const std::string mnt = dir.str() + "/mnt";
  (void)test::ShippedFonts();
  (void)test::ShippedCatalog();
  const std::string earlier = report::ReconciliationCsv(Rows(1));
  auto kv = InTmpfs(mnt, "size=256k", [&] {
    std::string why;
    if (!report::WriteReconciliationCsv(Rows(1), mnt + "/r.csv", &why)) return "setup=" + why + "\n";
    // Fill what is left, as photos and older exports fill a stick.
    const int fd = ::open((mnt + "/ballast").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    const std::string chunk(4096, 'b');
    while (fd >= 0 && ::write(fd, chunk.data(), chunk.size()) > 0) {
    }
    if (fd >= 0) ::close(fd);
    return TryExports(mnt, earlier);
  });
  if (kv.count("skip")) {
    WARN("skipped: no user+mount namespaces here (" << kv["skip"] << ")");
    return;
  }
  INFO(kv["setup"] << "csv: " << kv["csv_error"] << "\npng: " << kv["png_error"]);
  CHECK(kv["csv_ok"] == "0");
  CHECK(kv["csv_error"].find("the disk is full") != std::string::npos);
  CHECK(kv["earlier_kept"] == "1");
  CHECK(kv["png_ok"] == "0");
  CHECK(kv["png_error"].find("the disk is full") != std::string::npos);
  CHECK(kv["png_written"] == "0");
  CHECK(kv["listing"] == "ballast,r.csv");
}
