// lookup.cpp — see lookup.h.
#include "sync/client/lookup.h"

#include <algorithm>
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

RemoteTicket LookUpTicket(const std::string& base_url, std::string_view ticket, TransportConfig transport, long timeout_s) {
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
  return out;
}

}  // namespace samvad::sync
