// staff_pull.cpp — the staff accounts: GET /staff.json (device key), checked, and handed whole to
// the device's StaffDirectory, so a PIN set, changed or disabled on central reaches the tablet
// at its next sync and works offline afterwards. A list central sends that cannot be read keeps
// the old one: staff must never be locked out by a bad answer.
#include "sync/client/engine_impl.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"

namespace samvad::sync {

using protocol::JsonValue;

namespace {
SessionEnd Failed(const Verdict& v) { return SessionEnd{v.action, v.cause, v.retry_after_s, -1}; }
}  // namespace

SessionEnd SyncEngine::Impl::RefreshStaff() {
  const HttpResult r =
      transport.Perform(HttpCall{"GET", cfg.base_url + "/staff.json", {{"Authorization", "Bearer " + cfg.api_key}}, {}});
  const Verdict v = Classify(r, Op::Staff, Now());
  if (v.action != Action::Ok) return Failed(v);
  std::string why;
  const auto list = protocol::ParseJson(r.body, &why);
  if (!list || list->type != JsonValue::Type::Array)
    return Failed(Verdict{Action::Transient, "central sent an unreadable staff list; keeping the old one", -1});
  std::vector<model::StaffEntry> entries;
  for (const JsonValue& a : list->items) {
    model::StaffEntry e;
    e.user_id = a.Str("user_id");
    e.name = a.Str("name");
    e.ward = a.Str("ward");
    e.department = a.Str("department");
    e.role = a.Str("role");
    const JsonValue* active = a.Find("active");
    e.active = !active || active->type != JsonValue::Type::Bool || active->boolean;
    e.pin_hash = a.Str("pin_hash");
    entries.push_back(std::move(e));
  }
  std::int64_t listed_at = Now();
  protocol::open311::ParseDatetime(r.Header("samvad-listed-at"), &listed_at);
  if (!cfg.staff->Replace(entries, listed_at, &why))
    return Failed(Verdict{Action::Transient, "device storage error while saving staff accounts: " + why, -1});
  return SessionEnd{};
}

}  // namespace samvad::sync
