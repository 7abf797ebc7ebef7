// main.cpp — the samvad-central command line: `serve` runs the queue; `enroll`, `revoke` and
// `assign` are the administrator's commands against the same database. Parses arguments, wires
// the parts together and reports; it holds no logic the tests could not reach through them.
#include <qrencode.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "sync/central/api.h"
#include "sync/central/catalog.h"
#include "sync/central/crypto.h"
#include "sync/central/http.h"
#include "sync/central/storage.h"
#include "sync/protocol/form.h"

#ifndef SAMVAD_CATALOG_DIR
#define SAMVAD_CATALOG_DIR "assets/catalog"
#endif

namespace {

using samvad::central::Storage;

constexpr const char* kUsage =
    "samvad-central — Samvad's central complaint queue (Open311 GeoReport v2 + extensions)\n"
    "\n"
    "usage:\n"
    "  samvad-central serve  --db URL [--listen HOST:PORT] [--media DIR] [--catalog DIR]\n"
    "                        [--base-url URL] [--threads N] [--public]\n"
    "  samvad-central enroll --db URL [--label TEXT] [--url BASE_URL] [--hours N]\n"
    "  samvad-central revoke --db URL DEVICE_ID\n"
    "  samvad-central assign --db URL REQUEST_ID --to USER\n"
    "  samvad-central --help\n"
    "\n"
    "  --db URL        sqlite:PATH (default sqlite:samvad-central.db) or postgresql://…\n"
    "  --listen        default 127.0.0.1:8311; port 0 picks a free port. Loopback only unless\n"
    "                  --public: put a TLS-terminating proxy in front for devices.\n"
    "  --media DIR     where uploaded photos are kept (default ./samvad-media)\n"
    "  --catalog DIR   categories.tsv, departments.tsv, wards.tsv (default " SAMVAD_CATALOG_DIR ")\n"
    "  --base-url URL  how devices reach this server, for media_url and Location\n"
    "                  (default http://<listen address>)\n"
    "\n"
    "enroll prints a one-time code (and its QR) that a device trades for its key at\n"
    "POST /devices/enroll.json; revoke makes a device's key answer 403 from then on.\n";

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

int Serve(const Args& a) {
  samvad::central::ApiConfig cfg;
  std::string error;
  if (!samvad::central::LoadCatalog(Opt(a, "--catalog", SAMVAD_CATALOG_DIR), &cfg.catalog, &error)) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 1;
  }
  unsigned threads = 4;
  const std::string t = Opt(a, "--threads", "4");
  if (std::from_chars(t.data(), t.data() + t.size(), threads).ec != std::errc() || threads == 0 || threads > 256) {
    std::fprintf(stderr, "samvad-central: --threads must be 1 to 256\n");
    return 2;
  }
  cfg.media_dir = Opt(a, "--media", "samvad-media");
  if (!MakeDirs(cfg.media_dir)) {
    std::fprintf(stderr, "samvad-central: cannot create --media %s: %s\n", cfg.media_dir.c_str(), std::strerror(errno));
    return 1;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
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
  samvad::central::HttpServer server;
  if (!server.Start(fd, threads, [&api](const samvad::central::HttpRequest& r) { return api.Route(r); }, &error)) {
    std::fprintf(stderr, "samvad-central: %s\n", error.c_str());
    return 1;
  }
  // Tests and scripts read this line to learn the port; keep its shape.
  std::printf("samvad-central: listening on http://%s (%s, media in %s)\n", bound.c_str(),
              db->IsPostgres() ? "postgresql" : "sqlite", cfg.media_dir.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server.Stop();
  std::printf("samvad-central: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

int Enroll(const Args& a) {
  int hours = 24;
  const std::string h = Opt(a, "--hours", "24");
  if (std::from_chars(h.data(), h.data() + h.size(), hours).ec != std::errc() || hours < 1 || hours > 24 * 14) {
    std::fprintf(stderr, "samvad-central: --hours must be 1 to 336\n");
    return 2;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  const std::string label = Opt(a, "--label", "device");
  const std::string device = "dev-" + samvad::central::RandomHex(6);
  const std::string code = samvad::central::RandomEnrolmentCode();
  const auto st = db->AddEnrolment(device, label,
                                   samvad::central::Sha256Hex(samvad::central::NormalizeEnrolmentCode(code)),
                                   samvad::central::UnixNow() + hours * 3600);
  if (!st.ok()) {
    std::fprintf(stderr, "samvad-central: enrol: %s\n", st.message.c_str());
    return 1;
  }
  std::string payload = "samvad:enroll?code=" + code;
  if (const std::string url = Opt(a, "--url", ""); !url.empty()) payload += "&url=" + samvad::protocol::PercentEncode(url);
  std::printf("device: %s\nlabel:  %s\ncode:   %s\n", device.c_str(), label.c_str(), code.c_str());
  std::printf("\nType the code on the device, or scan (valid once, for %d hours):\n\n", hours);
  PrintQr(payload);
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

int Assign(const Args& a) {
  std::int64_t id = 0;
  const std::string to = Opt(a, "--to", "");
  if (a.positional.size() != 1 || to.empty() ||
      std::from_chars(a.positional[0].data(), a.positional[0].data() + a.positional[0].size(), id).ec != std::errc()) {
    std::fprintf(stderr, "usage: samvad-central assign --db URL REQUEST_ID --to USER\n");
    return 2;
  }
  auto db = OpenDb(a);
  if (!db) return 1;
  bool found = false;
  if (const auto st = db->Assign(id, to, &found); !st.ok()) {
    std::fprintf(stderr, "samvad-central: assign: %s\n", st.message.c_str());
    return 1;
  }
  if (!found) {
    std::fprintf(stderr, "samvad-central: no service request %lld\n", static_cast<long long>(id));
    return 1;
  }
  std::printf("assigned %lld to %s\n", static_cast<long long>(id), to.c_str());
  return 0;
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
    if (!ParseArgs(argc, argv, 2, {"--db", "--listen", "--media", "--catalog", "--base-url", "--threads"}, &args))
      return 2;
    if (!args.positional.empty()) {
      std::fprintf(stderr, "samvad-central: serve takes no positional arguments\n");
      return 2;
    }
    return Serve(args);
  }
  if (cmd == "enroll") return ParseArgs(argc, argv, 2, {"--db", "--label", "--url", "--hours"}, &args) ? Enroll(args) : 2;
  if (cmd == "revoke") return ParseArgs(argc, argv, 2, {"--db"}, &args) ? Revoke(args) : 2;
  if (cmd == "assign") return ParseArgs(argc, argv, 2, {"--db", "--to"}, &args) ? Assign(args) : 2;
  std::fprintf(stderr, "samvad-central: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
