// central_idempotency.tests.cpp — a device may send the same create any number of times, at once
// or after losing the answer, and exactly one complaint exists; the same key with a different
// payload is a 409 that says why.
#include <catch2/catch.hpp>
#include <latch>
#include <set>
#include <thread>

#include "harness.h"
#include "tests/support/fault_proxy.h"

using namespace samvad::testing;

namespace {
size_t RequestCount(const Central& c) { return Http(c.port(), "GET", "/requests.json").Json().items.size(); }
}  // namespace

TEST_CASE("The same create sent twice returns the original response and makes one request", "[central][idempotency]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string uuid = NewUuid();
  const Reply first = PostForm(c.port(), "/requests.json", CreateForm(key, uuid), {{"Idempotency-Key", uuid}});
  REQUIRE(first.status == 200);
  CHECK(first.Header("idempotent-replayed").empty());
  const Reply again = PostForm(c.port(), "/requests.json", CreateForm(key, uuid), {{"Idempotency-Key", uuid}});
  REQUIRE(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(again.Header("idempotent-replayed") == "true");
  // Field order and the header are not part of the payload: the attribute alone names the key.
  auto reordered = CreateForm(key, uuid);
  std::reverse(reordered.begin(), reordered.end());
  CHECK(PostForm(c.port(), "/requests.json", reordered).body == first.body);
  CHECK(RequestCount(c) == 1);
}

TEST_CASE("The same key with a different payload is a 409 with a clear error", "[central][idempotency]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string uuid = NewUuid();
  REQUIRE(PostForm(c.port(), "/requests.json", CreateForm(key, uuid)).status == 200);
  const Reply r = PostForm(c.port(), "/requests.json", CreateForm(key, uuid, "pothole", "A different complaint"));
  REQUIRE(r.status == 409);
  const auto v = r.Json();
  REQUIRE(v.items.size() == 1);
  CHECK(v.items[0].Find("code")->number == 409);
  CHECK(v.items[0].Str("description").find("different payload") != std::string::npos);
  SECTION("and another device using the same key is a 409 too") {
    const std::string other = c.EnrollDevice("second tablet");
    const Reply o = PostForm(c.port(), "/requests.json", CreateForm(other, uuid));
    REQUIRE(o.status == 409);
    CHECK(o.Json().items[0].Str("description").find("another device") != std::string::npos);
  }
  CHECK(RequestCount(c) == 1);
}

TEST_CASE("20 identical POSTs sent at once make exactly one request", "[central][idempotency][concurrency]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string uuid = NewUuid();
  constexpr int kSenders = 20;
  std::latch start(kSenders);
  std::vector<Reply> replies(kSenders);
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([&, i] {
      start.arrive_and_wait();  // all connect and send together
      replies[static_cast<size_t>(i)] =
          PostForm(c.port(), "/requests.json", CreateForm(key, uuid), {{"Idempotency-Key", uuid}});
    });
  }
  for (auto& t : senders) t.join();
  std::set<std::string> bodies;
  int replayed = 0;
  for (const auto& r : replies) {
    INFO(r.status << " " << r.error << " " << r.body);
    REQUIRE(r.status == 200);
    bodies.insert(r.body);
    replayed += r.Header("idempotent-replayed") == "true";
  }
  CHECK(bodies.size() == 1);       // every sender was told the same service_request_id
  CHECK(replayed == kSenders - 1);  // and exactly one of them created it
  CHECK(RequestCount(c) == 1);
  CHECK(Http(c.port(), "GET", "/servicerequestupdates.json").Json().items.size() == 1);
}

TEST_CASE("A create whose response was lost is stored once, and the retry learns its id", "[central][idempotency][faults]") {
  Central c;
  const std::string key = c.EnrollDevice();
  FaultProxy proxy(c.port());
  Faults drop;
  drop.drop_response = true;
  proxy.SetFaults(drop);
  std::string error;
  REQUIRE(proxy.Start(&error));
  const std::string uuid = NewUuid();
  const Reply lost = PostForm(proxy.port(), "/requests.json", CreateForm(key, uuid), {{"Idempotency-Key", uuid}});
  CHECK(lost.status == 0);  // the device saw a reset, not an answer
  CHECK(RequestCount(c) == 1);  // but central committed
  proxy.SetFaults(Faults{});
  const Reply retry = PostForm(proxy.port(), "/requests.json", CreateForm(key, uuid), {{"Idempotency-Key", uuid}});
  REQUIRE(retry.status == 200);
  CHECK(retry.Header("idempotent-replayed") == "true");
  const std::string id = retry.Json().items.at(0).Str("service_request_id");
  CHECK(Http(c.port(), "GET", "/requests/" + id + ".json").status == 200);
  CHECK(RequestCount(c) == 1);
}

TEST_CASE("A create cut off mid-body by a reset stores nothing, and the retry stores it once",
          "[central][idempotency][faults]") {
  Central c;
  const std::string key = c.EnrollDevice();
  FaultProxy proxy(c.port());
  Faults cut;
  cut.up.reset_after = 200;  // inside the form body
  proxy.SetFaults(cut);
  std::string error;
  REQUIRE(proxy.Start(&error));
  const std::string uuid = NewUuid();
  CHECK(PostForm(proxy.port(), "/requests.json", CreateForm(key, uuid)).status == 0);
  CHECK(RequestCount(c) == 0);
  proxy.SetFaults(Faults{});
  const Reply retry = PostForm(proxy.port(), "/requests.json", CreateForm(key, uuid));
  REQUIRE(retry.status == 200);
  CHECK(retry.Header("idempotent-replayed").empty());
  CHECK(RequestCount(c) == 1);
}
