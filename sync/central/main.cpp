// main.cpp — the samvad-central command line: `serve` runs the queue; `enroll`, `revoke`,
// `assign`, `staff …`, `keys`, `import` and `sweep` are the administrator's commands against the
// same database (and, for the last three, the same bundle key or media folder). Parses
// arguments, wires the parts together and reports; it holds no logic the tests could not reach
// through them.
//
// [SECTION] usage and arguments
// [SECTION] serve
// [SECTION] devices and assignments: enroll, revoke, assign
// [SECTION] staff accounts: staff add | list | disable | enable | pin
// [SECTION] sneakernet bundles: keys, import
// [SECTION] sweep: what the media folder no longer needs
#include <malloc.h>
#include <qrencode.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sync/central/api.h"
#include "sync/central/bundle_keys.h"
#include "sync/central/catalog.h"
#include "sync/central/crypto.h"
#include "sync/central/http.h"
#include "sync/central/import.h"
#include "sync/central/staff.h"
#include "sync/central/storage.h"
#include "sync/central/sweep.h"
#include "sync/model/pin_hash.h"
#include "sync/protocol/form.h"
#include "sync/protocol/open311.h"
#include "sync/protocol/tus.h"

#ifndef SAMVAD_CATALOG_DIR
#define SAMVAD_CATALOG_DIR "assets/catalog"
#endif

namespace {

using samvad::central::Storage;

// ---------------------------------------------------------------------------------------------
// [SECTION] usage and arguments
// ---------------------------------------------------------------------------------------------

constexpr const char* kUsage =
    "samvad-central — Samvad's central complaint queue (Open311 GeoReport v2 + extensions)\n"
    "\n"
    "usage:\n"
    "  samvad-central serve  --db URL [--listen HOST:PORT] [--media DIR] [--catalog DIR]\n"
    "                        [--base-url URL] [--threads N] [--public] [--bundle-key FILE]\n"
    "                        [--sweep-days N] [--seal-every S]\n"
    "  samvad-central enroll --db URL [--label TEXT] [--url BASE_URL] [--hours N] [--ward NN]\n"
    "                        [--kind kiosk|tablet]\n"
    "  samvad-central revoke --db URL DEVICE_ID\n"
    "  samvad-central scope  --db URL DEVICE_ID [--ward NN|all] [--kind kiosk|tablet|any]\n"
    "                        [--catalog DIR]\n"
    "  samvad-central assign --db URL REQUEST_ID USER_ID     (or REQUEST_ID --to USER_ID)\n"
    "  samvad-central staff add     --db URL --user ID --name NAME --ward NN --dept CODE\n"
    "                               --role engineer|ward_staff|nodal_officer [--catalog DIR]\n"
    "  samvad-central staff list    --db URL\n"
    "  samvad-central staff disable --db URL --user ID      (staff enable: the reverse)\n"
    "  samvad-central staff pin     --db URL --user ID      (sets a new PIN)\n"
    "  samvad-central keys   [--media DIR] [--bundle-key FILE]\n"
    "  samvad-central import --db URL [--media DIR] [--bundle-key FILE] [--catalog DIR] BUNDLE\n"
    "  samvad-central sweep  --db URL [--media DIR] [--days N]\n"
    "                  forgets uploads never finished within N days (default 30; the device sends\n"
    "                  the photo again) and removes media files no upload names (a day old or more)\n"
    "  samvad-central --help\n"
    "\n"
    "  --db URL        sqlite:PATH (default sqlite:samvad-central.db) or postgresql://…\n"
    "  --listen        default 127.0.0.1:8311; port 0 picks a free port. Loopback only unless\n"
    "                  --public: put a TLS-terminating proxy in front for devices.\n"
    "  --media DIR     where uploaded photos are kept (default ./samvad-media)\n"
    "  --catalog DIR   categories.tsv, departments.tsv, wards.tsv (default " SAMVAD_CATALOG_DIR ")\n"
    "  --base-url URL  how devices reach this server, for media_url and Location\n"
    "                  (default http://<listen address>)\n"
    "  --bundle-key F  central's secret key for sneakernet bundles, mode 0600 (default\n"
    "                  <media DIR>.bundle-key, e.g. samvad-media.bundle-key); made on first need\n"
    "  --sweep-days N  serve runs sweep (below) with --days N at start and then every day\n"
    "                  (default 30; 0: never, for an operator who runs it from cron instead)\n"
    "  --seal-every S  serve flushes photos that devices sent 'flush later' and never sealed\n"
    "                  every S seconds, which publishes them (default 300; 0: never)\n"
    "\n"
    "enroll prints a one-time code (and its QR) that a device trades for its key at\n"
    "POST /devices/enroll.json; revoke makes a device's key answer 403 from then on.\n"
    "--ward: the ward (of wards.tsv) the device serves; it is sent only that ward's staff\n"
    "accounts and their PIN hashes. Without it, every account (a warning says so). --kind kiosk:\n"
    "a ward office's public kiosk, which is not sent engineers' accounts (they sign in on their\n"
    "tablets); tablet (or none given): every role. scope sets or clears (all, any) the ward or\n"
    "kind of a device enrolled already; the device's next sync applies it.\n"
    "assign gives a request to an active staff account (its tablet lists it).\n"
    "staff add and staff pin read the PIN (4 to 8 digits; not 1111, 1234, 1212 and the like)\n"
    "from standard input — typed twice\n"
    "at a terminal, unechoed, or one line from a pipe — never from the command line, where\n"
    "every user of the machine could read it. Only its Argon2id hash is stored.\n"
    "keys prints the public half of the bundle key (devices fetch it at GET /bundle-key.json),\n"
    "making the pair if there is none. import takes a bundle a device exported to a USB stick:\n"
    "it verifies every byte first, then stores every complaint and photo in one transaction.\n"
    "Importing twice changes nothing. Exit 0: imported; 1: nothing imported (the reason is one\n"
    "line on stderr: not a bundle, not for this central, tampered, truncated, unknown device,\n"
    "bad signature, …); 3: imported, but some items were refused (each listed on stderr).\n";

struct Args {
  std::map<std::string, std::string> opts;
  std::vector<std::string> positional;
  bool public_ok = false;
};

// --name VALUE pairs and positionals; false (with a message) on an unknown option.
bool ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& known, Args* out) {
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--public") {
      out->public_ok = true;
    } else if (a.rfind("--", 0) == 0) {
      bool ok = false;
      for (const auto& k : known) ok = ok || k == a;
      if (!ok || i + 1 >= argc) {
        std::fprintf(stderr, "samvad-central: %s %s\n", a.c_str(), ok ? "needs a value" : "is not an option here");
        return false;
      }
      out->opts[a] = argv[++i];
    } else {
      out->positional.push_back(a);
    }
  }
  return true;
}

std::string Opt(const Args& a, const std::string& name, const std::string& fallback) {
  const auto it = a.opts.find(name);
  return it == a.opts.end() ? fallback : it->second;
}

// Option `name` as a whole number from `lo` to `hi` (`fallback` when absent) into *out; false,
// having said "NAME must be LO to HI" (and `range_note`, e.g. " seconds"), otherwise. The whole
// value must be digits: "3O" is refused, not read as 3.
bool IntOpt(const Args& a, const char* name, int fallback, int lo, int hi, const char* range_note, int* out) {
  const auto it = a.opts.find(name);
  if (it == a.opts.end()) {
    *out = fallback;
    return true;
  }
  std::uint64_t n = 0;
  if (!samvad::protocol::tus::ParseUint(it->second, &n) || n < static_cast<std::uint64_t>(lo) ||
      n > static_cast<std::uint64_t>(hi)) {
    std::fprintf(stderr, "samvad-central: %s must be %d to %d%s\n", name, lo, hi, range_note);
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

std::unique_ptr<Storage> OpenDb(const Args& a) {
  std::string error;
  auto db = Storage::Open(Opt(a, "--db", "sqlite:samvad-central.db"), &error);
  if (!db) std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
  return db;
}

bool MakeDirs(const std::string& path) {
  for (size_t slash = 1;; ++slash) {
    slash = path.find('/', slash);
    const std::string part = path.substr(0, slash);
    if (mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) return false;
    if (slash == std::string::npos) return true;
  }
}

// The QR as text: two modules per character cell with half blocks, light modules drawn, as on a
// dark terminal; a 4-module quiet zone so phone cameras find the edges.
void PrintQr(const std::string& text) {
  QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!qr) {
    std::fprintf(stderr, "samvad-central: could not make a QR code: %s\n", std::strerror(errno));
    return;
  }
  const int n = qr->width, quiet = 4;
  const auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= n || y >= n) return false;
    return (qr->data[y * n + x] & 1) != 0;
  };
  for (int y = -quiet; y < n + quiet; y += 2) {
    std::string line;
    for (int x = -quiet; x < n + quiet; ++x) {
      const bool top = !dark(x, y), bottom = !dark(x, y + 1);  // light = drawn
      line += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    std::printf("%s\n", line.c_str());
  }
  QRcode_free(qr);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] serve
// ---------------------------------------------------------------------------------------------

int Serve(const Args& a) {
  // glibc hands the top of a thread's heap back to the kernel (madvise) whenever more than
  // 128 KiB is free there: SQLite's statement journal did so about once per upload, and each
  // call costs a TLB shoot-down on every core. A server keeps up to 4 MiB per arena instead.
  // Setting the trim threshold also stops glibc adjusting its mmap threshold, so that is set
  // too: a buffer of 1 MiB or more (a bundle being imported) is mapped and given back whole.
  mallopt(M_TRIM_THRESHOLD, 4 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  samvad::central::ApiConfig cfg;
  std::string error;
  if (!samvad::central::LoadCatalog(Opt(a, "--catalog", SAMVAD_CATALOG_DIR), &cfg.catalog, &error)) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 1;
  }
  // Handlers block (a group commit's WAL sync, a batch's syncfs), and libmicrohttpd gives a new
  // connection to whichever pool thread accepts it first: with as many threads as busy
  // connections, two of them often share a thread and one's flush stalls the other. 16 makes
  // that rare for a ward's devices at a cost of idle stacks (DESIGN.md, "Upload throughput").
  int threads = 16, sweep_days = 30, seal_every_s = 300;
  if (!IntOpt(a, "--threads", 16, 1, 256, "", &threads) ||
      !IntOpt(a, "--sweep-days", 30, 0, 3650, " (0: never)", &sweep_days) ||
      !IntOpt(a, "--seal-every", 300, 0, 86400, " seconds (0: never)", &seal_every_s))
    return 2;
  cfg.media_dir = Opt(a, "--media", "samvad-media");
  if (!MakeDirs(cfg.media_dir)) {
    std::fprintf(stderr, "samvad-central: cannot create --media %s: %s\n", cfg.media_dir.c_str(), std::strerror(errno));
    return 1;
  }
  // Made here on first start, so every device finds a key to seal its bundles to (B5).
  samvad::bundle::CentralKeyPair bundle_key;
  bool made = false;
  const std::string key_path = Opt(a, "--bundle-key", samvad::central::DefaultBundleKeyPath(cfg.media_dir));
  if (!samvad::central::LoadBundleKey(key_path, /*create=*/true, &bundle_key, &made, &error)) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 1;
  }
  if (made) std::fprintf(stderr, "samvad-central: made a new bundle key at %s\n", key_path.c_str());
  cfg.bundle_key = bundle_key.pk;
  sodium_memzero(bundle_key.sk.bytes.data(), bundle_key.sk.bytes.size());  // serve never opens bundles
  auto db = OpenDb(a);
  if (!db) return 1;
  if (const auto st = db->SeedDepartments(cfg.catalog.departments); !st.ok()) {
    std::fprintf(stderr, "samvad-central: seeding departments: %s\n", st.message.c_str());
    return 1;
  }
  if (const auto st = db->SeedServices(cfg.catalog.services); !st.ok()) {
    std::fprintf(stderr, "samvad-central: seeding services: %s\n", st.message.c_str());
    return 1;
  }
  std::string bound;
  const int fd = samvad::central::ListenTcp(Opt(a, "--listen", "127.0.0.1:8311"), a.public_ok, &bound, &error);
  if (fd < 0) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 2;
  }
  cfg.base_url = Opt(a, "--base-url", "http://" + bound);
  while (!cfg.base_url.empty() && cfg.base_url.back() == '/') cfg.base_url.pop_back();

  // Block the stop signals before any thread exists, so they all inherit the mask and the main
  // thread alone receives them in sigwait below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  samvad::central::Api api(*db, cfg);
  if (const std::string settled = api.SettleUnsynced(); !settled.empty())
    std::fprintf(stderr, "samvad-central: %s\n", settled.c_str());
  samvad::central::HttpServer server;
  const auto route = [&api](const samvad::central::HttpRequest& r) { return api.Route(r); };
  if (!server.Start(fd, static_cast<unsigned>(threads), route, &error)) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 1;
  }
  // Tests and scripts read this line to learn the port; keep its shape.
  std::printf("samvad-central: listening on http://%s (%s, media in %s)\n", bound.c_str(),
              db->IsPostgres() ? "postgresql" : "sqlite", cfg.media_dir.c_str());
  std::fflush(stdout);
  // Housekeeping beside the handlers, on one thread: every --seal-every seconds, uploads
  // acknowledged unflushed that no device has sealed are sealed and published (Api::SealPending;
  // at start SettleUnsynced has just done it); at start and then every 24 hours, the media
  // folder's leftovers are swept (sweep.h).
  std::mutex chores_mu;
  std::condition_variable chores_cv;
  bool stopping = false;
  std::atomic<bool> stop_sweep{false};  // a sweep under way ends early (sweep.h)
  std::thread chores([&] {
    using Clock = std::chrono::steady_clock;
    const auto seal_period = std::chrono::seconds(seal_every_s);
    auto next_sweep = Clock::now(), next_seal = Clock::now() + seal_period;
    std::unique_lock lock(chores_mu);
    while (!stopping) {
      lock.unlock();
      if (seal_every_s > 0 && Clock::now() >= next_seal) {
        api.SealPending();  // a failure is logged; a device sealing itself is told at once
        next_seal = Clock::now() + seal_period;
      }
      if (sweep_days > 0 && Clock::now() >= next_sweep) {
        const samvad::central::SweepReport r =
            samvad::central::SweepMedia(*db, cfg.media_dir, sweep_days, std::time(nullptr), &stop_sweep);
        std::fprintf(stderr, "samvad-central: %s%s%s\n", samvad::central::SweepSummary(r, sweep_days).c_str(),
                     r.ok ? "" : "; left: ", r.problems.c_str());
        next_sweep = Clock::now() + std::chrono::hours(24);
      }
      lock.lock();
      auto wake = Clock::now() + std::chrono::hours(24);
      if (seal_every_s > 0) wake = std::min(wake, next_seal);
      if (sweep_days > 0) wake = std::min(wake, next_sweep);
      chores_cv.wait_until(lock, wake, [&] { return stopping; });
    }
  });
  int sig = 0;
  sigwait(&stop, &sig);
  {
    std::lock_guard lock(chores_mu);
    stopping = true;
  }
  stop_sweep = true;
  chores_cv.notify_all();
  chores.join();
  server.Stop();
  std::printf("samvad-central: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] devices and assignments: enroll, revoke, assign
// ---------------------------------------------------------------------------------------------

// --ward: a ward number of wards.tsv into `ward`, or "all" for every ward (""). Absent: "" too,
// unless `required`. False, having said why, otherwise.
bool WardOption(const Args& a, bool required, std::string* ward) {
  ward->clear();
  const auto it = a.opts.find("--ward");
  if (it == a.opts.end()) {
    if (required) std::fprintf(stderr, "samvad-central: --ward NN (or --ward all) is required\n");
    return !required;
  }
  if (it->second == "all") return true;
  samvad::central::Catalog catalog;
  std::string why;
  if (!samvad::central::LoadCatalog(Opt(a, "--catalog", SAMVAD_CATALOG_DIR), &catalog, &why)) {
    std::fprintf(stderr, "samvad-central: %s\n", why.c_str());
    return false;
  }
  if (!catalog.FindWard(it->second)) {
    std::fprintf(stderr, "samvad-central: --ward '%s' is not a ward number of wards.tsv (e.g. 08) or all\n",
                 it->second.c_str());
    return false;
  }
  *ward = it->second;
  return true;
}

// --kind: "kiosk" or "tablet", or "any" (and absent) for "" — every role. False, having said
// why, for anything else.
bool KindOption(const Args& a, std::string* kind) {
  *kind = Opt(a, "--kind", "any");
  if (*kind == "kiosk" || *kind == "tablet") return true;
  if (*kind == "any") {
    kind->clear();
    return true;
  }
  std::fprintf(stderr, "samvad-central: --kind '%s' is not kiosk, tablet or any\n", kind->c_str());
  return false;
}

int Enroll(const Args& a) {
  int hours = 24;
  if (!IntOpt(a, "--hours", 24, 1, 24 * 14, "", &hours)) return 2;
  std::string ward, kind;
  if (!WardOption(a, /*required=*/false, &ward) || !KindOption(a, &kind)) return 2;
  auto db = OpenDb(a);
  if (!db) return 1;
  const std::string label = Opt(a, "--label", "device");
  const std::string device = "dev-" + samvad::central::RandomHex(6);
  const std::string code = samvad::central::RandomEnrolmentCode();
  const auto st = db->AddEnrolment(device, label,
                                   samvad::central::Sha256Hex(samvad::central::NormalizeEnrolmentCode(code)),
                                   samvad::central::UnixNow() + hours * 3600, ward, kind);
  if (!st.ok()) {
    std::fprintf(stderr, "samvad-central: enrol: %s\n", st.message.c_str());
    return 1;
  }
  std::string payload = "samvad:enroll?code=" + code;
  if (const std::string url = Opt(a, "--url", ""); !url.empty()) payload += "&url=" + samvad::protocol::PercentEncode(url);
  std::printf("device: %s\nlabel:  %s\nward:   %s\nkind:   %s\ncode:   %s\n", device.c_str(), label.c_str(),
              ward.empty() ? "all" : ward.c_str(), kind.empty() ? "any" : kind.c_str(), code.c_str());
  std::printf("\nType the code on the device, or scan (valid once, for %d hours):\n\n", hours);
  PrintQr(payload);
  if (!a.opts.count("--ward")) {  // after the rest, which scripts read line by line
    std::fflush(stdout);
    std::fprintf(stderr, "samvad-central: no --ward: this device will be sent every ward's staff accounts and PIN "
                         "hashes; give --ward NN (or samvad-central scope later) to send only its ward's\n");
  }
  if (!a.opts.count("--kind")) {
    std::fflush(stdout);
    std::fprintf(stderr, "samvad-central: no --kind: this device will be sent every role's accounts; give --kind "
                         "kiosk for a ward office's public kiosk, tablet for an engineer's (or samvad-central scope later)\n");
  }
  return 0;
}

int Revoke(const Args& a) {
  if (a.positional.size() != 1) {
    std::fprintf(stderr, "usage: samvad-central revoke --db URL DEVICE_ID\n");
    return 2;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  bool found = false;
  if (const auto st = db->RevokeDevice(a.positional[0], &found); !st.ok()) {
    std::fprintf(stderr, "samvad-central: revoke: %s\n", st.message.c_str());
    return 1;
  }
  if (!found) {
    std::fprintf(stderr, "samvad-central: no device %s\n", a.positional[0].c_str());
    return 1;
  }
  std::printf("revoked %s: its key is refused from now on\n", a.positional[0].c_str());
  return 0;
}

int Scope(const Args& a) {
  std::string ward, kind;
  const bool set_ward = a.opts.count("--ward") > 0, set_kind = a.opts.count("--kind") > 0;
  if (a.positional.size() != 1 || (!set_ward && !set_kind)) {
    std::fprintf(stderr, "usage: samvad-central scope --db URL DEVICE_ID [--ward NN|all] [--kind kiosk|tablet|any]\n");
    return 2;
  }
  if (!WardOption(a, /*required=*/false, &ward) || !KindOption(a, &kind)) return 2;
  auto db = OpenDb(a);
  if (!db) return 1;
  const std::string& device = a.positional[0];
  bool found = false;
  const auto given = [](bool set, const std::string& v) { return set ? std::optional(v) : std::nullopt; };
  if (const auto st = db->SetDeviceScope(device, given(set_ward, ward), given(set_kind, kind), &found); !st.ok()) {
    std::fprintf(stderr, "samvad-central: scope: %s\n", st.message.c_str());
    return 1;
  }
  if (!found) {
    std::fprintf(stderr, "samvad-central: no device %s\n", device.c_str());
    return 1;
  }
  if (set_ward && ward.empty()) std::printf("%s: sent every ward's staff accounts from its next sync\n", device.c_str());
  else if (set_ward) std::printf("%s: sent ward %s's staff accounts only, from its next sync\n", device.c_str(), ward.c_str());
  if (set_kind && kind == "kiosk") std::printf("%s: a kiosk, sent no engineer's account from its next sync\n", device.c_str());
  else if (set_kind) std::printf("%s: sent every role's accounts from its next sync\n", device.c_str());
  return 0;
}

int Assign(const Args& a) {
  std::uint64_t id = 0;
  std::string to = Opt(a, "--to", "");
  if (to.empty() && a.positional.size() == 2) to = a.positional[1];
  const size_t want = a.opts.count("--to") ? 1 : 2;
  std::string user;
  if (a.positional.size() != want || to.empty() || !samvad::protocol::tus::ParseUint(a.positional[0], &id)) {
    std::fprintf(stderr, "usage: samvad-central assign --db URL REQUEST_ID USER_ID\n");
    return 2;
  }
  if (!samvad::protocol::open311::NormalizeUserId(to, &user)) {
    std::fprintf(stderr, "samvad-central: '%s' is not a staff user id\n", to.c_str());
    return 1;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  samvad::central::AssignResult result;
  if (const auto st = db->Assign(static_cast<std::int64_t>(id), user, &result); !st.ok()) {
    std::fprintf(stderr, "samvad-central: assign: %s\n", st.message.c_str());
    return 1;
  }
  switch (result) {
    case samvad::central::AssignResult::kAssigned:
      std::printf("assigned %lld to %s\n", static_cast<long long>(id), user.c_str());
      return 0;
    case samvad::central::AssignResult::kNoRequest:
      std::fprintf(stderr, "samvad-central: no service request %lld\n", static_cast<long long>(id));
      return 1;
    case samvad::central::AssignResult::kNoUser:
      std::fprintf(stderr, "samvad-central: no staff account %s (add it with `staff add`)\n", user.c_str());
      return 1;
    case samvad::central::AssignResult::kInactiveUser:
      std::fprintf(stderr, "samvad-central: staff account %s is disabled (`staff enable` first)\n", user.c_str());
      return 1;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] staff accounts: staff add | list | disable | enable | pin
// ---------------------------------------------------------------------------------------------

// One line from standard input, with echo off at a terminal. False at end of input.
bool ReadSecretLine(const char* prompt, bool tty, std::string* line) {
  termios saved{};
  const bool echo_off = tty && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) std::fprintf(stderr, "%s", prompt);
  if (echo_off) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  line->clear();
  int c = 0;
  while ((c = std::fgetc(stdin)) != EOF && c != '\n')
    if (line->size() < 64) line->push_back(static_cast<char>(c));  // longer is wrong anyway
  if (echo_off) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return c != EOF || !line->empty();
}

// The PIN's Argon2id hash, or "" after saying why. The PIN itself is wiped from memory.
std::string ReadPinHash() {
  const bool tty = isatty(STDIN_FILENO) == 1;
  std::string pin, again;
  std::string hash;
  if (!ReadSecretLine("PIN (4 to 8 digits): ", tty, &pin)) {
    std::fprintf(stderr, "samvad-central: no PIN on standard input (pipe it in, or type it at a terminal)\n");
  } else if (tty && (!ReadSecretLine("PIN again: ", tty, &again) || again != pin)) {
    std::fprintf(stderr, "samvad-central: the two PINs differ; nothing changed\n");
  } else {
    switch (samvad::model::CheckPinFormat(pin)) {
      case samvad::model::PinFormat::Ok:
        if (samvad::model::IsGuessablePin(pin)) {
          std::fprintf(stderr, "samvad-central: that PIN is among the first anyone would try (a repeated digit, a run "
                               "like 1234, a repeated pair like 1212, or a common one); choose another — 6 digits "
                               "are better than 4\n");
          break;
        }
        hash = samvad::model::HashPin(pin);
        if (hash.empty()) std::fprintf(stderr, "samvad-central: could not hash the PIN (out of memory?)\n");
        break;
      case samvad::model::PinFormat::TooShort:
        std::fprintf(stderr, "samvad-central: the PIN must have at least 4 digits\n");
        break;
      case samvad::model::PinFormat::TooLong:
        std::fprintf(stderr, "samvad-central: the PIN must have at most 8 digits\n");
        break;
      case samvad::model::PinFormat::NotDigits:
        std::fprintf(stderr, "samvad-central: the PIN must be digits only (the tablet's pad types 0-9)\n");
        break;
    }
  }
  sodium_memzero(pin.data(), pin.size());
  sodium_memzero(again.data(), again.size());
  return hash;
}

int StaffAdd(const Args& a) {
  samvad::central::StaffAccount acc;
  acc.user_id = Opt(a, "--user", "");
  acc.name = Opt(a, "--name", "");
  acc.ward = Opt(a, "--ward", "");
  acc.department = Opt(a, "--dept", "");
  acc.role = Opt(a, "--role", "");
  samvad::central::Catalog catalog;
  std::string why;
  if (!samvad::central::LoadCatalog(Opt(a, "--catalog", SAMVAD_CATALOG_DIR), &catalog, &why) ||
      !samvad::central::CheckStaffAccount(&acc, catalog, &why)) {
    std::fprintf(stderr, "samvad-central: %s\n", why.c_str());
    return 2;
  }
  auto db = OpenDb(a);  // before the PIN: a wrong --db should not cost a typed PIN
  if (!db) return 1;
  acc.pin_hash = ReadPinHash();
  if (acc.pin_hash.empty()) return 1;
  bool added = false;
  if (const auto st = db->AddStaff(acc, &added); !st.ok()) {
    std::fprintf(stderr, "samvad-central: staff add: %s\n", st.message.c_str());
    return 1;
  }
  if (!added) {
    std::fprintf(stderr, "samvad-central: %s exists already (staff pin sets a new PIN)\n", acc.user_id.c_str());
    return 1;
  }
  std::printf("added %s (%s, ward %s, %s)\n", acc.user_id.c_str(), acc.role.c_str(), acc.ward.c_str(),
              acc.department.c_str());
  return 0;
}

int StaffList(const Args& a) {
  auto db = OpenDb(a);
  if (!db) return 1;
  std::vector<samvad::central::StaffAccount> staff;
  if (const auto st = db->ListStaff(&staff); !st.ok()) {
    std::fprintf(stderr, "samvad-central: staff list: %s\n", st.message.c_str());
    return 1;
  }
  // Tab-separated, no hashes: for reading and for scripts.
  std::printf("user_id\trole\tward\tdepartment\tactive\tname\n");
  for (const auto& s : staff)
    std::printf("%s\t%s\t%s\t%s\t%s\t%s\n", s.user_id.c_str(), s.role.c_str(), s.ward.c_str(), s.department.c_str(),
                s.active ? "active" : "disabled", s.name.c_str());
  return 0;
}

// staff disable / enable / pin: one account, by --user.
int StaffChange(const std::string& sub, const Args& a) {
  std::string user;
  if (!samvad::protocol::open311::NormalizeUserId(Opt(a, "--user", ""), &user)) {
    std::fprintf(stderr, "usage: samvad-central staff %s --db URL --user ID\n", sub.c_str());
    return 2;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  bool found = false;
  samvad::central::Status st;
  if (sub == "pin") {
    const std::string hash = ReadPinHash();
    if (hash.empty()) return 1;
    st = db->SetStaffPin(user, hash, &found);
  } else {
    st = db->SetStaffActive(user, sub == "enable", &found);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "samvad-central: staff %s: %s\n", sub.c_str(), st.message.c_str());
    return 1;
  }
  if (!found) {
    std::fprintf(stderr, "samvad-central: no staff account %s\n", user.c_str());
    return 1;
  }
  if (sub == "pin") std::printf("new PIN set for %s; devices take it at their next sync\n", user.c_str());
  else std::printf("%s %s; devices take it at their next sync\n", user.c_str(), sub == "enable" ? "enabled" : "disabled");
  return 0;
}

int Staff(int argc, char** argv) {
  const std::string sub = argc > 2 ? argv[2] : "";
  Args args;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pin") == 0) {
      std::fprintf(stderr, "samvad-central: no --pin: a PIN on the command line is visible to every user (ps, shell "
                           "history); it is read from standard input\n");
      return 2;
    }
  }
  if (sub == "add")
    return ParseArgs(argc, argv, 3, {"--db", "--user", "--name", "--ward", "--dept", "--role", "--catalog"}, &args)
               ? StaffAdd(args) : 2;
  if (sub == "list") return ParseArgs(argc, argv, 3, {"--db"}, &args) ? StaffList(args) : 2;
  if (sub == "disable" || sub == "enable" || sub == "pin")
    return ParseArgs(argc, argv, 3, {"--db", "--user"}, &args) ? StaffChange(sub, args) : 2;
  std::fprintf(stderr, "samvad-central: staff add | list | disable | enable | pin (see --help)\n");
  return 2;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] sneakernet bundles: keys, import
// ---------------------------------------------------------------------------------------------

std::string KeyPath(const Args& a) {
  return Opt(a, "--bundle-key", samvad::central::DefaultBundleKeyPath(Opt(a, "--media", "samvad-media")));
}

int Keys(const Args& a) {
  if (!a.positional.empty()) {
    std::fprintf(stderr, "usage: samvad-central keys [--media DIR] [--bundle-key FILE]\n");
    return 2;
  }
  samvad::bundle::CentralKeyPair key;
  bool made = false;
  std::string error;
  const std::string path = KeyPath(a);
  if (!samvad::central::LoadBundleKey(path, /*create=*/true, &key, &made, &error)) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 1;
  }
  sodium_memzero(key.sk.bytes.data(), key.sk.bytes.size());
  std::printf("secret key: %s%s\nkey id:     %s\npublic key: %s\n", path.c_str(), made ? " (made just now)" : "",
              samvad::central::BundleKeyId(key.pk).c_str(), samvad::central::KeyHex(key.pk).c_str());
  return 0;
}

int Import(const Args& a) {
  if (a.positional.size() != 1) {
    std::fprintf(stderr, "usage: samvad-central import --db URL [--media DIR] [--bundle-key FILE] BUNDLE\n");
    return 2;
  }
  samvad::central::ImportConfig cfg;
  cfg.bundle_path = a.positional[0];
  cfg.media_dir = Opt(a, "--media", "samvad-media");
  std::string error;
  bool made = false;
  // Never made here: a new key could not open a bundle sealed to any earlier one.
  if (!samvad::central::LoadBundleKey(KeyPath(a), /*create=*/false, &cfg.key, &made, &error)) {
    std::fprintf(stderr, "samvad-central: import: %s\n", error.c_str());
    return 1;
  }
  samvad::central::Catalog catalog;
  if (!samvad::central::LoadCatalog(Opt(a, "--catalog", SAMVAD_CATALOG_DIR), &catalog, &error)) {
    std::fprintf(stderr, "samvad-central: import: %s\n", error.c_str());
    return 1;
  }
  cfg.wards = catalog.wards;
  if (!MakeDirs(cfg.media_dir)) {
    std::fprintf(stderr, "samvad-central: import: cannot create --media %s: %s\n", cfg.media_dir.c_str(),
                 std::strerror(errno));
    return 1;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  const samvad::central::ImportReport r = samvad::central::ImportBundleFile(*db, cfg);
  sodium_memzero(cfg.key.sk.bytes.data(), cfg.key.sk.bytes.size());
  if (!r.ok) {
    std::fprintf(stderr, "samvad-central: import: %s\n", r.message.c_str());
    return 1;
  }
  std::printf("imported %s from device %s (exported %s): complaints %d new, %d already present, %d refused; "
              "photos %d new, %d already present, %d refused\n",
              cfg.bundle_path.c_str(), r.device_id.c_str(),
              samvad::protocol::open311::FormatDatetime(r.created_at).c_str(), r.complaints_new, r.complaints_present,
              r.complaints_refused, r.photos_new, r.photos_present, r.photos_refused);
  for (const std::string& line : r.refusals) std::fprintf(stderr, "samvad-central: import: refused %s\n", line.c_str());
  return r.refusals.empty() ? 0 : 3;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] sweep: what the media folder no longer needs
// ---------------------------------------------------------------------------------------------

namespace {

// Two kinds of leftovers (sweep.h): uploads a device began and never finished (a device
// replaced, a complaint re-filed), and files no upload row names (an import or a create cut by a
// crash before its COMMIT reached the disk). `serve` runs the same daily (--sweep-days).
int Sweep(const Args& a) {
  int days = 30;
  if (!IntOpt(a, "--days", 30, 1, 3650, "", &days)) return 2;
  if (!a.positional.empty()) {
    std::fprintf(stderr, "usage: samvad-central sweep --db URL [--media DIR] [--days N]   (N: 1 to 3650)\n");
    return 2;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  const samvad::central::SweepReport r = samvad::central::SweepMedia(*db, Opt(a, "--media", "samvad-media"), days,
                                                                     std::time(nullptr));
  if (!r.ok) std::fprintf(stderr, "samvad-central: sweep: %s\n", r.problems.c_str());
  std::printf("%s\n", samvad::central::SweepSummary(r, days).c_str());
  return r.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!samvad::central::CryptoInit()) {
    std::fprintf(stderr, "samvad-central: libsodium could not initialise\n");
    return 1;
  }
  const std::string cmd = argv[1];
  Args args;
  if (cmd == "serve") {
    if (!ParseArgs(argc, argv, 2,
                   {"--db", "--listen", "--media", "--catalog", "--base-url", "--threads", "--bundle-key",
                    "--sweep-days", "--seal-every"},
                   &args))
      return 2;
    if (!args.positional.empty()) {
      std::fprintf(stderr, "samvad-central: serve takes no positional arguments\n");
      return 2;
    }
    return Serve(args);
  }
  if (cmd == "enroll")
    return ParseArgs(argc, argv, 2, {"--db", "--label", "--url", "--hours", "--ward", "--kind", "--catalog"}, &args) ? Enroll(args) : 2;
  if (cmd == "revoke") return ParseArgs(argc, argv, 2, {"--db"}, &args) ? Revoke(args) : 2;
  if (cmd == "scope") return ParseArgs(argc, argv, 2, {"--db", "--ward", "--kind", "--catalog"}, &args) ? Scope(args) : 2;
  if (cmd == "assign") return ParseArgs(argc, argv, 2, {"--db", "--to"}, &args) ? Assign(args) : 2;
  if (cmd == "staff") return Staff(argc, argv);
  if (cmd == "keys") return ParseArgs(argc, argv, 2, {"--media", "--bundle-key", "--db"}, &args) ? Keys(args) : 2;
  if (cmd == "sweep") return ParseArgs(argc, argv, 2, {"--db", "--media", "--days"}, &args) ? Sweep(args) : 2;
  if (cmd == "import")
    return ParseArgs(argc, argv, 2, {"--db", "--media", "--bundle-key", "--catalog"}, &args) ? Import(args) : 2;
  std::fprintf(stderr, "samvad-central: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
