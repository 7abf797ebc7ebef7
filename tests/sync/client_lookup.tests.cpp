// client_lookup.tests.cpp — a kiosk asking central about a ticket it does not hold
// (sync/client/lookup.h): found with the status a citizen reads, not found, a central that is
// down or stalls (bounded by the timeout, not curl's defaults), and no phone number or staff id
// in what comes back. Against a real samvad-central behind the fault proxy.
#include <chrono>

#include "client_rig.h"
#include "sync/client/lookup.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"

namespace {

using namespace samvad;
using namespace samvad::testing::client;
using Result = sync::RemoteTicket::Result;

// Files a complaint on central as another kiosk would, with its ticket and a phone number.
std::string FileElsewhere(const Rig& rig, const std::string& ticket, const std::string& uuid) {
  const Got r = HttpPostForm(rig.central.url() + "/requests.json",
                             protocol::EncodeForm({{"api_key", rig.api_key},
                                                   {"service_code", "pothole"},
                                                   {"address_string", "Dadar TT circle"},
                                                   {"description", "खड्डा, call 9876543210"},
                                                   {"phone", "9876543210"},
                                                   {"attribute[client_uuid]", uuid},
                                                   {"attribute[ticket]", ticket}}));
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::string why;
  const auto json = protocol::ParseJson(r.body, &why);
  REQUIRE(json);
  return json->items.at(0).Str("service_request_id");
}

void Update(const Rig& rig, const std::string& id, const std::string& status, const std::string& uuid) {
  const Got r = HttpPostForm(rig.central.url() + "/servicerequestupdates.json",
                             protocol::EncodeForm({{"api_key", rig.api_key}, {"service_request_id", id},
                                                   {"status", status}, {"description", "work noted"}}),
                             {"Idempotency-Key: " + uuid});
  INFO(r.body);
  REQUIRE(r.status == 200);
}

sync::TransportConfig Quick() {
  sync::TransportConfig t;
  t.connect_timeout_s = 5;
  return t;
}

}  // namespace

TEST_CASE("A ticket filed at another kiosk is found on central with the status a citizen reads", "[client][lookup]") {
  Rig rig(/*with_proxy=*/true);
  const std::string id = FileElsewhere(rig, "08-002-00007-9", "0b1e9a52-6c1d-4f5e-8a3b-2c4d5e6f7a81");
  const auto ask = [&](const std::string& ticket) { return sync::LookUpTicket(rig.device_url(), ticket, Quick()); };

  sync::RemoteTicket r = ask("08-002-00007-9");
  INFO(r.cause);
  REQUIRE(r.result == Result::Found);
  CHECK(r.status == model::Status::Received);
  CHECK(r.requested_at > 0);
  CHECK(r.updated_at >= r.requested_at);
  CHECK(ask("08002000079").result == Result::Found);  // as keyed on the numeric pad

  Update(rig, id, "in_progress", "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");
  CHECK(ask("08-002-00007-9").status == model::Status::InProgress);
  Update(rig, id, "acknowledged", "6a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");  // not a citizen's status
  CHECK(ask("08-002-00007-9").status == model::Status::InProgress);
  Update(rig, id, "rejected", "7a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");  // closed without action
  r = ask("08-002-00007-9");
  CHECK(r.status == model::Status::Rejected);
  // Its history: each change of the citizen's status, once, in order; "acknowledged" is not one.
  CHECK(r.history_complete);
  REQUIRE(r.history.size() == 3);
  CHECK(r.history[0] == sync::RemoteEvent{r.requested_at, model::Status::Received});
  CHECK(r.history[1].status == model::Status::InProgress);
  CHECK(r.history[2] == sync::RemoteEvent{r.updated_at, model::Status::Rejected});
  CHECK(r.history[0].at <= r.history[1].at);
  CHECK(r.history[1].at <= r.history[2].at);

  CHECK(ask("08-002-00009-8").result == Result::NotFound);
}

TEST_CASE("A lookup whose history cannot be read still gives the status, with its two ends", "[client][lookup]") {
  Rig rig(/*with_proxy=*/true);
  const std::string id = FileElsewhere(rig, "08-002-00007-9", "2c1e9a52-6c1d-4f5e-8a3b-2c4d5e6f7a81");
  Update(rig, id, "in_progress", "8a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");
  Update(rig, id, "fixed", "9a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");
  // The lookup's second connection (the history) gets a 503.
  const std::int64_t first = rig.proxy->connections();
  rig.proxy->SetFaultPlan([first](std::int64_t n) {
    testing::Faults f;
    f.respond_503 = n == first + 1;
    return f;
  });
  const sync::RemoteTicket r = sync::LookUpTicket(rig.device_url(), "08-002-00007-9", Quick());
  INFO(r.cause);
  REQUIRE(r.result == Result::Found);
  CHECK(rig.proxy->connections() == first + 2);
  CHECK(r.status == model::Status::Resolved);
  CHECK_FALSE(r.history_complete);
  CHECK(r.history == std::vector<sync::RemoteEvent>{{r.requested_at, model::Status::Received},
                                                    {r.updated_at, model::Status::Resolved}});
  CHECK(r.cause.rfind("history: ", 0) == 0);

  // With the link whole again, the step between shows.
  rig.proxy->SetFaultPlan({});
  const sync::RemoteTicket whole = sync::LookUpTicket(rig.device_url(), "08-002-00007-9", Quick());
  CHECK(whole.history_complete);
  REQUIRE(whole.history.size() == 3);
  CHECK(whole.history[1].status == model::Status::InProgress);
}

TEST_CASE("The lookup asks the public view: no key goes out, no phone number comes back", "[client][lookup]") {
  Rig rig(/*with_proxy=*/false);
  const std::string id = FileElsewhere(rig, "08-002-00007-9", "1b1e9a52-6c1d-4f5e-8a3b-2c4d5e6f7a81");
  const Got u = HttpPostForm(rig.central.url() + "/servicerequestupdates.json",
                             protocol::EncodeForm({{"api_key", rig.api_key}, {"service_request_id", id},
                                                   {"status", "in_progress"}, {"description", "Called 9876543210"}}),
                             {"Idempotency-Key: 3b1e9a52-6c1d-4f5e-8a3b-2c4d5e6f7a81"});
  REQUIRE(u.status == 200);
  // What LookUpTicket reads is what anyone reads; checked here on the same URLs it asks.
  const Got r = HttpGet(rig.central.url() + "/requests.json?ticket=08-002-00007-9");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("9876543210") == std::string::npos);
  const Got h = HttpGet(rig.central.url() + "/servicerequestupdates.json?service_request_id=" + id + "&limit=500");
  REQUIRE(h.status == 200);
  CHECK(h.body.find("in_progress") != std::string::npos);
  CHECK(h.body.find("9876543210") == std::string::npos);
  CHECK(sync::LookUpTicket(rig.central.url(), "08-002-00007-9", Quick()).history.size() == 2);
}

TEST_CASE("A central that is down or stalls is Unreachable, within the lookup's timeout", "[client][lookup]") {
  Rig rig(/*with_proxy=*/true);
  FileElsewhere(rig, "08-002-00007-9", "2b1e9a52-6c1d-4f5e-8a3b-2c4d5e6f7a81");
  SECTION("central stalls after the request: cut at the timeout, not after curl's minutes") {
    testing::Faults f;
    f.down.stall_after = 10;
    f.down.stall_ms = 30'000;
    rig.proxy->SetFaults(f);
    const auto t0 = std::chrono::steady_clock::now();
    const sync::RemoteTicket r = sync::LookUpTicket(rig.device_url(), "08-002-00007-9", Quick(), /*timeout_s=*/2);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.result == Result::Unreachable);
    CHECK_FALSE(r.cause.empty());
    CHECK(s < 20);  // bounded by the 2 s cap (generously: a loaded machine), not the 30 s stall
    rig.proxy->SetFaults({});
  }
  SECTION("central stopped") {
    rig.central.Stop();
    const sync::RemoteTicket r = sync::LookUpTicket(rig.device_url(), "08-002-00007-9", Quick());
    INFO(r.cause);
    CHECK(r.result == Result::Unreachable);
    CHECK_FALSE(r.cause.empty());
  }
  SECTION("no central configured") {
    CHECK(sync::LookUpTicket("", "08-002-00007-9", Quick()).result == Result::Unreachable);
  }
}
