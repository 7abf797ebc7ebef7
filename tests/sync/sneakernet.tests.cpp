// sneakernet.tests.cpp — issue 6, item 4, end to end: a real device store files complaints with
// photos while central is unreachable, ExportUnsent writes one bundle, `samvad-central import`
// (the real binary) ingests it, and the device's next sync finds everything acknowledged without
// sending a photo byte again. Then what must be refused, with nothing changed: a second import
// (changes nothing), a flipped byte, a cut file, a revoked or unknown device, a forged signature.
// Runs against SQLite and PostgreSQL (ctest sync.sneakernet.*).
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "app/report/reconciliation.h"
#include "client_rig.h"
#include "sync/bundle/bundle.h"
#include "sync/client/export.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"

namespace {

using namespace samvad;
using namespace samvad::testing::client;

// Central (SQLite or PostgreSQL) in a folder of its own whose media folder and bundle key the
// test can name, optionally behind the fault proxy; one enrolled device key.
class SneakerRig {
  TempDir dir_;

 public:
  explicit SneakerRig(bool with_proxy = false) : dir_("sneaker-central") {
    std::string why;
    db = UsingPostgres() ? NewPostgresDatabase(&why) : "sqlite:" + dir_.str() + "/central.db";
    INFO(why);
    REQUIRE(!db.empty());
    media = dir_.str() + "/media";
    const int proxy_port = with_proxy ? FreeLoopbackPort() : 0;
    const bool started =
        central.Start(db, media, 0, with_proxy ? "http://127.0.0.1:" + std::to_string(proxy_port) : "", &why);
    INFO(why);
    REQUIRE(started);
    if (with_proxy) {
      proxy = std::make_unique<testing::FaultProxy>(central.port());
      const bool ok = proxy->Start(&why, proxy_port);
      INFO(why);
      REQUIRE(ok);
    }
    api_key = central.EnrollDevice(&why);
    INFO(why);
    REQUIRE(!api_key.empty());
  }
  const std::string& dir() const { return dir_.str(); }

  sync::SyncConfig Config(Device& device) const {
    sync::SyncConfig c;
    c.base_url = proxy ? "http://127.0.0.1:" + std::to_string(proxy->port()) : central.url();
    c.api_key = api_key;
    c.photos_dir = device.photos_dir();
    c.data_dir = device.data_dir();
    c.backoff = {20, 200};
    c.interval_ms = 3600'000;
    c.transport.connect_timeout_s = 5;
    if (std::getenv("SAMVAD_TEST_TRACE")) c.log = [](const std::string& line) { std::fprintf(stderr, "sync: %s\n", line.c_str()); };
    return c;
  }

  // `samvad-central import BUNDLE` against this central: exit code, output in `out`.
  int Import(const std::string& bundle_path, std::string* out) const {
    return central.Cli({"import", "--media", media, bundle_path}, out);
  }

  // Requests central holds (no media).
  size_t RequestCount() const {
    std::vector<CentralRequest> held;
    std::string why;
    const bool read = ReadAllRequests(central.url(), false, &held, &why);
    INFO(why);
    REQUIRE(read);
    return held.size();
  }

  std::string db, media, api_key;
  CentralServer central;
  std::unique_ptr<testing::FaultProxy> proxy;
};

// The UI's listing (export.h's example, verbatim): every entry not sent, failed ones included.
sync::ExportConfig ExportTo(Device& dev, const std::string& out_dir) {
  sync::ExportConfig ec;
  ec.data_dir = dev.data_dir();
  ec.photos_dir = dev.photos_dir();
  ec.out_dir = out_dir;
  store::ComplaintStore& store = dev.store();
  ec.list_unsent = [&store](std::vector<samvad::model::OutboxEntry>* out) {
    std::vector<samvad::store::OutboxRow> rows;
    if (auto r = store.outbox().List(0, &rows); r != samvad::model::OutboxResult::Ok) return r;
    for (const auto& row : rows) {
      if (row.state == samvad::model::OutboxState::Sent) continue;
      samvad::model::Ticket t;
      if (samvad::model::ParseTicket(row.ticket, &t) != samvad::model::TicketError::None) continue;
      samvad::model::OutboxEntry e;
      if (auto r = store.outbox().Get(t, &e); r != samvad::model::OutboxResult::Ok) return r;
      out->push_back(std::move(e));
    }
    return samvad::model::OutboxResult::Ok;
  };
  return ec;
}

// One clean session while central is reachable: what gives a device central's bundle key and
// registers its signing key.
void SyncOnce(SneakerRig& rig, Device& dev) {
  sync::SyncEngine engine(rig.Config(dev), dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(60)));
  engine.Stop();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteText(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.good());
}

// The device id central gave this device, as the engine recorded it at registration.
std::string RegisteredDeviceId(Device& dev) {
  const std::string text = ReadText(dev.data_dir() + "/bundle/registered.txt");
  const size_t at = text.find("device_id ");
  REQUIRE(at != std::string::npos);
  return text.substr(at + 10, text.find('\n', at) - at - 10);
}

// Names in a folder (no . and ..): the media folder must not gain files from a refused import.
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A device that has synced once, then filed `n` complaints with photos while central was away,
// and the bundle it exported of them.
struct Exported {
  std::vector<Device::Filed> filed;
  sync::ExportResult result;
};

Exported FileAndExport(SneakerRig& rig, Device& dev, const std::string& out_dir, std::uint64_t seed) {
  SyncOnce(rig, dev);
  Exported e;
  e.filed = FileMany(dev, 2, 120 << 10, 12 << 10, seed);
  sync::ExportResult r = sync::ExportUnsent(dev.outbox(), ExportTo(dev, out_dir));
  INFO(r.message);
  REQUIRE(r.ok());
  e.result = r;
  return e;
}

}  // namespace

TEST_CASE("Sneakernet round trip: exported with central unreachable, imported, then acknowledged at the next sync",
          "[sneakernet][backend]") {
  SneakerRig rig;
  Device dev("sneaker-dev");
  TempDir stick("sneaker-stick");
  SyncOnce(rig, dev);  // enrolled and online once: central's key and ours are settled
  struct stat sb{};
  REQUIRE(stat((dev.data_dir() + "/bundle/device-sign.key").c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  CHECK(ReadText(dev.data_dir() + "/bundle/central-box.pub").rfind("samvad-central-box-public-v1 ", 0) == 0);

  // Five complaints while the link to central is down: three with a photo, one with three, one without.
  auto one = FileMany(dev, 3, 180 << 10, 18 << 10, 11);
  auto three = FileMany(dev, 1, 150 << 10, 15 << 10, 12, model::kMaxPhotos);
  auto none = FileMany(dev, 1, 0, 0, 13);
  std::vector<Device::Filed> all = one;
  all.insert(all.end(), three.begin(), three.end());
  all.insert(all.end(), none.begin(), none.end());
  rig.central.Stop();
  {
    sync::SyncEngine engine(rig.Config(dev), dev.outbox());
    engine.Start();
    REQUIRE(engine.WaitForSessions(0, std::chrono::seconds(30)) >= 1);
    CHECK(engine.Snapshot().last_action == sync::Action::Transient);
    CHECK_THAT(engine.Snapshot().cause, Catch::Contains("unreachable"));
    engine.Stop();
  }
  CHECK(PendingEntries(dev.outbox()) == 5);

  const sync::ExportResult ex = sync::ExportUnsent(dev.outbox(), ExportTo(dev, stick.str()));
  INFO(ex.message);
  REQUIRE(ex.ok());
  CHECK(ex.complaints == 5);
  CHECK(ex.photos == 6);
  CHECK(ex.thumbnails == 6);
  CHECK(ex.left_out.empty());
  CHECK(ex.path.rfind(stick.str() + "/samvad-08-001-", 0) == 0);
  CHECK(ex.path.size() > 7);
  CHECK(ex.path.compare(ex.path.size() - 7, 7, ".bundle") == 0);
  CHECK(ex.bytes > 6 * (150 << 10));
  CHECK(Listing(stick.str()).size() == 1);  // no .part left beside it
  CHECK(PendingEntries(dev.outbox()) == 5);  // the export marks nothing sent

  std::string why;
  REQUIRE(rig.central.Restart(&why));
  std::string out;
  const int code = rig.Import(ex.path, &out);
  INFO(out);
  REQUIRE(code == 0);
  CHECK_THAT(out, Catch::Contains("complaints 5 new, 0 already present, 0 refused"));
  CHECK_THAT(out, Catch::Contains("photos 12 new, 0 already present, 0 refused"));

  // Reconciliation at central: exactly these five, every photo byte for byte.
  std::vector<CentralRequest> held;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  REQUIRE(held.size() == 5);
  for (const auto& f : all) {
    int found = 0;
    for (const auto& q : held) {
      if (q.ticket != f.result.ticket_display) continue;
      ++found;
      CHECK(q.photo_sha256 == f.photo_sha256);
      CHECK(q.thumb_sha256 == f.thumb_sha256);
      CHECK(q.photos_sha256 == f.photos_sha256);
    }
    CHECK(found == 1);
  }

  // The device's next sync: every entry acknowledged with central's id, and no photo sent again.
  CallLog calls;
  sync::SyncConfig cfg = rig.Config(dev);
  cfg.log = calls.Sink();
  sync::SyncEngine engine(cfg, dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(60)));
  const sync::SyncSnapshot s = engine.Snapshot();
  engine.Stop();
  CHECK(s.items_sent == 5);
  for (const auto& f : all) {
    model::OutboxEntry e;
    REQUIRE(dev.store().outbox().Get(f.result.ticket, &e) == model::OutboxResult::Ok);
    CHECK(e.state == model::OutboxState::Sent);
    for (const auto& q : held)
      if (q.ticket == f.result.ticket_display) CHECK(q.id == e.central_id);
  }
  CHECK(rig.RequestCount() == 5);  // the replays made nothing new
  // The staff's reconciliation (app/report, what the sync screen exports) says the same.
  report::Reconciliation rec;
  std::string rec_error;
  REQUIRE(report::LoadReconciliation(dev.store(), std::time(nullptr), &rec, &rec_error));
  CHECK(rec.totals.created == 5);
  CHECK(rec.totals.acknowledged == 5);
  CHECK(rec.totals.waiting == 0);
  CHECK(rec.totals.failed == 0);
  for (const report::ReconRow& row : rec.rows) {
    CHECK(row.standing == report::Standing::Acknowledged);
    bool matched = false;
    for (const auto& q : held) matched = matched || (q.ticket == row.ticket && q.id == row.central_id);
    CHECK(matched);
  }
  const std::int64_t photo_bytes = 3 * ((180 << 10) + (18 << 10)) + 3 * ((150 << 10) + (15 << 10));
  int patches = 0;
  for (const auto& line : calls.Lines()) patches += line.rfind("PATCH ", 0) == 0;
  INFO("wire bytes up " << s.wire_bytes_up << " for " << photo_bytes << " bytes of photos");
  CHECK(patches == 0);
  CHECK(s.wire_bytes_up < photo_bytes / 20);  // creates replayed, uploads asked about: headers only
}

TEST_CASE("Importing a bundle twice changes nothing", "[sneakernet][backend]") {
  SneakerRig rig;
  Device dev("sneaker-twice");
  TempDir stick("sneaker-stick");
  const Exported e = FileAndExport(rig, dev, stick.str(), 21);
  std::string out;
  REQUIRE(rig.Import(e.result.path, &out) == 0);
  CHECK_THAT(out, Catch::Contains("complaints 2 new"));
  const std::vector<std::string> media = Listing(rig.media);
  std::vector<CentralRequest> before, after;
  std::string why;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &before, &why));

  const int again = rig.Import(e.result.path, &out);
  INFO(out);
  CHECK(again == 0);
  CHECK_THAT(out, Catch::Contains("complaints 0 new, 2 already present, 0 refused"));
  CHECK_THAT(out, Catch::Contains("photos 0 new, 4 already present, 0 refused"));
  REQUIRE(ReadAllRequests(rig.central.url(), true, &after, &why));
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].id == before[i].id);
    CHECK(after[i].photo_sha256 == before[i].photo_sha256);
    CHECK(after[i].thumb_sha256 == before[i].thumb_sha256);
  }
  CHECK(Listing(rig.media) == media);  // no photo file left behind by the second run
  // The feed too: one "Complaint received" per complaint, not two.
  const Got feed = HttpGet(rig.central.url() + "/servicerequestupdates.json?limit=500");
  const auto json = protocol::ParseJson(feed.body, &why);
  REQUIRE(json);
  CHECK(json->items.size() == 2);
}

TEST_CASE("A tampered, truncated or foreign file is refused with a clear message and nothing changes",
          "[sneakernet][backend]") {
  SneakerRig rig;
  Device dev("sneaker-tamper");
  TempDir stick("sneaker-stick");
  const Exported e = FileAndExport(rig, dev, stick.str(), 31);
  const std::string good = ReadText(e.result.path);
  REQUIRE(good.size() > 202 + 65536);
  const std::vector<std::string> media = Listing(rig.media);
  const size_t requests = rig.RequestCount();
  const auto refused = [&](const std::string& bytes, const std::string& name, const std::string& says) {
    const std::string path = stick.str() + "/" + name;
    WriteText(path, bytes);
    std::string out;
    const int code = rig.Import(path, &out);
    INFO(out);
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains(says));
    CHECK_THAT(out, Catch::Contains("nothing was imported"));
    // One line: a message for a person, not a dump.
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    CHECK(rig.RequestCount() == requests);
    CHECK(Listing(rig.media) == media);
  };

  SECTION("a byte flipped inside a photo's chunk") {
    std::string bad = good;
    bad[202 + 65536 + 1000] = static_cast<char>(bad[202 + 65536 + 1000] ^ 0x01);
    refused(bad, "flipped.bundle", "tampered");
  }
  SECTION("a byte flipped in the sealed key block") {
    std::string bad = good;
    bad[100] = static_cast<char>(bad[100] ^ 0x80);
    refused(bad, "keyblock.bundle", "tampered");
  }
  SECTION("cut short, as by a stick pulled out mid-copy") {
    refused(good.substr(0, good.size() - 3000), "cut.bundle", "truncated");
    refused(good.substr(0, 150), "stub.bundle", "truncated");
  }
  SECTION("an unfinished export") { refused(good, "samvad-08-001-x.bundle.part", "unfinished"); }
  SECTION("not a bundle at all") { refused(std::string(4096, 'J'), "photo.jpg", "not a Samvad bundle"); }
  SECTION("addressed to another central") {
    std::string bad = good;
    bad[12] = static_cast<char>(bad[12] ^ 0x01);  // the key id
    refused(bad, "other.bundle", "another central");
  }
  // Nothing above touched the device either: the real bundle still imports whole.
  std::string out;
  CHECK(rig.Import(e.result.path, &out) == 0);
  CHECK_THAT(out, Catch::Contains("complaints 2 new"));
}

TEST_CASE("A bundle from a revoked, unregistered or impersonated device is refused", "[sneakernet][backend]") {
  SneakerRig rig;
  Device dev("sneaker-device");
  TempDir stick("sneaker-stick");
  const Exported e = FileAndExport(rig, dev, stick.str(), 41);
  const std::string device_id = RegisteredDeviceId(dev);
  const std::vector<std::string> media = Listing(rig.media);
  std::string out;

  // Central's public key, as every device has it.
  bundle::CentralPublicKey central;
  REQUIRE(bundle::LoadKeyFile(dev.data_dir() + "/bundle/central-box.pub", &central));
  const auto forge = [&](const std::string& name, const std::string& claimed, const bundle::DeviceSecretKey& key) {
    bundle::BundleWriter w;
    const std::string path = stick.str() + "/" + name;
    REQUIRE(w.Open(path, central, key, claimed, 1700000000));
    REQUIRE(w.AddRecord("complaint", "9b2f0c9e-3f51-4c7e-9d0a-5e8a1f2b3c4d",
                        R"({"form":"service_code=pothole&description=x&address_string=Ward+G%2FN&attribute%5Bclient_uuid%5D=9b2f0c9e-3f51-4c7e-9d0a-5e8a1f2b3c4d","photos":[]})"));
    REQUIRE(w.Finish());
    return path;
  };

  SECTION("signed with another key in a real device's name") {
    const bundle::DeviceKeyPair thief = bundle::MakeDeviceKeyPair();
    const int code = rig.Import(forge("forged.bundle", device_id, thief.sk), &out);
    INFO(out);
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("is not signed with that device's key"));
  }
  SECTION("from a device central never enrolled") {
    const bundle::DeviceKeyPair stranger = bundle::MakeDeviceKeyPair();
    const int code = rig.Import(forge("stranger.bundle", "dev-000000000000", stranger.sk), &out);
    INFO(out);
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("does not know"));
  }
  SECTION("from a device enrolled that never registered a signing key") {
    REQUIRE(rig.central.Cli({"enroll", "--label", "never online"}, &out) == 0);
    const size_t at = out.find("device: ");
    REQUIRE(at != std::string::npos);
    const std::string enrolled = out.substr(at + 8, out.find('\n', at) - at - 8);
    const bundle::DeviceKeyPair unregistered = bundle::MakeDeviceKeyPair();
    const int code = rig.Import(forge("unregistered.bundle", enrolled, unregistered.sk), &out);
    INFO(out);
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("has not registered a signing key"));
  }
  SECTION("from a device revoked since") {
    REQUIRE(rig.central.Cli({"revoke", device_id}, &out) == 0);
    const int code = rig.Import(e.result.path, &out);
    INFO(out);
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("revoked"));
  }
  CHECK(rig.RequestCount() == 0);
  CHECK(Listing(rig.media) == media);
}

TEST_CASE("A device's signing key is registered once; another one later is refused", "[sneakernet][backend]") {
  SneakerRig rig;
  Device dev("sneaker-register");
  SyncOnce(rig, dev);
  const std::string reg = ReadText(dev.data_dir() + "/bundle/registered.txt");
  const size_t at = reg.find("sign_key ");
  REQUIRE(at != std::string::npos);
  const std::string mine = reg.substr(at + 9, 64);
  const auto post = [&](const std::string& key) {
    return HttpPostForm(rig.central.url() + "/devices/sign-key.json",
                        protocol::EncodeForm({{"api_key", rig.api_key}, {"sign_key", key}}));
  };
  const Got same = post(mine);
  CHECK(same.status == 200);  // idempotent
  CHECK_THAT(same.body, Catch::Contains(mine));
  const bundle::DeviceKeyPair other = bundle::MakeDeviceKeyPair();
  char hex[65];
  for (size_t i = 0; i < 32; ++i) std::snprintf(hex + 2 * i, 3, "%02x", other.pk.bytes[i]);
  const Got replaced = post(hex);
  CHECK(replaced.status == 409);
  CHECK_THAT(replaced.body, Catch::Contains("never replaced"));
  CHECK(post(std::string(64, 'g')).status == 400);
  CHECK(post(std::string(64, '0')).status == 400);  // not a usable point
  CHECK(HttpPostForm(rig.central.url() + "/devices/sign-key.json", "sign_key=" + mine).status == 403);
  // Central's public key is public, and the same one `samvad-central keys` prints.
  const Got key = HttpGet(rig.central.url() + "/bundle-key.json");
  REQUIRE(key.status == 200);
  std::string out;
  REQUIRE(rig.central.Cli({"keys", "--media", rig.media}, &out) == 0);
  std::string why;
  const auto json = protocol::ParseJson(key.body, &why);
  REQUIRE(json);
  CHECK_THAT(out, Catch::Contains(json->Str("public_key")));
  CHECK_THAT(out, Catch::Contains(json->Str("key_id")));
  struct stat sb{};
  REQUIRE(stat((rig.media + ".bundle-key").c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
}

TEST_CASE("Export says what is missing, and leaves a damaged photo out rather than the complaint",
          "[sneakernet]") {
  SneakerRig rig;
  Device dev("sneaker-export");
  TempDir stick("sneaker-stick");
  FileMany(dev, 1, 0, 0, 50);
  // Never online since enrolment: no key to seal to, so no bundle.
  sync::ExportResult r = sync::ExportUnsent(dev.outbox(), ExportTo(dev, stick.str()));
  CHECK(r.error == sync::ExportError::kNoCentralKey);
  CHECK_THAT(r.message, Catch::Contains("sync once"));
  SyncOnce(rig, dev);
  r = sync::ExportUnsent(dev.outbox(), ExportTo(dev, stick.str()));
  CHECK(r.error == sync::ExportError::kNothingToExport);
  CHECK(Listing(stick.str()).empty());

  auto filed = FileMany(dev, 2, 100 << 10, 10 << 10, 51);
  {
    std::fstream damage(dev.photos_dir() + "/" + filed[0].photo_sha256 + ".jpg", std::ios::binary | std::ios::in | std::ios::out);
    REQUIRE(damage);
    damage.seekp(500);
    damage.write("XXXX", 4);
  }
  r = sync::ExportUnsent(dev.outbox(), ExportTo(dev, stick.str()));
  INFO(r.message);
  REQUIRE(r.ok());
  CHECK(r.complaints == 2);
  CHECK(r.photos == 1);
  CHECK(r.thumbnails == 2);
  REQUIRE(r.left_out.size() == 1);
  CHECK_THAT(r.left_out[0], Catch::Contains(filed[0].result.ticket_display + ": photo 1 is damaged"));
  std::string out;
  CHECK(rig.Import(r.path, &out) == 0);
  CHECK_THAT(out, Catch::Contains("complaints 2 new"));
  CHECK_THAT(out, Catch::Contains("photos 3 new"));

  // A stick that cannot take the file: a clear failure, and nothing left on it.
  const sync::ExportResult nowhere = sync::ExportUnsent(dev.outbox(), ExportTo(dev, stick.str() + "/missing"));
  CHECK(nowhere.error == sync::ExportError::kWrite);
  CHECK_THAT(nowhere.message, Catch::Contains("nothing was exported"));
}

TEST_CASE("A photo cut off mid-upload online is completed by the import, and the device sends none of it again",
          "[sneakernet][backend]") {
  SneakerRig rig(/*with_proxy=*/true);
  Device dev("sneaker-partial");
  TempDir stick("sneaker-stick");
  SyncOnce(rig, dev);
  auto filed = FileMany(dev, 1, 400 << 10, 20 << 10, 61);
  testing::Faults slow;
  slow.up.bytes_per_second = 64 << 10;
  rig.proxy->SetFaults(slow);
  {
    // Online over a slow link until the photo is well under way, then the link is gone.
    sync::SyncEngine engine(rig.Config(dev), dev.outbox());
    engine.Start();
    while (engine.Snapshot().bytes_done < (150 << 10)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    engine.Stop();
  }
  rig.proxy->SetFaults({});
  REQUIRE(rig.RequestCount() == 1);  // the record got through; the photo did not, whole
  std::vector<CentralRequest> held;
  std::string why;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  CHECK(held[0].photo_sha256.empty());

  const sync::ExportResult ex = sync::ExportUnsent(dev.outbox(), ExportTo(dev, stick.str()));
  INFO(ex.message);
  REQUIRE(ex.ok());
  std::string out;
  REQUIRE(rig.Import(ex.path, &out) == 0);
  INFO(out);
  // The complaint is the one sent online (same client UUID and form); the thumbnail was complete.
  CHECK_THAT(out, Catch::Contains("complaints 0 new, 1 already present, 0 refused"));
  CHECK_THAT(out, Catch::Contains("photos 1 new, 1 already present, 0 refused"));
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  REQUIRE(held.size() == 1);
  CHECK(held[0].photo_sha256 == filed[0].photo_sha256);
  CHECK(held[0].thumb_sha256 == filed[0].thumb_sha256);

  const std::int64_t before = rig.proxy->bytes_up();
  sync::SyncEngine engine(rig.Config(dev), dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(60)));
  engine.Stop();
  model::OutboxEntry entry;
  REQUIRE(dev.store().outbox().Get(filed[0].result.ticket, &entry) == model::OutboxResult::Ok);
  INFO(entry.last_error);
  CHECK(entry.state == model::OutboxState::Sent);
  CHECK(entry.central_id == held[0].id);
  CHECK(rig.proxy->bytes_up() - before < (20 << 10));  // headers only, no photo bytes
}

TEST_CASE("An authentic bundle with bad items imports the rest, names each bad one, and exits 3",
          "[sneakernet][backend]") {
  SneakerRig rig;
  Device dev("sneaker-partly");
  TempDir stick("sneaker-stick");
  SyncOnce(rig, dev);
  // Written by hand with the device's own keys, as a device with a damaged store might.
  bundle::CentralPublicKey central;
  REQUIRE(bundle::LoadKeyFile(dev.data_dir() + "/bundle/central-box.pub", &central));
  bundle::DeviceSecretKey key;
  REQUIRE(bundle::LoadKeyFile(dev.data_dir() + "/bundle/device-sign.key", &key));
  const std::string photo = std::string(5000, 'p'), wrong = std::string(5000, 'q');
  const std::string sha = Sha256Hex(photo);
  const auto record = [&](const std::string& uuid, const std::string& service, bool with_photo) {
    const std::string form = protocol::EncodeForm({{"service_code", service},
                                                   {"description", "Garbage not collected"},
                                                   {"address_string", "Ward G/N"},
                                                   {"attribute[client_uuid]", uuid}});
    std::string json = "{\"form\":";
    protocol::AppendJsonString(json, form);
    json += ",\"photos\":[";
    if (with_photo) json += "{\"sha256\":\"" + sha + "\",\"bytes\":5000}";
    return json + "]}";
  };
  const std::string a = "3f0c2a1e-8b7d-4c6a-9e5f-1a2b3c4d5e6f", b = "4e1d3b2f-9c8e-4d7b-8f60-2b3c4d5e6f70",
                    c = "5f2e4c3a-0d9f-4e8c-9a71-3c4d5e6f7081";
  const std::string good_file = stick.str() + "/good.jpg", bad_file = stick.str() + "/bad.jpg";
  WriteText(good_file, photo);
  WriteText(bad_file, wrong);
  const std::string path = stick.str() + "/partly.bundle";
  {
    bundle::BundleWriter w;
    REQUIRE(w.Open(path, central, key, RegisteredDeviceId(dev), 1700000000));
    REQUIRE(w.AddRecord("complaint", a, record(a, "garbage", true)));
    REQUIRE(w.AddFile("photo", a, "0-" + sha + ".jpg", good_file));
    REQUIRE(w.AddRecord("complaint", b, record(b, "garbage", true)));
    REQUIRE(w.AddFile("photo", b, "0-" + sha + ".jpg", bad_file));  // not the bytes its record names
    REQUIRE(w.AddRecord("complaint", c, record(c, "no_such_service", false)));
    REQUIRE(w.AddRecord("update", a, "{}"));
    REQUIRE(w.Finish());
  }
  const std::vector<std::string> media = Listing(rig.media);
  std::string out;
  const int code = rig.Import(path, &out);
  INFO(out);
  CHECK(code == 3);
  CHECK_THAT(out, Catch::Contains("complaints 2 new, 0 already present, 1 refused"));
  CHECK_THAT(out, Catch::Contains("photos 1 new, 0 already present, 1 refused"));
  CHECK_THAT(out, Catch::Contains("photo 1 is damaged"));
  CHECK_THAT(out, Catch::Contains("no service with service_code 'no_such_service'"));
  CHECK_THAT(out, Catch::Contains("does not import update items"));
  CHECK(rig.RequestCount() == 2);
  CHECK(Listing(rig.media).size() == media.size() + 1);  // the good photo only; no stray file
}
