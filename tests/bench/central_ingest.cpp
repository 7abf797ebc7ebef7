// central_ingest.cpp — complaints ingested per second by samvad-central, on SQLite and on
// PostgreSQL: raw HTTP (the sync client's Transport, keep-alive, 4 client threads) posting
// idempotent creates (POST /requests.json, a new client UUID each, as devices send them), each
// durable before its 200 (SQLite WAL + synchronous=FULL; PostgreSQL with fsync on). Baseline from
// the same run: GET /discovery.json on the same server with the same client (HTTP with no
// database), so the figure shows what storage costs per complaint.
// PostgreSQL runs in a throwaway cluster (as the tests do); if it cannot start, the line says so.
#include <cstdio>
#include <string>

#include "central_load.h"
#include "sync/protocol/form.h"
#include "sync_client_support.h"

using namespace samvad;
using namespace samvad::testing::client;

namespace {

constexpr int kThreads = 4;
constexpr int kCreates = 1500;

std::string Uuid(int run, int i) {
  char out[40];
  std::snprintf(out, sizeof out, "%08x-0000-4000-8000-%012x", run, i);
  return out;
}

// Complaints per second into a fresh central on `db_url`, or -1; `baseline` gets GETs per second.
double Ingest(const std::string& db_url, int run, double* baseline) {
  TempDir dir("bench-ingest");
  CentralServer central;
  std::string why;
  if (!central.Start(db_url.empty() ? "sqlite:" + dir.str() + "/central.db" : db_url, dir.str() + "/media", 0, "", &why)) {
    std::fprintf(stderr, "bench_central_ingest: %s\n", why.c_str());
    return -1;
  }
  const std::string key = central.EnrollDevice(&why);
  if (key.empty()) {
    std::fprintf(stderr, "bench_central_ingest: %s\n", why.c_str());
    return -1;
  }
  const std::string url = central.url();
  const double get_s = bench::Timed(kThreads, kCreates, [&](sync::Transport& t, int) {
    return t.Perform(sync::HttpCall{"GET", url + "/discovery.json", {}, {}, true}).status == 200;
  });
  if (baseline) *baseline = get_s > 0 ? kCreates / get_s : -1;
  const double s = bench::Timed(kThreads, kCreates, [&](sync::Transport& t, int i) {
    const std::string uuid = Uuid(run, i);
    const std::string body = protocol::EncodeForm({{"api_key", key},
                                                   {"service_code", "pothole"},
                                                   {"address_string", "near the temple (ward K/E)"},
                                                   {"description", "रस्त्यावर मोठा खड्डा आहे — bench"},
                                                   {"attribute[client_uuid]", uuid},
                                                   {"attribute[ward]", "08"}});
    const auto r = t.Perform(sync::HttpCall{"POST", url + "/requests.json",
                                            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Idempotency-Key", uuid}},
                                            body, true});
    if (r.status != 200) std::fprintf(stderr, "bench_central_ingest: create answered %d %s\n", r.status, r.body.c_str());
    return r.status == 200;
  });
  return s > 0 ? kCreates / s : -1;
}

}  // namespace

int main() {
  double get_rate = 0;
  const double sqlite = Ingest("", 1, &get_rate);
  std::string why, pg_text;
  const std::string pg_url = NewPostgresDatabase(&why);
  if (pg_url.empty()) {
    pg_text = "PostgreSQL could not start here (" + why.substr(0, 80) + ")";
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "PostgreSQL %.0f/s", Ingest(pg_url, 2, nullptr));
    pg_text = buf;
  }
  std::printf("central ingest: complaints/s, %d creates over %d keep-alive connections  SQLite %.0f/s  %s  "
              "(baseline GET /discovery.json %.0f/s, same server and client)\n",
              kCreates, kThreads, sqlite, pg_text.c_str(), get_rate);
  return sqlite > 0 ? 0 : 1;
}
