// pull.cpp — the PULLING and CATALOG phases of a session, and the small state file.
//
// Updates: GET /servicerequestupdates.json?updated_after=CURSOR, oldest first, a page at a time.
// The feed names requests by central id; the ticket that the outbox knows them by comes from
// GET /requests.json?service_request_id=… (one call per page). Updates for complaints filed on
// other devices are NotFound in our outbox and skipped. The cursor is saved only after every
// update of its page was applied (S4 in DESIGN.md): a crash repeats a page, never skips one.
//
// Catalog: GET /services.json, checked, and written whole to <data>/catalog/services.json.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "sync/client/engine_impl.h"
#include "sync/client/lookup.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"

namespace samvad::sync {

namespace o311 = protocol::open311;
using protocol::JsonValue;

// ---------------------------------------------------------------------------------------------
// The state file
// ---------------------------------------------------------------------------------------------

bool WriteFileAtomic(const std::string& path, std::string_view bytes) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  mkdir(dir.c_str(), 0750);  // one level; the data folder itself exists (the store made it)
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return false;
  bool ok = true;
  for (size_t done = 0; ok && done < bytes.size();) {
    const ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += static_cast<size_t>(w);
  }
  ok = ok && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  ok = ok && rename(tmp.c_str(), path.c_str()) == 0;
  if (ok) {
    const int d = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
      ok = fsync(d) == 0;
      close(d);
    }
  } else {
    unlink(tmp.c_str());
  }
  return ok;
}

bool LoadState(const std::string& path, PersistentState* out) {
  std::ifstream in(path);
  if (!in) return false;
  PersistentState s;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "feed_cursor") s.feed_cursor = value;
    else if (key == "last_success_at") s.last_success_at = std::atoll(value.c_str());
    else if (key == "catalog_at") s.catalog_at = std::atoll(value.c_str());
  }
  *out = s;
  return true;
}

bool SaveState(const std::string& path, const PersistentState& s) {
  std::ostringstream o;
  o << "# samvad sync client state (sync/client/DESIGN.md); safe to delete: the feed restarts\n"
    << "feed_cursor " << s.feed_cursor << "\n"
    << "last_success_at " << s.last_success_at << "\n"
    << "catalog_at " << s.catalog_at << "\n";
  return WriteFileAtomic(path, o.str());
}

namespace {

// A cursor is opaque, but we store it in a line-oriented file and put it in a URL.
bool PlausibleCursor(std::string_view c) {
  if (c.empty() || c.size() > 100) return false;
  for (const char ch : c)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_' || ch == '.'))
      return false;
  return true;
}

struct Known {
  model::Ticket ticket;
  std::int64_t requested_at = 0;
};

SessionEnd Fail(const Verdict& v) { return SessionEnd{v.action, v.cause, v.retry_after_s, -1}; }

// A kiosk reads the updates of its own complaints only: over a 2G link a whole city's feed is
// mostly other kiosks' news, and every page of it cost a second call to map ids to tickets.
// "08-001,08-002" for issued_by; "" for the whole feed (a tablet, whose engineers' complaints
// were filed anywhere; an outbox that cannot say; more pairs than central takes in one query).
// False only on a storage error.
bool IssuedBy(model::Outbox& outbox, bool field, std::string* out, bool* nothing_filed) {
  out->clear();
  *nothing_filed = false;
  if (field) return true;
  std::optional<std::vector<model::Outbox::Issuer>> issuers;
  if (outbox.Issuers(&issuers) == model::OutboxResult::StorageError) return false;
  if (!issuers || issuers->size() > o311::kMaxIssuedBy) return true;
  *nothing_filed = issuers->empty();
  for (const auto& i : *issuers) {
    char pair[16];
    std::snprintf(pair, sizeof pair, "%02d-%03d", i.ward, i.device);
    if (!out->empty()) out->push_back(',');
    out->append(pair);
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------------------------

SessionEnd SyncEngine::Impl::Pull() {
  constexpr int kPage = 100;
  const Headers auth = {{"Authorization", "Bearer " + cfg.api_key}};
  std::string issued_by;
  bool nothing_filed = false;
  if (!IssuedBy(outbox, cfg.field != nullptr, &issued_by, &nothing_filed))
    return Fail(Verdict{Action::Transient, "device storage error while reading its tickets", -1});
  if (nothing_filed) return SessionEnd{};  // nothing filed here yet: no update can be ours
  for (int page = 0; page < 1000 && !transport.cancelled(); ++page) {
    std::string url = cfg.base_url + "/servicerequestupdates.json?limit=" + std::to_string(kPage);
    if (!state.feed_cursor.empty()) url += "&updated_after=" + protocol::PercentEncode(state.feed_cursor);
    if (!issued_by.empty()) url += "&issued_by=" + issued_by;
    const HttpResult r = transport.Perform(HttpCall{"GET", url, auth, {}});
    Verdict v = Classify(r, Op::Feed, Now());
    if (v.action == Action::Permanent && r.status == 400 && !state.feed_cursor.empty()) {
      // Central no longer knows our cursor (a restored database, say): start again from the
      // beginning. Applying an update twice only repeats a history line.
      state.feed_cursor.clear();
      SaveState(state_path, state);
      continue;
    }
    if (v.action != Action::Ok) return Fail(v);
    std::string why;
    const auto feed = protocol::ParseJson(r.body, &why);
    if (!feed || feed->type != JsonValue::Type::Array)
      return Fail(Verdict{Action::Transient, "central sent an unreadable update feed; will retry", -1});

    // Which of these requests are ours, and under which ticket.
    std::map<std::string, Known> known;
    std::string ids;
    for (const JsonValue& u : feed->items) {
      const std::string id = u.Str("service_request_id");
      if (id.empty() || known.count(id)) continue;
      known[id] = Known{};
      if (!ids.empty()) ids.push_back(',');
      ids.append(id);
    }
    if (!ids.empty()) {
      const HttpResult l = transport.Perform(
          HttpCall{"GET", cfg.base_url + "/requests.json?service_request_id=" + ids + "&page_size=200", auth, {}});
      v = Classify(l, Op::Lookup, Now());
      if (v.action != Action::Ok) return Fail(v);
      const auto reqs = protocol::ParseJson(l.body, &why);
      if (!reqs || reqs->type != JsonValue::Type::Array)
        return Fail(Verdict{Action::Transient, "central sent an unreadable request list; will retry", -1});
      for (const JsonValue& q : reqs->items) {
        auto it = known.find(q.Str("service_request_id"));
        if (it == known.end()) continue;
        if (model::ParseTicket(q.Str("ticket"), &it->second.ticket) != model::TicketError::None) it->second.ticket = {};
        o311::ParseDatetime(q.Str("requested_datetime"), &it->second.requested_at);
      }
    }

    for (const JsonValue& u : feed->items) {
      // A tablet keeps the feed of the complaints assigned to it: the detail screen's history.
      if (cfg.field) {
        model::CentralUpdate cu;
        cu.update_id = u.Str("update_id");
        cu.central_id = u.Str("service_request_id");
        cu.status = u.Str("status");
        cu.note = u.Str("description");
        cu.conflict = u.True("conflict");
        if (!cu.update_id.empty() && o311::ParseDatetime(u.Str("updated_datetime"), &cu.at) &&
            !cfg.field->RecordCentralUpdate(cu))
          return Fail(Verdict{Action::Transient, "device storage error while saving a complaint's history", -1});
      }
      const Known& k = known[u.Str("service_request_id")];
      const auto status = CitizenStatus(u.Str("status"));
      std::int64_t at = 0;
      if (!model::IsValid(k.ticket) || !status || !o311::ParseDatetime(u.Str("updated_datetime"), &at)) continue;
      // Central's own "received" written with the request itself: the device recorded that
      // already when the entry became sent (MarkSent), so it is not repeated in the history.
      if (*status == model::Status::Received && at == k.requested_at) continue;
      const model::OutboxResult res = outbox.ApplyStatus(k.ticket, *status, at, u.Str("description"));
      if (res == model::OutboxResult::StorageError)
        return Fail(Verdict{Action::Transient, "device storage error while saving status updates", -1});
      if (res == model::OutboxResult::Ok) {
        progress_since_failure = true;
        Publish([](SyncSnapshot& s) { ++s.updates_applied; });
      }
    }
    std::string next = r.Header("samvad-next-cursor");
    if (next.empty() && !feed->items.empty()) next = feed->items.back().Str("cursor");
    if (PlausibleCursor(next) && next != state.feed_cursor) {
      state.feed_cursor = next;
      SaveState(state_path, state);
    }
    if (static_cast<int>(feed->items.size()) < kPage) break;
  }
  return SessionEnd{};
}

// ---------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------

SessionEnd SyncEngine::Impl::RefreshCatalog() {
  const HttpResult r = transport.Perform(HttpCall{"GET", cfg.base_url + "/services.json", {}, {}});
  const Verdict v = Classify(r, Op::Catalog, Now());
  if (v.action != Action::Ok) return Fail(v);
  std::string why;
  const auto doc = protocol::ParseJson(r.body, &why);
  bool ok = doc && doc->type == JsonValue::Type::Array && !doc->items.empty();
  for (size_t i = 0; ok && i < doc->items.size(); ++i) ok = !doc->items[i].Str("service_code").empty();
  // A catalog the UI cannot use must not replace one it can.
  if (!ok) return Fail(Verdict{Action::Transient, "central sent an unreadable catalog; keeping the old one", -1});
  if (!WriteFileAtomic(catalog_path, r.body))
    return Fail(Verdict{Action::Transient, "device storage error while saving the catalog", -1});
  state.catalog_at = Now();
  SaveState(state_path, state);
  return SessionEnd{};
}

}  // namespace samvad::sync
