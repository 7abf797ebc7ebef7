// lookup.cpp — see lookup.h.
#include "sync/client/lookup.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"

namespace samvad::sync {

namespace o311 = protocol::open311;

std::optional<model::Status> CitizenStatus(std::string_view s) {
  if (s == "open") return model::Status::Received;
  if (s == "in_progress") return model::Status::InProgress;
  if (s == "fixed") return model::Status::Resolved;
  if (s == "closed") return model::Status::Rejected;  // closed without being fixed
  return std::nullopt;
}

namespace {

// The request's updates in the public view, oldest first, as the citizen's statuses; false when
// central could not be asked or answered something unreadable (the caller shows the two ends).
bool ReadHistory(const std::string& base, const std::string& request_id, const TransportConfig& transport,
                 std::vector<RemoteEvent>* out, bool* complete, std::string* why) {
  Transport t(transport);
  // One page: a complaint's history is a handful of updates; a longer one shows its first 500.
  constexpr int kPage = 500;
  const HttpResult r = t.Perform(HttpCall{"GET",
                                          base + "/servicerequestupdates.json?service_request_id=" +
                                              protocol::PercentEncode(request_id) + "&limit=" + std::to_string(kPage),
                                          {}, {}});
  const Verdict v = Classify(r, Op::Lookup, static_cast<std::int64_t>(std::time(nullptr)));
  if (v.action != Action::Ok) {
    *why = "history: " + v.cause;
    return false;
  }
  const auto list = protocol::ParseJson(r.body, why);
  if (!list || list->type != protocol::JsonValue::Type::Array) {
    *why = "history: central sent an unreadable update list: " + *why;
    return false;
  }
  for (const protocol::JsonValue& u : list->items) {
    if (u.Str("service_request_id") != request_id) continue;  // not asked for: ignored
    if (u.True("conflict")) continue;  // recorded, but it changed nothing
    const auto status = CitizenStatus(u.Str("status"));
    RemoteEvent e;
    if (!status || !o311::ParseDatetime(u.Str("updated_datetime"), &e.at)) continue;
    e.status = *status;
    if (!out->empty() && out->back().status == e.status) continue;  // the citizen's status did not move
    out->push_back(e);
  }
  *complete = static_cast<int>(list->items.size()) < kPage;
  return true;
}

}  // namespace

RemoteTicket LookUpTicket(const std::string& base_url, std::string_view ticket, TransportConfig transport, long timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  RemoteTicket out;
  std::string base = base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) {
    out.cause = "no central configured";
    return out;
  }
  transport.total_timeout_s = timeout_s;
  transport.connect_timeout_s = std::min(transport.connect_timeout_s, timeout_s);
  Transport t(transport);
  const HttpResult r =
      t.Perform(HttpCall{"GET", base + "/requests.json?ticket=" + protocol::PercentEncode(ticket), {}, {}});
  const Verdict v = Classify(r, Op::Lookup, static_cast<std::int64_t>(std::time(nullptr)));
  if (v.action != Action::Ok) {
    out.result = v.action == Action::Transient ? RemoteTicket::Result::Unreachable : RemoteTicket::Result::Refused;
    out.cause = v.cause;
    return out;
  }
  std::string why;
  const auto list = protocol::ParseJson(r.body, &why);
  if (!list || list->type != protocol::JsonValue::Type::Array) {
    out.result = RemoteTicket::Result::Refused;
    out.cause = "central sent an unreadable request list: " + why;
    return out;
  }
  if (list->items.empty()) {
    out.result = RemoteTicket::Result::NotFound;
    return out;
  }
  const protocol::JsonValue& q = list->items.front();  // a ticket is unique on central
  out.result = RemoteTicket::Result::Found;
  // The last update applied; one the citizen's status does not show (acknowledged, transferred)
  // leaves it where central's own open/closed puts it: received, or in progress once assigned.
  const std::string detailed = q.Str("detailed_status");
  if (const auto s = CitizenStatus(detailed)) out.status = *s;
  else if (q.Str("status") == "closed") out.status = model::Status::Resolved;
  else out.status = detailed.empty() ? model::Status::Received : model::Status::InProgress;
  o311::ParseDatetime(q.Str("requested_datetime"), &out.requested_at);
  o311::ParseDatetime(q.Str("updated_datetime"), &out.updated_at);

  // The history, within what is left of the citizen's wait.
  const long left_s = static_cast<long>(
      std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now()).count());
  const std::string id = q.Str("service_request_id");
  bool read = false;
  if (left_s >= 1 && !id.empty()) {
    transport.total_timeout_s = left_s;
    transport.connect_timeout_s = std::min(transport.connect_timeout_s, left_s);
    read = ReadHistory(base, id, transport, &out.history, &out.history_complete, &out.cause);
  }
  if (!read) {
    out.history.clear();
    out.history_complete = false;
  }
  // Both ends always: received when filed (the create's own update says so, unless the feed
  // could not be read), and the status the request itself has now.
  if (out.history.empty() || out.history.front().status != model::Status::Received)
    out.history.insert(out.history.begin(), RemoteEvent{out.requested_at, model::Status::Received});
  // (They differ when the feed could not be read, and when the request moved on an update the
  // citizen's statuses do not name: acknowledged after open reads as in progress.)
  if (out.history.back().status != out.status)
    out.history.push_back(RemoteEvent{std::max(out.updated_at, out.history.back().at), out.status});
  return out;
}

}  // namespace samvad::sync
