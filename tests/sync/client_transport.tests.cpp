// client_transport.tests.cpp — every transport result is classified by the action it implies
// (GUIDE 2.4), with a cause a person can read; the backoff waits as long as the server asks.
// Against real samvad-central processes and the fault proxy on loopback.
#include <chrono>
#include <random>

#include "client_rig.h"
#include "sync/client/tus_upload.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "sync/protocol/tus.h"

namespace {

using namespace samvad;
using namespace samvad::testing::client;
using sync::Action;
using sync::Classify;
using sync::HttpCall;
using sync::Op;
using sync::Transport;

sync::TransportConfig Quick() {
  sync::TransportConfig t;
  t.connect_timeout_s = 5;
  t.low_speed_bytes_per_s = 1024;
  t.low_speed_seconds = 2;
  return t;
}

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string CreateBody(const std::string& key, const std::string& uuid, const std::string& description) {
  return protocol::EncodeForm({{"api_key", key},
                               {"service_code", "pothole"},
                               {"address_string", "near the temple (ward K/E)"},
                               {"description", description},
                               {"attribute[client_uuid]", uuid}});
}

HttpCall Create(const std::string& url, const std::string& body, const std::string& uuid) {
  return HttpCall{"POST", url + "/requests.json",
                  {{"Content-Type", "application/x-www-form-urlencoded"}, {"Idempotency-Key", uuid}}, body};
}

}  // namespace

TEST_CASE("A refused connection is Transient and says central is unreachable", "[client][classify]") {
  const int port = FreeLoopbackPort();  // nothing listens there
  Transport t(Quick());
  const auto r = t.Perform(HttpCall{"GET", "http://127.0.0.1:" + std::to_string(port) + "/services.json", {}, {}});
  const auto v = Classify(r, Op::Catalog, Now());
  CHECK(v.action == Action::Transient);
  CHECK(v.cause == "central unreachable: connection refused");
}

TEST_CASE("A malformed central address is Permanent with a cause staff can act on", "[client][classify]") {
  Transport t(Quick());
  const auto r = t.Perform(HttpCall{"GET", "ftp://127.0.0.1/services.json", {}, {}});
  const auto v = Classify(r, Op::Catalog, Now());
  CHECK(v.action == Action::Permanent);
  CHECK_THAT(v.cause, Catch::Contains("not a valid http(s) URL"));
}

TEST_CASE("Central's answers are classified by the action they imply", "[client][classify]") {
  Rig rig(false);
  const std::string url = rig.central.url();
  Transport t(Quick());

  SECTION("an unknown key is AuthExpired (403), with central's reason") {
    const std::string uuid = "6f9619ff-8b86-4d01-b42d-00cf4fc964ff";
    const auto r = t.Perform(Create(url, CreateBody("not-a-key", uuid, "pothole"), uuid));
    const auto v = Classify(r, Op::Create, Now());
    CHECK(r.status == 403);
    CHECK(v.action == Action::AuthExpired);
    CHECK(v.cause == "device key refused (403): api_key is not valid");
  }
  SECTION("a revoked device is AuthExpired and told to enrol again") {
    std::string out;
    REQUIRE(rig.central.Cli({"enroll", "--label", "to revoke"}, &out) == 0);
    const std::string device = out.substr(out.find("device: ") + 8, out.find('\n') - 8);
    const std::string code = out.substr(out.find("code:") + 5, out.find('\n', out.find("code:")) - out.find("code:") - 5);
    const Got g = HttpPostForm(url + "/devices/enroll.json", "code=" + code.substr(code.find_first_not_of(' ')));
    REQUIRE(g.status == 200);
    std::string why;
    const std::string key = protocol::ParseJson(g.body, &why)->items[0].Str("api_key");
    out.clear();
    REQUIRE(rig.central.Cli({"revoke", device}, &out) == 0);
    const std::string uuid = "6f9619ff-8b86-4d01-b42d-00cf4fc96400";
    const auto v = Classify(t.Perform(Create(url, CreateBody(key, uuid, "pothole"), uuid)), Op::Create, Now());
    CHECK(v.action == Action::AuthExpired);
    CHECK(v.cause == "device key refused (403): this device has been revoked; enrol it again");
  }
  SECTION("the same complaint id with another payload is a Conflict (409) that says so") {
    const std::string uuid = "0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3";
    const auto first = t.Perform(Create(url, CreateBody(rig.api_key, uuid, "first text"), uuid));
    REQUIRE(Classify(first, Op::Create, Now()).action == Action::Ok);
    const auto again = t.Perform(Create(url, CreateBody(rig.api_key, uuid, "first text"), uuid));
    CHECK(Classify(again, Op::Create, Now()).action == Action::Ok);  // an idempotent replay
    CHECK(again.Header("idempotent-replayed") == "true");
    CHECK(again.body == first.body);
    const auto changed = t.Perform(Create(url, CreateBody(rig.api_key, uuid, "other text"), uuid));
    const auto v = Classify(changed, Op::Create, Now());
    CHECK(changed.status == 409);
    CHECK(v.action == Action::Conflict);
    CHECK_THAT(v.cause, Catch::StartsWith("central has a different complaint under this complaint's id (409)"));
  }
  SECTION("an unknown category is Permanent, with central's words") {
    const std::string uuid = "1b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3";
    std::string body = CreateBody(rig.api_key, uuid, "x");
    body.replace(body.find("pothole"), 7, "nosuchthing");
    const auto v = Classify(t.Perform(Create(url, body, uuid)), Op::Create, Now());
    CHECK(v.action == Action::Permanent);
    CHECK(v.cause == "complaint not found on central (404): no service with service_code 'nosuchthing'");
  }
  SECTION("a photo chunk that does not match its checksum is sent again: Transient (460)") {
    const std::string uuid = "2b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3";
    const auto created = t.Perform(Create(url, CreateBody(rig.api_key, uuid, "x"), uuid));
    std::string why;
    const std::string id = protocol::ParseJson(created.body, &why)->items[0].Str("service_request_id");
    const sync::Headers tus = {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + rig.api_key}};
    HttpCall post{"POST", url + "/media", tus, {}};
    post.headers.emplace_back("Upload-Length", "5");
    post.headers.emplace_back("Upload-Metadata", protocol::tus::FormatMetadata({{"service_request_id", id}}));
    const auto made = t.Perform(post);
    REQUIRE(made.status == 201);
    HttpCall patch{"PATCH", made.Header("location"), tus, "hello"};
    patch.headers.emplace_back("Content-Type", "application/offset+octet-stream");
    patch.headers.emplace_back("Upload-Offset", "0");
    patch.headers.emplace_back("Upload-Checksum", "sha256 " + protocol::tus::Base64Encode(std::string(32, 'x')));
    const auto r = t.Perform(patch);
    const auto v = Classify(r, Op::TusPatch, Now());
    CHECK(r.status == 460);
    CHECK(v.action == Action::Transient);
    CHECK(v.cause == "photo damaged on the way (checksum mismatch, 460); sending it again");
    // …and a PATCH from a stale offset is a Conflict: ask with HEAD, then resume.
    patch.headers[3] = {"Upload-Offset", "3"};
    patch.headers.pop_back();
    const auto stale = t.Perform(patch);
    CHECK(stale.status == 409);
    CHECK(Classify(stale, Op::TusPatch, Now()).action == Action::Conflict);
  }
  SECTION("one easy handle keeps its connection between calls (keep-alive)") {
    Rig proxied(true);
    Transport k(Quick());
    for (int i = 0; i < 5; ++i)
      REQUIRE(k.Perform(HttpCall{"GET", proxied.device_url() + "/services.json", {}, {}}).status == 200);
    CHECK(proxied.proxy->connections() == 1);
  }
}

TEST_CASE("A busy central (503 + Retry-After) is Transient and the cause says when", "[client][classify]") {
  Rig rig(true);
  testing::Faults busy;
  busy.respond_503 = true;
  busy.retry_after_s = 30;
  rig.proxy->SetFaults(busy);
  Transport t(Quick());
  const auto r = t.Perform(HttpCall{"GET", rig.device_url() + "/services.json", {}, {}});
  const auto v = Classify(r, Op::Catalog, Now());
  CHECK(r.status == 503);
  CHECK(v.action == Action::Transient);
  CHECK(v.retry_after_s == 30);
  CHECK(v.cause == "server busy (503), retrying after 30 s: busy (fault proxy)");  // central's words last
}

TEST_CASE("A link that stops moving is abandoned by the low-speed limit, not a total timeout", "[client][classify]") {
  Rig rig(true);
  testing::Faults stall;
  stall.down.stall_after = 10;  // the answer's first bytes, then nothing for 5 s
  stall.down.stall_ms = 5000;
  rig.proxy->SetFaults(stall);
  Transport t(Quick());  // under 1 KB/s for 2 s is dead
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = t.Perform(HttpCall{"GET", rig.device_url() + "/services.json", {}, {}});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto v = Classify(r, Op::Catalog, Now());
  CHECK(v.action == Action::Transient);
  CHECK_THAT(v.cause, Catch::StartsWith("link too slow"));
  CHECK(took < 4.5);
}

TEST_CASE("Connection drops and lost answers are Transient", "[client][classify]") {
  Rig rig(true);
  Transport t(Quick());
  SECTION("a reset mid-request") {
    testing::Faults f;
    f.up.reset_after = 100;
    rig.proxy->SetFaults(f);
    const std::string uuid = "3b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3";
    const auto v = Classify(t.Perform(Create(rig.device_url(), CreateBody(rig.api_key, uuid, std::string(2000, 'x')), uuid)),
                            Op::Create, Now());
    CHECK(v.action == Action::Transient);
    CHECK_THAT(v.cause, Catch::StartsWith("connection dropped mid-transfer") || Catch::StartsWith("central closed"));
  }
  SECTION("the answer dropped after central committed; the retry gets the same id") {
    testing::Faults f;
    f.drop_response = true;
    rig.proxy->SetFaults(f);
    const std::string uuid = "4b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3";
    const std::string body = CreateBody(rig.api_key, uuid, "dropped");
    const auto lost = t.Perform(Create(rig.device_url(), body, uuid));
    CHECK(Classify(lost, Op::Create, Now()).action == Action::Transient);
    rig.proxy->SetFaults({});
    const auto again = t.Perform(Create(rig.device_url(), body, uuid));
    CHECK(again.status == 200);
    CHECK(again.Header("idempotent-replayed") == "true");
  }
}

TEST_CASE("Retry-After is read in seconds and as an HTTP date", "[client][backoff]") {
  CHECK(sync::ParseRetryAfter("120", 0) == 120);
  CHECK(sync::ParseRetryAfter(" 5 ", 0) == 5);
  CHECK(sync::ParseRetryAfter("", 0) == -1);
  CHECK(sync::ParseRetryAfter("soon", 0) == -1);
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777 (RFC 9110's example).
  CHECK(sync::ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 90) == 90);
  CHECK(sync::ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 10) == 0);
}

TEST_CASE("Backoff is full jitter under a doubling ceiling, and never shorter than Retry-After", "[client][backoff]") {
  const sync::BackoffPolicy p{1000, 60'000};
  CHECK(sync::BackoffCeilingMs(p, 1) == 1000);
  CHECK(sync::BackoffCeilingMs(p, 2) == 2000);
  CHECK(sync::BackoffCeilingMs(p, 6) == 32'000);
  CHECK(sync::BackoffCeilingMs(p, 7) == 60'000);
  CHECK(sync::BackoffCeilingMs(p, 60) == 60'000);
  std::mt19937_64 rng(7);
  std::int64_t lo = 1 << 30, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t d = sync::BackoffDelayMs(p, 4, -1, rng);
    REQUIRE(d >= 0);
    REQUIRE(d <= 8000);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo < 400);   // spread over the whole range: that is the point of full jitter
  CHECK(hi > 7600);
  for (int i = 0; i < 200; ++i) REQUIRE(sync::BackoffDelayMs(p, 1, 30, rng) >= 30'000);
}

TEST_CASE("Locations from central are followed, absolute or as a path", "[client][tus]") {
  CHECK(sync::ResolveLocation("http://10.0.0.1:8311", "/media/ab") == "http://10.0.0.1:8311/media/ab");
  CHECK(sync::ResolveLocation("https://c.example/api", "/media/ab") == "https://c.example/media/ab");
  CHECK(sync::ResolveLocation("http://x", "http://y/media/1") == "http://y/media/1");
}

TEST_CASE("TLS: the CA file and the pinned key are applied; a key that does not match is Permanent",
          "[client][classify][tls]") {
  // A throwaway certificate for 127.0.0.1, and nginx as the TLS end in front (as production puts
  // a TLS proxy in front of central).
  TempDir certs("client-tls");
  const std::string d = certs.str();
  std::string out;
  INFO(out);
  REQUIRE(RunShell("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 "
                   "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>&1", &out) == 0);
  out.clear();
  REQUIRE(RunShell("openssl x509 -in " + d + "/cert.pem -pubkey -noout | openssl pkey -pubin -outform der | "
                   "openssl dgst -sha256 -binary | base64", &out) == 0);
  const std::string pin = "sha256//" + out.substr(0, out.find('\n'));
  TempDir web("client-tls-nginx");
  const int port = FreeLoopbackPort();
  std::string why;
  const pid_t nginx = StartNginx(web.str(),
                                 "    listen 127.0.0.1:" + std::to_string(port) + " ssl;\n    ssl_certificate " + d +
                                     "/cert.pem;\n    ssl_certificate_key " + d + "/key.pem;\n"
                                     "    location / { default_type application/json; return 200 '[{\"service_code\":\"pothole\"}]'; }",
                                 port, &why);
  INFO(why);
  REQUIRE(nginx > 0);
  const struct Stopper {
    pid_t pid;
    ~Stopper() { StopProcess(pid); }
  } stop_nginx{nginx};
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/services.json";
  sync::TransportConfig cfg = Quick();
  cfg.ca_file = d + "/cert.pem";
  SECTION("the right pin and CA: Ok") {
    cfg.pinned_public_key = pin;
    Transport t(cfg);
    const auto r = t.Perform(HttpCall{"GET", url, {}, {}});
    CHECK(r.status == 200);
    CHECK(Classify(r, Op::Catalog, Now()).action == Action::Ok);
  }
  SECTION("another key pinned: Permanent, and says what it may mean") {
    cfg.pinned_public_key = "sha256//" + protocol::tus::Base64Encode(std::string(32, '\0'));
    Transport t(cfg);
    const auto v = Classify(t.Perform(HttpCall{"GET", url, {}, {}}), Op::Catalog, Now());
    CHECK(v.action == Action::Permanent);
    CHECK(v.cause == "central's key does not match the pinned key: possible interception; staff must check");
  }
  SECTION("a certificate no configured CA signed: Permanent") {
    cfg.ca_file.clear();  // the system's CAs do not know our throwaway one
    Transport t(cfg);
    const auto v = Classify(t.Perform(HttpCall{"GET", url, {}, {}}), Op::Catalog, Now());
    CHECK(v.action == Action::Permanent);
    CHECK(v.cause == "central's certificate is not trusted (check the device clock and CA file)");
  }
}
