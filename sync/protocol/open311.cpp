// open311.cpp — Open311 GeoReport v2 mapping, validation and formats (see open311.h).
//
// [SECTION] formats: errors, datetimes, UUIDs, tickets, statuses, cursors
// [SECTION] validation of creates and updates
// [SECTION] JSON for services, requests and updates
#include "sync/protocol/open311.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "sync/model/digits.h"

namespace samvad::protocol::open311 {

// ---------------------------------------------------------------------------------------------
// [SECTION] formats
// ---------------------------------------------------------------------------------------------

std::string ErrorBody(int code, std::string_view description) {
  JsonWriter w;
  w.BeginArray().BeginObject().Field("code", std::int64_t{code}).Field("description", description);
  w.EndObject().EndArray();
  return w.str();
}

namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil): timegm
// is a glibc extension and depends on TZ handling we do not want near the wire.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

std::string FormatDatetime(std::int64_t t) {
  std::int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) { secs += 86400; --days; }
  std::int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

bool ParseDatetime(std::string_view s, std::int64_t* out) {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return false;
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kMonthDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {  // fractions are allowed and dropped: we keep seconds
    ++i;
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh)) return false;
    size_t j = i + 3;
    if (j < s.size() && s[j] == ':') ++j;
    if (!Digits(s, j, 2, &om) || oh > 23 || om > 59) return false;
    offset = sign * (oh * 3600 + om * 60);
    i = j + 2;
  } else {
    return false;  // a time without a zone is ambiguous between a kiosk in IST and a server in UTC
  }
  if (i != s.size()) return false;
  *out = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
         mi * 60 + se - offset;
  return true;
}

bool ParseClientUuid(std::string_view s, std::string* canonical) {
  if (s.size() != 36) return false;
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 36; ++i) {
    const bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_pos ? s[i] != '-' : !IsHex(s[i])) return false;
    out.push_back(static_cast<char>(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]));
  }
  *canonical = std::move(out);
  return true;
}

bool TicketDigits(std::string_view ticket, std::string* digits) {
  const std::string ascii = model::NormalizeDigits(ticket);
  std::string out;
  for (const char c : ascii) {
    if (c >= '0' && c <= '9') out.push_back(c);
    else if (c != '-' && c != ' ') return false;
  }
  if (out.size() < 6 || out.size() > 20) return false;
  *digits = std::move(out);
  return true;
}

bool IsRequestStatus(std::string_view s) { return s == "open" || s == "closed"; }

bool IsUpdateStatus(std::string_view s) {
  return s == "open" || s == "in_progress" || s == "fixed" || s == "closed" || s == "acknowledged" ||
         s == "resolved" || s == "transferred" || s == "rejected";
}

std::string_view StoredUpdateStatus(std::string_view sent) {
  // FixMyStreet's words where it has one, so feed readers that know only those (the kiosk's
  // pull maps fixed → resolved, closed → rejected) read the tablet's outcomes correctly.
  if (sent == "resolved") return "fixed";
  if (sent == "rejected") return "closed";
  return sent;
}

std::string_view RequestStatusAfter(std::string_view update_status) {
  const std::string_view s = StoredUpdateStatus(update_status);
  return s == "fixed" || s == "closed" ? "closed" : "open";
}

bool IsLang(std::string_view s) { return s == "mr" || s == "hi" || s == "bn" || s == "en"; }

bool IsUserIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool NormalizeUserId(std::string_view typed, std::string* canonical) {
  if (typed.empty() || typed.size() > 32) return false;
  std::string out;
  for (const char c : typed) {
    if (!IsUserIdChar(c)) return false;
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  *canonical = std::move(out);
  return true;
}

std::string FormatCursor(std::int64_t after) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c1-%016llx", static_cast<unsigned long long>(after));
  return buf;
}

bool ParseCursor(std::string_view s, std::int64_t* after) {
  if (s.size() != 19 || s.substr(0, 3) != "c1-") return false;
  std::uint64_t v = 0;
  for (const char c : s.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    v = v << 4 | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  if (v > static_cast<std::uint64_t>(INT64_MAX)) return false;
  *after = static_cast<std::int64_t>(v);
  return true;
}

std::string MediaPath(std::string_view upload_id) {
  std::string p("/media/");
  p.append(upload_id);
  return p;
}

std::string CanonicalForm(const Form& form) {
  Form f;
  // Neither the key nor user_id is the payload: user_id says who recorded an update or a work
  // (attribution), and a device that learned to send it may retry one it first sent without
  // it; that must replay, not conflict.
  for (const auto& field : form)
    if (field.name != "api_key" && field.name != "user_id") f.push_back(field);
  std::sort(f.begin(), f.end(), [](const FormField& a, const FormField& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  });
  return EncodeForm(f);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] validation
// ---------------------------------------------------------------------------------------------

namespace {

bool Fail(ApiError* err, int status, std::string description) {
  err->status = status;
  err->description = std::move(description);
  return false;
}

// Copies the optional field `name` into `out`, refusing repeats and over-long values.
bool TakeField(const Form& form, std::string_view name, size_t max_bytes, std::string* out, ApiError* err) {
  const size_t n = FormCount(form, name);
  if (n == 0) return true;
  if (n > 1) return Fail(err, 400, std::string(name) + " was sent more than once");
  const std::string* v = FormGet(form, name);
  if (v->size() > max_bytes)
    return Fail(err, 400, std::string(name) + " is longer than " + std::to_string(max_bytes) + " bytes");
  *out = *v;
  return true;
}

// The same for free text the spec limits in characters, not bytes ("limited to 4,000
// characters"): a Devanagari or Bengali letter takes 3 bytes of UTF-8, and a citizen writing in
// Marathi must get the same room as one writing in English. Counts code points (UTF-8 lead bytes).
bool TakeText(const Form& form, std::string_view name, size_t max_chars, std::string* out, ApiError* err) {
  if (!TakeField(form, name, SIZE_MAX, out, err)) return false;  // the form's own bound limits the bytes
  const size_t chars = static_cast<size_t>(std::count_if(
      out->begin(), out->end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  if (chars > max_chars) {
    out->clear();
    return Fail(err, 400, std::string(name) + " is longer than " + std::to_string(max_chars) + " characters");
  }
  return true;
}

// The optional user_id of an update or a work: who recorded it, stored upper-cased.
bool TakeUserId(const Form& form, std::string* out, ApiError* err) {
  std::string typed;
  if (!TakeField(form, "user_id", 40, &typed, err)) return false;
  if (!typed.empty() && !NormalizeUserId(typed, out))
    return Fail(err, 400, "user_id must be a staff user id (1 to 32 of A-Z, 0-9, '.', '_', '-')");
  return true;
}

bool ParseCoordinate(std::string_view s, double lo, double hi, double* out) {
  if (s.empty()) return false;
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return false;
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

constexpr std::string_view kAttrPrefix = "attribute[";

}  // namespace

bool ParseCreate(const Form& form, const std::string* idempotency_key, const std::vector<Ward>& wards,
                 NewServiceRequest* out, ApiError* err) {
  *out = NewServiceRequest{};
  // attribute[...] names must be ones our service definitions declare (GET /services/{code}.json).
  for (const auto& f : form) {
    if (f.name.rfind(kAttrPrefix, 0) != 0) continue;
    if (f.name != "attribute[client_uuid]" && f.name != "attribute[ticket]" && f.name != "attribute[ward]" &&
        f.name != "attribute[captured_at]")
      return Fail(err, 400, "unknown attribute " + f.name + " (see the service definition)");
  }
  std::string uuid_text, lat_text, lon_text, captured_text;
  if (!TakeField(form, "service_code", 64, &out->service_code, err) ||
      !TakeText(form, "description", 4000, &out->description, err) ||
      !TakeField(form, "address_string", 500, &out->address, err) ||
      !TakeField(form, "address_id", 100, &out->address_id, err) ||
      !TakeField(form, "lat", 40, &lat_text, err) || !TakeField(form, "long", 40, &lon_text, err) ||
      !TakeField(form, "email", 200, &out->email, err) ||
      !TakeField(form, "first_name", 100, &out->first_name, err) ||
      !TakeField(form, "last_name", 100, &out->last_name, err) ||
      !TakeField(form, "phone", 40, &out->phone, err) ||
      !TakeField(form, "account_id", 100, &out->account_id, err) ||
      !TakeField(form, "device_id", 100, &out->device_hw_id, err) ||
      !TakeField(form, "media_url", 1000, &out->media_url, err) ||
      !TakeField(form, "attribute[client_uuid]", 64, &uuid_text, err) ||
      !TakeField(form, "attribute[ticket]", 64, &out->ticket, err) ||
      !TakeField(form, "attribute[ward]", 8, &out->ward, err) ||
      !TakeField(form, "attribute[captured_at]", 40, &captured_text, err) ||
      !TakeField(form, "lang", 8, &out->lang, err))
    return false;
  if (!out->lang.empty() && !IsLang(out->lang)) return Fail(err, 400, "lang must be mr, hi, bn or en");

  if (out->service_code.empty()) return Fail(err, 400, "service_code is required");

  // The device's client UUID is the idempotency key. It may come as the attribute, the header or
  // both; when both, they must agree or a retry could be matched to the wrong complaint.
  if (uuid_text.empty() && idempotency_key) uuid_text = *idempotency_key;
  if (uuid_text.empty())
    return Fail(err, 400, "attribute[client_uuid] (or an Idempotency-Key header) is required");
  if (!ParseClientUuid(uuid_text, &out->client_uuid))
    return Fail(err, 400, "attribute[client_uuid] must be a UUID like 2f1c…-…");
  std::string key_uuid;
  if (idempotency_key && (!ParseClientUuid(*idempotency_key, &key_uuid) || key_uuid != out->client_uuid))
    return Fail(err, 400, "the Idempotency-Key header must equal attribute[client_uuid]");

  // Open311: a location is required, as lat+long, address_string or address_id.
  if (!lat_text.empty() || !lon_text.empty()) {
    if (!ParseCoordinate(lat_text, -90, 90, &out->lat)) return Fail(err, 400, "lat must be a number from -90 to 90");
    if (!ParseCoordinate(lon_text, -180, 180, &out->lon))
      return Fail(err, 400, "long must be a number from -180 to 180");
    out->has_location = true;
  }
  if (!out->has_location && out->address.empty() && out->address_id.empty())
    return Fail(err, 400, "a location is required: lat and long, address_string or address_id");

  if (!out->ticket.empty() && !TicketDigits(out->ticket, &out->ticket_digits))
    return Fail(err, 400, "attribute[ticket] must be digits and dashes, like 08-001-00042-9");
  if (!out->ticket.empty()) out->ticket = model::NormalizeDigits(out->ticket);
  if (!out->ward.empty() && !wards.empty() &&
      std::none_of(wards.begin(), wards.end(), [&](const Ward& w) { return w.number == out->ward; }))
    return Fail(err, 400, "attribute[ward] '" + out->ward + "' is not a ward of this corporation");
  if (!captured_text.empty() && !ParseDatetime(captured_text, &out->captured_at))
    return Fail(err, 400, "attribute[captured_at] must be a W3C datetime like 2024-05-01T10:20:30+05:30");
  return true;
}

bool ParseUpdate(const Form& form, NewUpdate* out, ApiError* err) {
  *out = NewUpdate{};
  std::string id_text, based_text, recorded_text, lat_text, lon_text;
  if (!TakeUserId(form, &out->user_id, err)) return false;
  if (!TakeField(form, "service_request_id", 20, &id_text, err) ||
      !TakeField(form, "status", 20, &out->sent_status, err) ||
      !TakeText(form, "description", 4000, &out->description, err) ||
      !TakeField(form, "media_url", 1000, &out->media_url, err) ||
      !TakeField(form, "department", 16, &out->department, err) ||
      !TakeField(form, "based_on_update_id", 20, &based_text, err) ||
      !TakeField(form, "recorded_at", 40, &recorded_text, err) ||
      !TakeField(form, "lat", 40, &lat_text, err) || !TakeField(form, "long", 40, &lon_text, err))
    return false;
  if (id_text.empty()) return Fail(err, 400, "service_request_id is required");
  const auto r = std::from_chars(id_text.data(), id_text.data() + id_text.size(), out->request_id);
  if (r.ec != std::errc() || r.ptr != id_text.data() + id_text.size() || out->request_id <= 0)
    return Fail(err, 400, "service_request_id must be a number");
  if (!IsUpdateStatus(out->sent_status))
    return Fail(err, 400,
                "status must be one of acknowledged, in_progress, resolved, transferred, rejected "
                "(or Open311's open, fixed, closed)");
  out->status = std::string(StoredUpdateStatus(out->sent_status));
  // A closing without a fix is a decision a citizen is owed a reason for.
  const bool blank = out->description.find_first_not_of(" \t\r\n") == std::string::npos;
  if (out->status == "closed" && blank)
    return Fail(err, 400, "a rejection needs its reason in description");
  if (out->sent_status == "transferred") {
    if (out->department.empty())
      return Fail(err, 400, "a transfer needs department: the code of the department it goes to");
  } else if (FormCount(form, "department") != 0) {
    return Fail(err, 400, "department is only for status transferred");
  }
  if (!based_text.empty()) {
    const auto b = std::from_chars(based_text.data(), based_text.data() + based_text.size(), out->based_on_update_id);
    if (b.ec != std::errc() || b.ptr != based_text.data() + based_text.size() || out->based_on_update_id < 0)
      return Fail(err, 400, "based_on_update_id must be the update_id of the newest update the device had seen");
    out->has_based_on = true;
  }
  if (!recorded_text.empty() && !ParseDatetime(recorded_text, &out->recorded_at))
    return Fail(err, 400, "recorded_at must be a W3C datetime like 2024-05-01T10:20:30+05:30");
  if (!lat_text.empty() || !lon_text.empty()) {
    if (!ParseCoordinate(lat_text, -90, 90, &out->lat)) return Fail(err, 400, "lat must be a number from -90 to 90");
    if (!ParseCoordinate(lon_text, -180, 180, &out->lon))
      return Fail(err, 400, "long must be a number from -180 to 180");
    out->has_location = true;
  }
  return true;
}

bool ParseWork(const Form& form, const std::string* idempotency_key, const std::vector<Ward>& wards, NewWork* out,
               ApiError* err) {
  *out = NewWork{};
  std::string lat_text, lon_text;
  if (!TakeUserId(form, &out->user_id, err)) return false;
  if (!TakeField(form, "title", 200, &out->title, err) ||
      !TakeText(form, "description", 4000, &out->description, err) ||
      !TakeField(form, "lang", 8, &out->lang, err) || !TakeField(form, "ward", 8, &out->ward, err) ||
      !TakeField(form, "lat", 40, &lat_text, err) || !TakeField(form, "long", 40, &lon_text, err))
    return false;
  if (!idempotency_key || !ParseClientUuid(*idempotency_key, &out->client_uuid))
    return Fail(err, 400, "an Idempotency-Key header with the work's UUID is required");
  if (out->title.find_first_not_of(" \t\r\n") == std::string::npos) return Fail(err, 400, "title is required");
  if (!IsLang(out->lang)) return Fail(err, 400, "lang is required: mr, hi, bn or en (the language of title and description)");
  if (out->ward.empty()) return Fail(err, 400, "ward is required");
  if (!wards.empty() && std::none_of(wards.begin(), wards.end(), [&](const Ward& w) { return w.number == out->ward; }))
    return Fail(err, 400, "ward '" + out->ward + "' is not a ward of this corporation");
  if (!lat_text.empty() || !lon_text.empty()) {
    if (!ParseCoordinate(lat_text, -90, 90, &out->lat)) return Fail(err, 400, "lat must be a number from -90 to 90");
    if (!ParseCoordinate(lon_text, -180, 180, &out->lon))
      return Fail(err, 400, "long must be a number from -180 to 180");
    out->has_location = true;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] JSON
// ---------------------------------------------------------------------------------------------

void WriteService(JsonWriter& w, const Service& s) {
  w.BeginObject()
      .Field("service_code", s.code)
      .Field("service_name", s.name)
      .Field("description", s.description)
      .Key("metadata").Bool(true)  // every service has our attributes (client_uuid, ticket, …)
      .Field("type", "realtime")
      .Field("keywords", "")
      .Field("group", s.group)
      .EndObject();
}

void WriteServiceDefinition(JsonWriter& w, const Service& s, const std::vector<Ward>& wards) {
  const auto attr = [&w](std::string_view code, std::string_view datatype, bool required, int order,
                         std::string_view description) {
    w.BeginObject()
        .Key("variable").Bool(true)
        .Field("code", code)
        .Field("datatype", datatype)
        .Key("required").Bool(required)
        .Field("datatype_description", "")
        .Key("order").Int(order)
        .Field("description", description);
  };
  w.BeginObject().Field("service_code", s.code).Key("attributes").BeginArray();
  attr("client_uuid", "string", true, 1, "The device's UUID for this complaint; also its Idempotency-Key.");
  w.EndObject();
  attr("ticket", "string", false, 2, "The ticket number printed on the citizen's receipt, e.g. 08-001-00042-9.");
  w.EndObject();
  attr("ward", "singlevaluelist", false, 3, "The ward the complaint is about.");
  w.Key("values").BeginArray();
  for (const auto& ward : wards)
    w.BeginObject().Field("key", ward.number).Field("name", ward.code + " — " + ward.area).EndObject();
  w.EndArray().EndObject();
  attr("captured_at", "datetime", false, 4, "When the citizen made the complaint on the device.");
  w.EndObject();
  w.EndArray().EndObject();
}

namespace {

// A request's or a work's field-work photos. before_media_urls / after_media_urls are what
// devices read before work_photos existed, kept as they were; work_photos also says each
// photo's index and when the device says it was taken.
void WriteWorkPhotos(JsonWriter& w, const std::vector<PublishedWorkPhoto>& photos, std::string_view base_url) {
  const auto url = [&](const PublishedWorkPhoto& p) { return std::string(base_url) + MediaPath(p.upload_id); };
  for (const char* kind : {"before", "after"}) {
    w.Key(std::string(kind) + "_media_urls").BeginArray();
    for (const auto& p : photos)
      if (p.kind == kind) w.String(url(p));
    w.EndArray();
  }
  w.Key("work_photos").BeginArray();
  for (const auto& p : photos) {
    w.BeginObject().Field("kind", p.kind).Field("index", std::int64_t{p.index}).Field("media_url", url(p));
    w.Key("taken_datetime");
    if (p.taken_at) w.String(FormatDatetime(*p.taken_at)); else w.Null();
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

void WriteServiceRequest(JsonWriter& w, const ServiceRequest& r, std::string_view base_url) {
  const auto url = [&](const std::string& upload_id) {
    return upload_id.empty() ? std::string() : std::string(base_url) + MediaPath(upload_id);
  };
  w.BeginObject()
      .Field("service_request_id", std::to_string(r.id))
      .Field("status", r.status)
      .Field("status_notes", r.status_notes)
      .Field("service_name", r.service_name)
      .Field("service_code", r.service_code)
      .Field("description", r.description)
      .Field("agency_responsible", r.agency_responsible)
      .Field("service_notice", "")
      .Field("requested_datetime", FormatDatetime(r.requested_at))
      .Field("updated_datetime", FormatDatetime(r.updated_at));
  w.Key("expected_datetime");
  if (r.expected_at) w.String(FormatDatetime(r.expected_at)); else w.Null();
  w.Field("address", r.address).Field("address_id", r.address_id).Key("zipcode").Null();
  w.Key("lat");
  if (r.has_location) w.Double(r.lat); else w.Null();
  w.Key("long");
  if (r.has_location) w.Double(r.lon); else w.Null();
  w.Field("media_url", url(r.photo_upload_id));
  // Samvad extensions (PROTOCOL.md): clients that do not know them ignore them.
  w.Field("ticket", r.ticket).Field("ward", r.ward).Field("assigned_to", r.assigned_to);
  w.Field("thumbnail_url", url(r.thumb_upload_id));
  // Every finished photo, the first (media_url) included: Open311 has room for one.
  w.Key("media_urls").BeginArray();
  if (!r.photo_upload_id.empty()) w.String(url(r.photo_upload_id));
  for (const auto& id : r.extra_photo_upload_ids) w.String(url(id));
  w.EndArray();
  // Field work (PROTOCOL.md): the detailed status, who owns it, and the work photos.
  w.Field("department", r.department).Field("detailed_status", r.detailed_status).Field("lang", r.lang);
  w.Field("latest_update_id", std::to_string(r.latest_update_id));
  WriteWorkPhotos(w, r.work_photos, base_url);
  w.EndObject();
}

void WriteUpdate(JsonWriter& w, const RequestUpdate& u) {
  w.BeginObject()
      .Field("update_id", std::to_string(u.update_id))
      .Field("service_request_id", std::to_string(u.request_id))
      .Field("status", u.status)
      .Field("updated_datetime", FormatDatetime(u.updated_at))
      .Field("description", u.description)
      .Field("media_url", u.media_url)
      .Field("cursor", FormatCursor(u.update_id));
  w.Key("conflict").Bool(u.conflict);
  w.Key("based_on_update_id");
  if (u.based_on_update_id) w.String(std::to_string(u.based_on_update_id)); else w.Null();
  w.Key("recorded_datetime");
  if (u.recorded_at) w.String(FormatDatetime(u.recorded_at)); else w.Null();
  w.Field("department", u.department);
  w.Key("lat");
  if (u.has_location) w.Double(u.lat); else w.Null();
  w.Key("long");
  if (u.has_location) w.Double(u.lon); else w.Null();
  w.Field("user_id", u.user_id);
  w.EndObject();
}

void WriteWork(JsonWriter& w, const Work& work, std::string_view base_url) {
  w.BeginObject()
      .Field("work_id", std::to_string(work.id))
      .Field("title", work.title)
      .Field("description", work.description)
      .Field("lang", work.lang)
      .Field("ward", work.ward);
  w.Key("lat");
  if (work.has_location) w.Double(work.lat); else w.Null();
  w.Key("long");
  if (work.has_location) w.Double(work.lon); else w.Null();
  w.Field("created_datetime", FormatDatetime(work.created_at)).Field("updated_datetime", FormatDatetime(work.updated_at));
  WriteWorkPhotos(w, work.work_photos, base_url);
  w.Field("user_id", work.user_id);
  w.EndObject();
}

}  // namespace samvad::protocol::open311
