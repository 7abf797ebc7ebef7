// reconciliation.cpp — see reconciliation.h. Building the report and its times; the CSV is
// csv.cpp.
#include "app/report/reconciliation.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "app/store/complaint_store.h"
#include "sync/model/ticket.h"
#include "sync/model/wards.h"

namespace samvad::report {
namespace {

using model::OutboxState;

Standing StandingOf(OutboxState s) {
  switch (s) {
    case OutboxState::Failed: return Standing::Failed;
    case OutboxState::Sent: return Standing::Acknowledged;
    case OutboxState::Pending:
    case OutboxState::Sending: break;
  }
  return Standing::Waiting;
}

// Why a row is not acknowledged. A sending row says so rather than repeat the cause of an
// earlier attempt, which this one may already have overcome.
void SetCause(const store::OutboxRow& in, ReconRow* out) {
  if (in.state == OutboxState::Sent) return;
  if (in.state == OutboxState::Sending) {
    out->cause = "being sent now";
    out->cause_key = "sync.sending_now";
  } else if (!in.last_error.empty()) {
    out->cause = in.last_error;
  } else if (in.state == OutboxState::Pending && in.attempts == 0) {
    out->cause = "not sent yet";
    out->cause_key = "sync.not_tried";
  } else {
    // The store keeps a cause for every failure and retry; this is an older row or a careless
    // caller, and the report still has to say something.
    out->cause = "no reason recorded";
    out->cause_key = "report.cause.none";
  }
}

std::string DisplayForm(const std::string& canonical) {
  model::Ticket t;
  if (model::ParseTicket(canonical, &t) != model::TicketError::None) return canonical;
  return model::DisplayTicket(t);
}

}  // namespace

Reconciliation BuildReconciliation(const std::vector<store::OutboxRow>& rows,
                                   const DeviceIdentity& device, std::int64_t generated_at) {
  Reconciliation rec;
  rec.device = device;
  rec.generated_at = generated_at;
  std::vector<std::pair<std::string, ReconRow>> keyed;  // canonical ticket, row
  keyed.reserve(rows.size());
  for (const store::OutboxRow& in : rows) {
    ReconRow r;
    r.standing = StandingOf(in.state);
    r.state = in.state;
    r.ticket = DisplayForm(in.ticket);
    r.category = in.category;
    r.attempts = in.attempts;
    r.created_at = in.created_at;
    if (r.standing == Standing::Acknowledged) {
      r.central_id = in.central_id;
      r.sent_at = in.sent_at;
    }
    SetCause(in, &r);
    switch (r.standing) {
      case Standing::Failed: ++rec.totals.failed; break;
      case Standing::Waiting: ++rec.totals.waiting; break;
      case Standing::Acknowledged: ++rec.totals.acknowledged; break;
    }
    keyed.emplace_back(in.ticket, std::move(r));
  }
  rec.totals.created = static_cast<int>(rows.size());
  // Canonical tickets are fixed-width digits, so string order is ward, device, sequence order.
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    if (a.second.standing != b.second.standing) return a.second.standing < b.second.standing;
    return a.first < b.first;
  });
  rec.rows.reserve(keyed.size());
  for (auto& [canonical, row] : keyed) rec.rows.push_back(std::move(row));
  return rec;
}

bool LoadReconciliation(store::ComplaintStore& store, std::int64_t now, Reconciliation* out,
                        std::string* error) {
  std::vector<store::OutboxRow> rows;
  if (store.outbox().List(0, &rows) != model::OutboxResult::Ok) {
    *error = "the device could not read its outbox";
    return false;
  }
  const store::DeviceConfig dc = store.device();
  DeviceIdentity id;
  if (dc.enrolled) {
    id.ward = dc.ward;
    id.ward_code = std::string(model::WardCode(dc.ward));
    id.device = dc.device;
  }
  *out = BuildReconciliation(rows, id, now);
  return true;
}

std::string IsoLocalTime(std::int64_t t) {
  if (t == 0) return "";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (!localtime_r(&tt, &tm)) return "";
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const long off = tm.tm_gmtoff;  // seconds east of UTC, e.g. 19800 for India
  const long a = off < 0 ? -off : off;
  std::snprintf(buf + n, sizeof buf - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600,
                a / 60 % 60);
  return buf;
}

std::string FileStem(const Reconciliation& rec) {
  const std::time_t tt = static_cast<std::time_t>(rec.generated_at);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char when[20];
  std::strftime(when, sizeof when, "%Y%m%d-%H%M", &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "reconciliation-%02d-%03d-%s", rec.device.ward, rec.device.device,
                when);
  return buf;
}

}  // namespace samvad::report
