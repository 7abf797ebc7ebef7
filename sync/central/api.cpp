// api.cpp — routing, authentication, Open311 GeoReport v2 endpoints and our JSON extensions
// (update feed with field updates, device enrolment). tus media is in api_media.cpp; staff
// accounts, development works and the Atom feed in api_field.cpp.
//
// [SECTION] helpers: errors, buffered bodies, forms, auth
// [SECTION] router
// [SECTION] Open311: discovery, services, requests
// [SECTION] extensions: update feed, devices
#include "sync/central/api.h"

#include <charconv>
#include <cstdio>

#include "sync/central/atom.h"
#include "sync/central/crypto.h"
#include "sync/protocol/tus.h"

namespace samvad::central {

namespace o311 = protocol::open311;
using protocol::Form;
using protocol::JsonWriter;

// ---------------------------------------------------------------------------------------------
// [SECTION] helpers
// ---------------------------------------------------------------------------------------------

HttpResponse ErrorResponse(int status, std::string_view description) {
  return HttpResponse::Json(status, o311::ErrorBody(status, description));
}

namespace {

// Open311 bodies are small; a form past 64 KiB is a mistake or an attack, not a complaint.
constexpr size_t kMaxFormBytes = 64 * 1024;
// Protocol version of this API as Open311 discovery reports it.
constexpr const char* kChangeset = "2024-11-23T00:00:00Z";

class Buffered final : public RequestHandler {
 public:
  using Fn = std::function<HttpResponse(const std::string& body)>;
  Buffered(size_t limit, Fn fn) : limit_(limit), fn_(std::move(fn)) {}
  void OnBody(const char* data, size_t n) override {
    if (too_big_ || body_.size() + n > limit_) {
      too_big_ = true;  // keep reading (and dropping) so the client sees our answer, not a reset
      return;
    }
    body_.append(data, n);
  }
  HttpResponse OnComplete() override {
    if (too_big_) return ErrorResponse(413, "request body larger than " + std::to_string(limit_) + " bytes");
    return fn_(body_);
  }

 private:
  size_t limit_;
  Fn fn_;
  std::string body_;
  bool too_big_ = false;
};

// A response decided from the headers alone; any body the client sends is read and dropped, so a
// 405 to a PUT with a body stays a 405.
class Fixed final : public RequestHandler {
 public:
  explicit Fixed(HttpResponse r) : r_(std::move(r)) {}
  void OnBody(const char*, size_t) override {}
  HttpResponse OnComplete() override { return std::move(r_); }

 private:
  HttpResponse r_;
};


// The form of a POST: the body, which must be application/x-www-form-urlencoded (Open311).
bool ReadForm(const HttpRequest& req, const std::string& body, Form* form, HttpResponse* err) {
  const std::string* ct = req.Header("content-type");
  if (ct && ct->rfind("application/x-www-form-urlencoded", 0) != 0) {
    *err = ErrorResponse(400, "send the body as application/x-www-form-urlencoded (Open311 GeoReport v2)");
    return false;
  }
  std::string why;
  if (!protocol::DecodeForm(body, form, &why)) {
    *err = ErrorResponse(400, why);
    return false;
  }
  return true;
}

bool ParsePositive(std::string_view s, std::int64_t* out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && *out > 0;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(std::move(part));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

HttpResponse FromOutcome(const IdemOutcome& out) {
  if (out.kind == IdemOutcome::Kind::kConflict) return ErrorResponse(409, out.reason);
  HttpResponse r = HttpResponse::Json(out.status, out.body);
  // Tells a device (and a test) that nothing new was made: the first answer is being repeated.
  if (out.kind == IdemOutcome::Kind::kReplayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

std::unique_ptr<RequestHandler> Respond(HttpResponse r) { return std::make_unique<Fixed>(std::move(r)); }

std::string IdemPayloadHash(std::string_view endpoint, const Form& form) {
  std::string canonical(endpoint);
  canonical.push_back('\n');
  canonical.append(o311::CanonicalForm(form));
  return Sha256Hex(canonical);
}

std::string CreatedRequestBody(std::int64_t id) {
  JsonWriter w;
  w.BeginArray().BeginObject().Field("service_request_id", std::to_string(id)).Field("service_notice", "");
  w.Key("account_id").Null().EndObject().EndArray();
  return w.str();
}

Api::Api(Storage& storage, ApiConfig config) : storage_(storage), cfg_(std::move(config)) {}

HttpResponse Api::StorageFailure(const Status& st, const char* what) {
  std::fprintf(stderr, "samvad-central: %s: %s\n", what, st.message.c_str());
  if (st.code == Status::Code::kFull) {
    // Not cleared in seconds: an operator must free space. The device keeps what it sent.
    HttpResponse r =
        ErrorResponse(503, "central's database disk is full; nothing was stored, and it is taken once space is freed");
    r.headers.emplace_back("Retry-After", "300");
    return r;
  }
  if (st.code == Status::Code::kUnavailable) {
    HttpResponse r = ErrorResponse(503, "the queue's database is unavailable; try again shortly");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  return ErrorResponse(500, "internal error; the request was not stored");
}

namespace {

// The key a request carries: the api_key field (form or query) or "Authorization: Bearer";
// empty when none.
std::string RequestKey(const HttpRequest& req, const protocol::Form* form) {
  const std::string* key = form ? protocol::FormGet(*form, "api_key") : nullptr;
  if (!key) key = protocol::FormGet(req.query, "api_key");
  if (key) return *key;
  if (const std::string* auth = req.Header("authorization"); auth && auth->rfind("Bearer ", 0) == 0) return auth->substr(7);
  return {};
}

}  // namespace

std::optional<HttpResponse> Api::Authenticate(const HttpRequest& req, const Form* form, std::string* device_id,
                                              std::string* kind) {
  const std::string key = RequestKey(req, form);
  if (key.empty()) return ErrorResponse(403, "api_key is required: enrol this device first");
  // Keys are 256 random bits, so one SHA-256 is enough to store them (no password stretching),
  // and looking a row up by the hash leaks nothing about the key through timing.
  return AuthenticateHash(Sha256Hex(key), device_id, kind);
}

std::optional<HttpResponse> Api::AuthenticateHash(const std::string& key_hash, std::string* device_id,
                                                   std::string* kind) {
  AuthResult result;
  const Status st = storage_.Authenticate(key_hash, &result, device_id, kind);
  if (!st.ok()) return StorageFailure(st, "authenticate");
  if (result == AuthResult::kRevoked) return ErrorResponse(403, "this device has been revoked; enrol it again");
  if (result != AuthResult::kOk) return ErrorResponse(403, "api_key is not valid");
  return std::nullopt;
}

std::optional<HttpResponse> Api::KnownDevice(const HttpRequest& req, std::string* device_id) {
  const std::string key = RequestKey(req, nullptr);
  if (key.empty()) return ErrorResponse(403, "api_key is required: enrol this device first");
  const std::string hash = Sha256Hex(key);
  {
    std::lock_guard<std::mutex> lock(known_keys_mu_);
    if (const auto it = known_keys_.find(hash); it != known_keys_.end()) {
      *device_id = it->second;
      return std::nullopt;
    }
  }
  if (auto denied = AuthenticateHash(hash, device_id)) return denied;
  std::lock_guard<std::mutex> lock(known_keys_mu_);
  if (known_keys_.size() >= kMaxKnownKeys) known_keys_.clear();  // a bound, not an eviction policy
  known_keys_.emplace(hash, *device_id);
  return std::nullopt;
}

void Api::ForgetKnownDevice(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(known_keys_mu_);
  std::erase_if(known_keys_, [&](const auto& kv) { return kv.second == device_id; });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] router
// ---------------------------------------------------------------------------------------------

std::unique_ptr<RequestHandler> Api::Route(const HttpRequest& req) {
  const std::string& p = req.path;
  const std::string& m = req.method;
  const auto body = [this, &req](HttpResponse (Api::*fn)(const HttpRequest&, const Body&)) {
    return std::make_unique<Buffered>(kMaxFormBytes, [this, &req, fn](const std::string& b) { return (this->*fn)(req, b); });
  };
  const auto not_allowed = [](const char* allow) {
    HttpResponse r = ErrorResponse(405, std::string("method not allowed here; use ") + allow);
    r.headers.emplace_back("Allow", allow);
    return Respond(std::move(r));
  };
  if (!req.query_error.empty()) return Respond(ErrorResponse(400, req.query_error));

  // tus first: its paths have no format suffix.
  const auto tus_not_allowed = [](const char* allow) {
    HttpResponse r = WithTusResumable(ErrorResponse(405, std::string("method not allowed here; use ") + allow));
    r.headers.emplace_back("Allow", allow);
    return Respond(std::move(r));
  };
  // tus core: X-HTTP-Method-Override, when present, is the request's method — for clients behind
  // proxies that pass only GET and POST. Honoured on a POST only: a GET stays a safe request that
  // a proxy may repeat, never a PATCH.
  const std::string* override_method = m == "POST" ? req.Header("x-http-method-override") : nullptr;
  const std::string& tm = override_method ? *override_method : m;
  if (p == "/media" || p == "/media/") {
    if (tm == "OPTIONS") return Respond(TusOptions());
    if (tm == "POST") return TusCreateHandler(req);
    return tus_not_allowed("OPTIONS, POST");
  }
  if (p == protocol::tus::kSyncPath) return m == "POST" ? body(&Api::MediaSync) : not_allowed("POST");
  if (p.rfind("/media/", 0) == 0) {
    const std::string id = p.substr(7);
    if (tm == "OPTIONS") return Respond(TusOptions());
    if (tm == "HEAD") return Respond(WithTusResumable(TusHead(req, id)));
    if (tm == "PATCH") return TusPatchHandler(req, id);
    if (tm == "GET") return Respond(ServeMedia(id));  // a photo, served: not a tus request
    return tus_not_allowed("GET, HEAD, PATCH, OPTIONS");
  }

  if (p.size() > 4 && p.compare(p.size() - 4, 4, ".xml") == 0)
    return Respond(ErrorResponse(400, "this endpoint serves JSON only: use .json"));
  if (p == "/discovery.json") return m == "GET" ? Respond(Discovery()) : not_allowed("GET");
  if (p == "/services.json") return m == "GET" ? Respond(Services()) : not_allowed("GET");
  if (p == "/requests.json") {
    if (m == "GET") return Respond(ListRequests(req));
    if (m == "POST") return body(&Api::CreateRequest);
    return not_allowed("GET, POST");
  }
  if (p == "/servicerequestupdates.json") {
    if (m == "GET") return Respond(Feed(req));
    if (m == "POST") return body(&Api::PostUpdate);
    return not_allowed("GET, POST");
  }
  if (p == "/devices/enroll.json") return m == "POST" ? body(&Api::Enroll) : not_allowed("POST");
  if (p == "/devices/sign-key.json") return m == "POST" ? body(&Api::RegisterSignKey) : not_allowed("POST");
  if (p == "/bundle-key.json") return m == "GET" ? Respond(BundleKey()) : not_allowed("GET");
  if (p == "/staff.json") return m == "GET" ? Respond(StaffList(req)) : not_allowed("GET");
  if (p == "/works.json") return m == "POST" ? body(&Api::CreateWork) : not_allowed("POST");
  if (p == "/feed.atom") return m == "GET" ? Respond(AtomFeed(req)) : not_allowed("GET");

  const auto item = [&p](std::string_view prefix, std::string* key) {
    if (p.size() <= prefix.size() + 5 || p.rfind(prefix, 0) != 0 || p.compare(p.size() - 5, 5, ".json") != 0)
      return false;
    std::string why;
    return protocol::PercentDecode(p.substr(prefix.size(), p.size() - prefix.size() - 5), false, key, &why) &&
           key->find('/') == std::string::npos;
  };
  std::string key;
  if (item("/services/", &key)) return m == "GET" ? Respond(ServiceDefinition(key)) : not_allowed("GET");
  if (item("/requests/", &key)) return m == "GET" ? Respond(GetRequest(req, key)) : not_allowed("GET");
  if (item("/works/", &key)) return m == "GET" ? Respond(GetWork(req, key)) : not_allowed("GET");
  return Respond(ErrorResponse(404, "no such endpoint: " + p));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Open311
// ---------------------------------------------------------------------------------------------

HttpResponse Api::Discovery() {
  JsonWriter w;
  w.BeginObject()
      .Field("changeset", kChangeset)
      .Field("contact", "Your municipal corporation's Samvad administrator")
      .Field("key_service", "Device keys come from `samvad-central enroll` and POST /devices/enroll.json")
      .Key("endpoints")
      .BeginArray()
      .BeginObject()
      .Field("specification", "http://wiki.open311.org/GeoReport_v2")
      .Field("url", cfg_.base_url)
      .Field("changeset", kChangeset)
      .Field("type", "production")
      .Key("formats").BeginArray().String("application/json").EndArray()
      // Ours, documented in PROTOCOL.md; Open311 clients ignore unknown members.
      .Key("extensions").BeginArray()
      .String("idempotency").String("tus-1.0.0").String("servicerequestupdates").String("devices").String("ticket")
      .String("staff").String("works").String("atom").String("bundles")
      .EndArray()
      .EndObject()
      .EndArray()
      .EndObject();
  return HttpResponse::Json(200, w.str());
}

HttpResponse Api::Services() {
  std::vector<o311::Service> services;
  if (const Status st = storage_.ListServices(&services); !st.ok()) return StorageFailure(st, "list services");
  JsonWriter w;
  w.BeginArray();
  for (const auto& s : services) o311::WriteService(w, s);
  w.EndArray();
  return HttpResponse::Json(200, w.str());
}

HttpResponse Api::ServiceDefinition(const std::string& code) {
  o311::Service s;
  bool found = false;
  if (const Status st = storage_.GetService(code, &s, &found); !st.ok()) return StorageFailure(st, "get service");
  if (!found) return ErrorResponse(404, "no service with service_code '" + code + "'");
  JsonWriter w;
  o311::WriteServiceDefinition(w, s, cfg_.catalog.wards);
  return HttpResponse::Json(200, w.str());
}

HttpResponse Api::CreateRequest(const HttpRequest& req, const Body& body) {
  Form form;
  HttpResponse err;
  if (!ReadForm(req, body, &form, &err)) return err;
  IdemKey idem;
  if (auto denied = Authenticate(req, &form, &idem.device_id)) return *denied;
  o311::NewServiceRequest nr;
  o311::ApiError bad;
  if (!o311::ParseCreate(form, req.Header("idempotency-key"), cfg_.catalog.wards, &nr, &bad))
    return ErrorResponse(bad.status, bad.description);
  o311::Service service;
  bool found = false;
  if (const Status st = storage_.GetService(nr.service_code, &service, &found); !st.ok())
    return StorageFailure(st, "get service");
  if (!found) return ErrorResponse(404, "no service with service_code '" + nr.service_code + "'");
  idem.key = nr.client_uuid;
  idem.endpoint = "requests";
  idem.payload_hash = IdemPayloadHash(idem.endpoint, form);
  IdemOutcome out;
  const Status st = storage_.CreateRequest(nr, idem, CreatedRequestBody, &out);
  if (!st.ok()) return StorageFailure(st, "create request");
  return FromOutcome(out);
}

std::optional<HttpResponse> Api::Reader(const HttpRequest& req, bool* is_public) {
  *is_public = RequestKey(req, nullptr).empty();
  if (*is_public) return std::nullopt;
  std::string device, kind;
  if (auto denied = Authenticate(req, nullptr, &device, &kind)) return denied;
  // A kiosk shows a citizen their ticket's status and history, which the public view holds in
  // full; a stolen kiosk key must not read every citizen's number city-wide (S7's reasoning).
  *is_public = kind == "kiosk";
  return std::nullopt;
}

namespace {

// What anyone may read of a request: a number the citizen typed into the description or the
// address, or one an officer wrote into the notes, is not published (atom::RedactPhoneNumbers,
// as in the Atom feed), and neither is the staff id it is assigned to (ids are what a kiosk's
// sign-in asks for).
void WriteRequest(JsonWriter& w, o311::ServiceRequest r, bool is_public, const std::string& base_url) {
  if (is_public) {
    r.description = atom::RedactPhoneNumbers(r.description);
    r.status_notes = atom::RedactPhoneNumbers(r.status_notes);
    r.address = atom::RedactPhoneNumbers(r.address);  // "opposite my shop, call 98…": it happens
    r.assigned_to.clear();
  }
  o311::WriteServiceRequest(w, r, base_url);
}

}  // namespace

HttpResponse Api::ListRequests(const HttpRequest& req) {
  bool is_public = true;
  if (auto denied = Reader(req, &is_public)) return *denied;
  const Form& q = req.query;
  RequestQuery query;
  const auto get = [&q](const char* name) { return protocol::OptionalArg(q, name); };
  if (const std::string* ids = get("service_request_id")) {
    // The spec: with service_request_id, the other filters are ignored.
    for (const auto& part : SplitComma(*ids)) {
      std::int64_t id;
      if (!ParsePositive(part, &id)) return ErrorResponse(400, "service_request_id must be numbers separated by commas");
      query.ids.push_back(id);
    }
    if (query.ids.empty() || query.ids.size() > 200) return ErrorResponse(400, "service_request_id must list 1 to 200 ids");
  } else {
    if (const std::string* codes = get("service_code")) query.service_codes = SplitComma(*codes);
    if (const std::string* status = get("status")) {
      const auto parts = SplitComma(*status);
      for (const auto& s : parts)
        if (!o311::IsRequestStatus(s)) return ErrorResponse(400, "status must be open, closed or open,closed");
      if (parts.size() == 1) query.status = parts[0];
    }
    const std::string* start = get("start_date");
    const std::string* end = get("end_date");
    if (start && !o311::ParseDatetime(*start, &query.start))
      return ErrorResponse(400, "start_date must be a W3C datetime like 2024-05-01T00:00:00+05:30");
    if (end && !o311::ParseDatetime(*end, &query.end))
      return ErrorResponse(400, "end_date must be a W3C datetime like 2024-05-31T23:59:59+05:30");
    if (start && end && query.end < query.start) return ErrorResponse(400, "end_date is before start_date");
    const std::string* ticket = get("ticket");
    if (ticket && !o311::TicketDigits(*ticket, &query.ticket_digits))
      return ErrorResponse(400, "ticket must be digits and dashes, like 08-001-00042-9");
    const std::string* assigned = get("assigned_to");
    if (assigned && is_public)
      return ErrorResponse(403, "assigned_to is an engineer's work list: it needs the api_key of a tablet, not a kiosk's");
    if (assigned && !o311::NormalizeUserId(*assigned, &query.assigned_to))
      return ErrorResponse(400, "assigned_to must be a staff user id (1 to 32 of A-Z, 0-9, '.', '_', '-')");
    // The spec's default window is the last 90 days; a ticket names one complaint, like an id,
    // and a citizen may well ask about one from last year. An engineer's work list must not lose
    // a complaint still open after 90 days either.
    if (!start && !end && !ticket && !assigned) query.start = UnixNow() - 90 * 86400;
  }
  std::int64_t page = 1, page_size = 50;
  if (const std::string* s = get("page"); s && !ParsePositive(*s, &page))
    return ErrorResponse(400, "page must be a whole number from 1");
  if (const std::string* s = get("page_size"); s && (!ParsePositive(*s, &page_size) || page_size > 200))
    return ErrorResponse(400, "page_size must be a whole number from 1 to 200");
  if (page > 1000000) return ErrorResponse(400, "page is too large");
  query.limit = static_cast<int>(page_size);
  query.offset = static_cast<int>((page - 1) * page_size);
  std::vector<o311::ServiceRequest> rows;
  if (const Status st = storage_.QueryRequests(query, &rows); !st.ok()) return StorageFailure(st, "query requests");
  if (const Status st = AddPhotoLists(&rows); !st.ok()) return StorageFailure(st, "list photos");
  JsonWriter w;
  w.BeginArray();
  for (const auto& r : rows) WriteRequest(w, r, is_public, cfg_.base_url);
  w.EndArray();
  return HttpResponse::Json(200, w.str());
}

Status Api::AddPhotoLists(std::vector<o311::ServiceRequest>* rows) {
  std::vector<std::int64_t> ids;
  for (const auto& r : *rows) ids.push_back(r.id);
  std::map<std::int64_t, std::vector<std::string>> extra;
  if (Status st = storage_.ExtraPhotos(ids, &extra); !st.ok()) return st;
  std::vector<Upload> work;
  if (Status st = storage_.WorkPhotos(ids, {}, &work); !st.ok()) return st;
  for (auto& r : *rows) {
    if (auto it = extra.find(r.id); it != extra.end()) r.extra_photo_upload_ids = std::move(it->second);
    r.work_photos = PublishedWorkPhotos(work, r.id, 0);
  }
  return {};
}

HttpResponse Api::GetRequest(const HttpRequest& req, const std::string& id_text) {
  bool is_public = true;
  if (auto denied = Reader(req, &is_public)) return *denied;
  std::int64_t id;
  if (!ParsePositive(id_text, &id)) return ErrorResponse(404, "no service request '" + id_text + "'");
  o311::ServiceRequest r;
  bool found = false;
  if (const Status st = storage_.GetRequest(id, &r, &found); !st.ok()) return StorageFailure(st, "get request");
  if (!found) return ErrorResponse(404, "no service request " + id_text);
  std::vector<o311::ServiceRequest> one{std::move(r)};
  if (const Status st = AddPhotoLists(&one); !st.ok()) return StorageFailure(st, "list photos");
  r = std::move(one[0]);
  JsonWriter w;
  w.BeginArray();  // the spec answers a single request as a one-element array
  WriteRequest(w, std::move(r), is_public, cfg_.base_url);
  w.EndArray();
  return HttpResponse::Json(200, w.str());
}

// ---------------------------------------------------------------------------------------------
// [SECTION] extensions
// ---------------------------------------------------------------------------------------------

namespace {

// `text` with each whole-word occurrence of the staff id `user_id` replaced by "[…]" (a short id
// inside a longer word stays: "JE" in "JET"). A word is a run of the characters ids are made of.
std::string WithoutStaffId(std::string text, const std::string& user_id) {
  if (user_id.empty()) return text;
  for (size_t at = text.find(user_id); at != std::string::npos; at = text.find(user_id, at)) {
    const size_t end = at + user_id.size();
    if ((at > 0 && o311::IsUserIdChar(text[at - 1])) || (end < text.size() && o311::IsUserIdChar(text[end]))) {
      at = end;
      continue;
    }
    text.replace(at, user_id.size(), "[…]");
    at += std::string_view("[…]").size();
  }
  return text;
}

}  // namespace

HttpResponse Api::Feed(const HttpRequest& req) {
  bool is_public = true;
  if (auto denied = Reader(req, &is_public)) return *denied;
  std::int64_t after = 0, limit = 100;
  if (const std::string* c = protocol::OptionalArg(req.query, "updated_after"); c && !o311::ParseCursor(*c, &after))
    return ErrorResponse(400, "updated_after must be a cursor this server gave you (from an update's 'cursor')");
  if (const std::string* l = protocol::OptionalArg(req.query, "limit"); l && (!ParsePositive(*l, &limit) || limit > 500))
    return ErrorResponse(400, "limit must be a whole number from 1 to 500");
  // One request's history (a kiosk asked about a ticket it does not hold): the same feed, cursor
  // and view, filtered. An id no request has is an empty page, as an id with no updates would be.
  FeedFilter filter;
  if (const std::string* id = protocol::OptionalArg(req.query, "service_request_id");
      id && !ParsePositive(*id, &filter.request_id))
    return ErrorResponse(400, "service_request_id must be one request's id (a whole number)");
  // A kiosk's own complaints: those whose tickets it issued, named by the ward and device number
  // that begin them ("08-001"). It reads only their updates over its slow link, not the city's.
  if (const std::string* devices = protocol::OptionalArg(req.query, "issued_by")) {
    for (const std::string& part : SplitComma(*devices)) {
      std::string digits;
      for (char ch : part)
        if (ch != '-') digits += ch;
      if (digits.size() != 5 || digits.find_first_not_of("0123456789") != std::string::npos) {
        filter.issued_by.clear();
        break;
      }
      filter.issued_by.push_back(digits);
    }
    if (filter.issued_by.empty() || filter.issued_by.size() > o311::kMaxIssuedBy)
      return ErrorResponse(400, "issued_by must be 1 to " + std::to_string(o311::kMaxIssuedBy) +
                                    " ward-device pairs that begin tickets, like 08-001, separated by commas");
  }
  std::vector<o311::RequestUpdate> updates;
  std::int64_t next = after;
  if (const Status st = storage_.FeedAfter(after, static_cast<int>(limit), &updates, filter, &next); !st.ok())
    return StorageFailure(st, "read feed");
  JsonWriter w;
  w.BeginArray();
  for (auto& u : updates) {
    if (is_public) {
      u.description = atom::RedactPhoneNumbers(u.description);  // an officer's note, too
      // A staff id is what a kiosk's sign-in asks for: the public reads neither the update's
      // user_id nor the id in its text ("Assigned to GN-ENG-04" → "Assigned to […]").
      u.description = WithoutStaffId(std::move(u.description), u.user_id);
      u.user_id.clear();
    }
    o311::WriteUpdate(w, u);
  }
  w.EndArray();
  HttpResponse r = HttpResponse::Json(200, w.str());
  r.headers.emplace_back("Samvad-Next-Cursor", o311::FormatCursor(next));
  return r;
}

HttpResponse Api::PostUpdate(const HttpRequest& req, const Body& body) {
  Form form;
  HttpResponse err;
  if (!ReadForm(req, body, &form, &err)) return err;
  IdemKey idem;
  if (auto denied = Authenticate(req, &form, &idem.device_id)) return *denied;
  const std::string* key = req.Header("idempotency-key");
  if (!key || key->empty() || key->size() > 200 || !protocol::IsValidUtf8(*key))
    return ErrorResponse(400, "an Idempotency-Key header (1 to 200 characters) is required");
  o311::NewUpdate update;
  o311::ApiError bad;
  if (!o311::ParseUpdate(form, &update, &bad)) return ErrorResponse(bad.status, bad.description);
  if (update.status == "transferred" && !cfg_.catalog.FindDepartment(update.department)) {
    std::string known;
    for (const auto& d : cfg_.catalog.departments) known += (known.empty() ? "" : ", ") + d.code;
    return ErrorResponse(400, "department '" + update.department + "' is not a department code (" + known + ")");
  }
  // The tablet's "resolved" needs the evidence: a published after photo of this request (kind
  // after, by tus, sent before the update; finished and durable, U6). A published upload never
  // goes back, so checking outside the update's transaction is enough. Open311's "fixed" stays
  // as it was (no photo).
  if (update.sent_status == "resolved") {
    std::vector<Upload> photos;
    if (const Status st = storage_.WorkPhotos({update.request_id}, {}, &photos); !st.ok())
      return StorageFailure(st, "list photos");
    const Upload* after = nullptr;
    for (const auto& u : photos)
      if (!after && u.kind.rfind("after", 0) == 0) after = &u;
    if (!after) {
      o311::ServiceRequest sr;
      bool found = false;
      if (const Status st = storage_.GetRequest(update.request_id, &sr, &found); !st.ok())
        return StorageFailure(st, "get request");
      if (!found) return ErrorResponse(404, "no service request " + std::to_string(update.request_id));
      return ErrorResponse(400, "resolved needs an after photo: upload it first (tus, Upload-Metadata kind after) "
                                "and send the update once the upload is complete (and flushed, if it was sent with "
                                "Samvad-Durable: later)");
    }
    // The update's one Open311 media_url is the after photo, unless the device named another.
    if (update.media_url.empty()) update.media_url = cfg_.base_url + o311::MediaPath(after->id);
  }
  idem.key = *key;
  idem.endpoint = "updates";
  idem.payload_hash = IdemPayloadHash(idem.endpoint, form);
  IdemOutcome out;
  const Status st = storage_.AddUpdate(update, idem, [](const UpdateApplied& a) {
    JsonWriter w;
    w.BeginArray().BeginObject().Field("update_id", std::to_string(a.update_id));
    w.Field("cursor", o311::FormatCursor(a.update_id));
    // What the device shows: on a conflict its update is history, and these are central's outcome.
    w.Key("conflict").Bool(a.conflict).Field("current_status", a.current_status);
    w.Field("request_status", a.request_status).Field("department", a.department).EndObject().EndArray();
    return w.str();
  }, &out);
  if (!st.ok()) return StorageFailure(st, "add update");
  if (out.kind == IdemOutcome::Kind::kNotFound)
    return ErrorResponse(404, "no service request " + std::to_string(update.request_id));
  return FromOutcome(out);
}

HttpResponse Api::Enroll(const HttpRequest& req, const Body& body) {
  Form form;
  HttpResponse err;
  if (!ReadForm(req, body, &form, &err)) return err;
  const std::string* code = protocol::FormGet(form, "code");
  if (!code || code->empty()) return ErrorResponse(400, "code is required (from `samvad-central enroll`)");
  const std::string key = RandomHex(32);
  std::string device_id;
  const Status st = storage_.RedeemEnrolment(Sha256Hex(NormalizeEnrolmentCode(*code)), Sha256Hex(key), &device_id);
  if (!st.ok()) return StorageFailure(st, "enrol");
  if (device_id.empty()) return ErrorResponse(403, "this enrolment code is unknown, already used or expired");
  JsonWriter w;
  w.BeginArray().BeginObject().Field("device_id", device_id).Field("api_key", key).EndObject().EndArray();
  HttpResponse r = HttpResponse::Json(200, w.str());
  r.headers.emplace_back("Cache-Control", "no-store");  // the only time the key is ever sent
  return r;
}

}  // namespace samvad::central
