// api_field.cpp — what central offers the field engineer's tablet beyond Open311 (issue 5): the
// staff accounts devices verify PINs against offline (GET /staff.json), development works not
// tied to a complaint (POST /works.json, GET /works/{id}.json), and the public Atom feed of
// resolved complaints and works with their before/after photos (GET /feed.atom). Field updates
// themselves are POST /servicerequestupdates.json in api.cpp; photos are tus, in api_media.cpp.
//
// [SECTION] staff accounts
// [SECTION] development works
// [SECTION] the Atom feed
#include <algorithm>
#include <charconv>

#include "sync/central/api.h"
#include "sync/central/atom.h"
#include "sync/central/crypto.h"

namespace samvad::central {

namespace o311 = protocol::open311;
using protocol::Form;
using protocol::JsonWriter;

namespace {

bool ParseId(std::string_view s, std::int64_t* out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && *out > 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] staff accounts
// ---------------------------------------------------------------------------------------------

// The accounts of the device's ward (every ward's for a device enrolled without one), inactive
// ones too: a device must learn that an account was disabled, or it would go on accepting its PIN
// offline. The hashes are Argon2id (DESIGN.md, "Staff accounts" says why shipping them is
// acceptable, and S6 why only the ward's); never the PIN, which central does not have.
HttpResponse Api::StaffList(const HttpRequest& req) {
  std::string device;
  if (auto denied = Authenticate(req, nullptr, &device)) return *denied;
  std::vector<StaffAccount> staff;
  if (const Status st = storage_.ListStaffFor(device, &staff); !st.ok()) return StorageFailure(st, "list staff");
  JsonWriter w;
  w.BeginArray();
  for (const auto& a : staff) {
    w.BeginObject()
        .Field("user_id", a.user_id)
        .Field("name", a.name)
        .Field("ward", a.ward)
        .Field("department", a.department)
        .Field("role", a.role)
        .Key("active").Bool(a.active)
        .Field("pin_hash", a.pin_hash)
        .Field("updated_datetime", o311::FormatDatetime(a.updated_at))
        .EndObject();
  }
  w.EndArray();
  HttpResponse r = HttpResponse::Json(200, w.str());
  // Hashes are offline-attackable material: no proxy or device cache keeps a copy.
  r.headers.emplace_back("Cache-Control", "no-store");
  // Central's clock when the list was read: what the device records as the list's time.
  r.headers.emplace_back("Samvad-Listed-At", o311::FormatDatetime(UnixNow()));
  return r;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] development works
// ---------------------------------------------------------------------------------------------

HttpResponse Api::CreateWork(const HttpRequest& req, const Body& body) {
  Form form;
  const std::string* ct = req.Header("content-type");
  if (ct && ct->rfind("application/x-www-form-urlencoded", 0) != 0)
    return ErrorResponse(400, "send the body as application/x-www-form-urlencoded");
  if (std::string why; !protocol::DecodeForm(body, &form, &why)) return ErrorResponse(400, why);
  IdemKey idem;
  if (auto denied = Authenticate(req, &form, &idem.device_id)) return *denied;
  o311::NewWork work;
  o311::ApiError bad;
  if (!o311::ParseWork(form, req.Header("idempotency-key"), cfg_.catalog.wards, &work, &bad))
    return ErrorResponse(bad.status, bad.description);
  idem.key = work.client_uuid;
  idem.endpoint = "works";
  std::string canonical = "works\n" + o311::CanonicalForm(form);
  idem.payload_hash = Sha256Hex(canonical);
  IdemOutcome out;
  const Status st = storage_.CreateWork(work, idem, [](std::int64_t id) {
    JsonWriter w;
    w.BeginArray().BeginObject().Field("work_id", std::to_string(id)).EndObject().EndArray();
    return w.str();
  }, &out);
  if (!st.ok()) return StorageFailure(st, "create work");
  if (out.kind == IdemOutcome::Kind::kConflict) return ErrorResponse(409, out.reason);
  HttpResponse r = HttpResponse::Json(out.status, out.body);
  if (out.kind == IdemOutcome::Kind::kReplayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

HttpResponse Api::GetWork(const HttpRequest& req, const std::string& id_text) {
  bool is_public = true;
  if (auto denied = Reader(req, &is_public)) return *denied;
  std::int64_t id = 0;
  o311::Work work;
  bool found = false;
  if (ParseId(id_text, &id)) {
    if (const Status st = storage_.GetWork(id, &work, &found); !st.ok()) return StorageFailure(st, "get work");
  }
  if (!found) return ErrorResponse(404, "no work '" + id_text + "'");
  std::vector<Upload> photos;
  if (const Status st = storage_.WorkPhotos({}, {id}, &photos); !st.ok()) return StorageFailure(st, "list photos");
  work.work_photos = PublishedWorkPhotos(photos, 0, id);
  if (is_public) {  // as a request's public view and the Atom feed: an engineer's text may hold a number
    work.title = atom::RedactPhoneNumbers(work.title);
    work.description = atom::RedactPhoneNumbers(work.description);
    work.user_id.clear();  // a staff id: what a kiosk's sign-in asks for
  }
  JsonWriter w;
  w.BeginArray();
  o311::WriteWork(w, work, cfg_.base_url);
  w.EndArray();
  return HttpResponse::Json(200, w.str());
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the Atom feed
// ---------------------------------------------------------------------------------------------

namespace {

std::string WardLabel(const Catalog& catalog, const std::string& number) {
  const o311::Ward* w = catalog.FindWard(number);
  if (!w) return number.empty() ? "Ward office" : "Ward " + number + " office";
  return "Ward " + w->number + " (" + w->code + ") office";
}

void AddPhotoLinks(const std::vector<const Upload*>& photos, const std::string& base_url, atom::Entry* e,
                   std::int64_t* updated) {
  for (const Upload* u : photos) {
    atom::Link l;
    l.rel = "enclosure";
    l.href = base_url + o311::MediaPath(u->id);
    l.type = u->content_type;
    l.title = u->kind.rfind("before", 0) == 0 ? "before" : "after";
    l.length = u->length;
    e->links.push_back(std::move(l));
    *updated = std::max(*updated, u->completed_at);
  }
}

}  // namespace

// Public, no key: what a corporation's social-media cell posts from. An entry carries only the
// complaint's category, ward, status and description (phone-like numbers removed) — never the
// citizen's name, phone, email or address, nor a device id or the complaint's client UUID.
HttpResponse Api::AtomFeed(const HttpRequest& req) {
  std::int64_t limit = 50;
  if (const std::string* l = protocol::OptionalArg(req.query, "limit"); l && (!ParseId(*l, &limit) || limit > 200))
    return ErrorResponse(400, "limit must be a whole number from 1 to 200");
  std::string feed_uuid;
  if (const Status st = storage_.FeedUuid("urn:uuid:" + RandomUuid(), &feed_uuid); !st.ok())
    return StorageFailure(st, "feed id");
  std::vector<o311::ServiceRequest> requests;
  std::vector<o311::Work> works;
  if (const Status st = storage_.ResolvedRequests(static_cast<int>(limit), &requests); !st.ok())
    return StorageFailure(st, "resolved requests");
  if (const Status st = storage_.LatestWorks(static_cast<int>(limit), &works); !st.ok())
    return StorageFailure(st, "latest works");
  std::vector<std::int64_t> request_ids, work_ids;
  for (const auto& r : requests) request_ids.push_back(r.id);
  for (const auto& w : works) work_ids.push_back(w.id);
  std::vector<Upload> photos;
  if (const Status st = storage_.WorkPhotos(request_ids, work_ids, &photos); !st.ok())
    return StorageFailure(st, "list photos");
  // Befores first, then afters, each in index order (WorkPhotos sorts by kind: after… < before…).
  const auto photos_of = [&photos](std::int64_t request_id, std::int64_t work_id) {
    std::vector<const Upload*> out;
    for (const char* kind : {"before", "after"})
      for (const auto& u : photos)
        if (u.request_id == request_id && u.work_id == work_id && u.kind.rfind(kind, 0) == 0) out.push_back(&u);
    return out;
  };

  std::vector<atom::Entry> entries;
  for (const auto& r : requests) {
    atom::Entry e;
    // Seeded by the feed's own random id: stable for the life of the database, and it reveals
    // nothing (the request id is public anyway; the client UUID is an idempotency key).
    e.id = atom::UuidUrnFromSeed(feed_uuid + "/request/" + std::to_string(r.id));
    const o311::Ward* ward = cfg_.catalog.FindWard(r.ward);
    e.title = "Resolved: " + r.service_name +
              (ward ? ", ward " + ward->number + " (" + ward->code + ")" : r.ward.empty() ? "" : ", ward " + r.ward);
    e.title_lang = "en";  // category and ward names come from the catalog's English names
    const std::string text = atom::RedactPhoneNumbers(r.description);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      e.content = r.service_name;
      e.content_lang = "en";
    } else {
      e.content = text;
      e.content_lang = r.lang.empty() ? atom::GuessLang(text) : r.lang;
    }
    e.author = WardLabel(cfg_.catalog, r.ward);
    e.category_term = r.service_code;
    e.category_label = r.service_name;
    e.category_scheme = cfg_.base_url + "/services.json";
    e.published = r.requested_at;
    e.updated = r.status_changed_at ? r.status_changed_at : r.updated_at;
    e.links.push_back({"alternate", cfg_.base_url + "/requests/" + std::to_string(r.id) + ".json", "application/json", "", -1});
    AddPhotoLinks(photos_of(r.id, 0), cfg_.base_url, &e, &e.updated);
    entries.push_back(std::move(e));
  }
  for (const auto& w : works) {
    atom::Entry e;
    e.id = atom::UuidUrnFromSeed(feed_uuid + "/work/" + std::to_string(w.id));
    e.title = w.title;
    e.title_lang = w.lang;
    const std::string text = atom::RedactPhoneNumbers(w.description);
    e.content = text.find_first_not_of(" \t\r\n") == std::string::npos ? w.title : text;
    e.content_lang = w.lang;
    e.author = WardLabel(cfg_.catalog, w.ward);
    e.category_term = "development-work";
    e.category_label = "Development work";
    e.published = w.created_at;
    e.updated = std::max(w.created_at, w.updated_at);
    e.links.push_back({"alternate", cfg_.base_url + "/works/" + std::to_string(w.id) + ".json", "application/json", "", -1});
    AddPhotoLinks(photos_of(0, w.id), cfg_.base_url, &e, &e.updated);
    entries.push_back(std::move(e));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const atom::Entry& a, const atom::Entry& b) { return a.updated > b.updated; });
  if (entries.size() > static_cast<size_t>(limit)) entries.resize(static_cast<size_t>(limit));

  atom::Feed feed;
  feed.id = feed_uuid;
  feed.title = "Resolved complaints and development works";
  feed.title_lang = "en";
  feed.generator = "samvad-central";
  feed.author = "Municipal ward offices";
  feed.updated = entries.empty() ? UnixNow() : entries.front().updated;
  feed.links.push_back({"self", cfg_.base_url + "/feed.atom", "application/atom+xml", "", -1});
  feed.entries = std::move(entries);
  HttpResponse r;
  r.status = 200;
  r.body = atom::Render(feed);
  r.headers.emplace_back("Content-Type", std::string(atom::kContentType));
  r.headers.emplace_back("Cache-Control", "public, max-age=60");
  return r;
}

}  // namespace samvad::central
