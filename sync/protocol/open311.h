// open311.h — Open311 GeoReport v2 as Samvad speaks it: the domain types that cross the wire
// (service, service request, update), their JSON with the spec's field names, validation of the
// form a device POSTs, W3C datetimes, the error array, and our extensions' small formats
// (client UUID, ticket number, feed cursor). No I/O, no storage: sync/central calls this.
// PROTOCOL.md beside this file is the contract; keep the two in step.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/protocol/form.h"
#include "sync/protocol/json.h"

namespace samvad::protocol::open311 {

// ---- domain types -------------------------------------------------------------------------

struct Service {
  std::string code;         // categories.tsv code, e.g. "pothole"
  std::string name;         // name_en
  std::string description;
  std::string group;        // the department's name
  int sla_hours = 0;        // drives expected_datetime
  // The department's code (departments.tsv), e.g. "roads". Last, and with an initialiser, so
  // {code, name, description, group, sla} aggregates written before it existed still compile.
  std::string department = {};
};

// A department of departments.tsv: who a request can be transferred to.
struct Department {
  std::string code;  // "roads"
  std::string name;  // "Roads": what agency_responsible says
};

struct Ward {
  std::string number;  // "08", as inside ticket numbers
  std::string code;    // "G/N"
  std::string area;
};

// A finished before/after photo of field work, as a request's or a work's JSON lists it
// (`work_photos`; PROTOCOL.md). Not the device's own record of a photo (model::WorkPhoto).
struct PublishedWorkPhoto {
  std::string kind;  // "before" | "after"
  int index = 0;     // which photo of that kind, 0–2
  std::string upload_id;
  // When the device says it was taken (Upload-Metadata taken_at), unix seconds; none when it did
  // not say. An optional, not 0 = none: a device whose clock was reset may well send 1970.
  std::optional<std::int64_t> taken_at;
};

struct ServiceRequest {
  std::int64_t id = 0;
  std::string service_code, service_name, agency_responsible;
  std::string status = "open";  // "open" | "closed" (the spec's two values)
  std::string status_notes, description, address, address_id, ward, ticket, assigned_to;
  bool has_location = false;
  double lat = 0, lon = 0;
  std::int64_t requested_at = 0, updated_at = 0, expected_at = 0;  // unix seconds; 0 = none
  std::string photo_upload_id, thumb_upload_id;                    // "" = none yet
  std::vector<std::string> extra_photo_upload_ids;                 // finished photos after the first
  // Extensions for the field tablet (PROTOCOL.md, "Field work").
  std::string department;                  // code of the department responsible now
  std::string detailed_status = "open";    // the last applied update's status (StoredUpdateStatus values)
  std::string lang;                        // the description's language as declared at create; "" = not declared
  std::int64_t latest_update_id = 0;       // what a device sends back as based_on_update_id
  std::int64_t status_changed_at = 0;      // when detailed_status last changed (not on the wire)
  std::vector<PublishedWorkPhoto> work_photos;  // finished work photos: befores, then afters, in index order
};

// One entry of the update feed (FixMyStreet's field names on the wire).
struct RequestUpdate {
  std::int64_t update_id = 0;
  std::int64_t request_id = 0;
  std::string status;  // a StoredUpdateStatus value
  std::string description, media_url;
  std::int64_t updated_at = 0;
  // Field-work extensions: a device's update that lost to a newer status change made elsewhere
  // is kept with conflict = true and did not change the request (DESIGN.md, W2).
  bool conflict = false;
  std::int64_t based_on_update_id = 0;  // 0 = not sent
  std::int64_t recorded_at = 0;         // the device's clock; 0 = not sent
  std::string department;               // transferred: the department it went to
  bool has_location = false;
  double lat = 0, lon = 0;
  // The staff member the update names: the engineer who recorded it on a device, or the one an
  // assignment went to. Devices read it; the public view leaves it out (PROTOCOL.md).
  std::string user_id;
};

// A validated create (POST /requests.json).
struct NewServiceRequest {
  std::string client_uuid;  // lower-case canonical UUID; also the idempotency key
  std::string ticket, ticket_digits;
  std::string service_code, description, address, address_id, ward, media_url;
  std::string email, first_name, last_name, phone, account_id, device_hw_id;
  bool has_location = false;
  double lat = 0, lon = 0;
  std::int64_t captured_at = 0;
  std::string lang;  // extension: mr | hi | bn | en, or "" when not sent
};

// A validated POST /servicerequestupdates.json.
struct NewUpdate {
  std::int64_t request_id = 0;
  std::string sent_status;  // as the device sent it: "resolved", "rejected", "fixed", …
  std::string status;       // as stored and fed (StoredUpdateStatus): "fixed", "closed", …
  std::string description, media_url;
  std::string department;   // transferred only: the target department's code
  bool has_based_on = false;
  std::int64_t based_on_update_id = 0;  // the newest update of this request the device had seen
  std::int64_t recorded_at = 0;         // 0 = not sent
  bool has_location = false;
  double lat = 0, lon = 0;
  std::string user_id;  // optional: the signed-in engineer who recorded it (canonical, upper case)
};

// A validated POST /works.json: development work not tied to a complaint.
struct NewWork {
  std::string client_uuid;  // the Idempotency-Key header: the device's UUID for the work
  std::string title, description, lang, ward;
  std::string user_id;      // optional: the engineer who recorded it
  bool has_location = false;
  double lat = 0, lon = 0;
};

struct Work {
  std::int64_t id = 0;
  std::string title, description, lang, ward;
  std::string user_id;  // who recorded it; "" = not sent (devices read it, the public does not)
  bool has_location = false;
  double lat = 0, lon = 0;
  std::int64_t created_at = 0, updated_at = 0;
  std::vector<PublishedWorkPhoto> work_photos;  // finished photos: befores, then afters, in index order
};

// A person- or peer-facing refusal: HTTP status and a sentence that says what to fix.
struct ApiError {
  int status = 400;
  std::string description;
};

// ---- formats ------------------------------------------------------------------------------

// [{"code":403,"description":"…"}] — the spec's error body.
std::string ErrorBody(int code, std::string_view description);

// W3C datetime in UTC, e.g. "2024-05-01T10:20:30Z".
std::string FormatDatetime(std::int64_t unix_seconds);
// "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; false when malformed or out of range.
bool ParseDatetime(std::string_view s, std::int64_t* unix_seconds);

// 8-4-4-4-12 hex digits; `canonical` gets the lower-case form.
bool ParseClientUuid(std::string_view s, std::string* canonical);

// A ticket as typed or printed ("08-001-00042-9", native digits allowed) reduced to its digits
// ("08001000429"); false unless it has 6–20 digits and nothing but digits, '-' and spaces.
bool TicketDigits(std::string_view ticket, std::string* digits);

// Request statuses on the wire: Open311 has only open and closed.
bool IsRequestStatus(std::string_view s);
// Update statuses a device may send: FixMyStreet's open, in_progress, fixed and closed, and the
// field tablet's acknowledged, resolved, transferred and rejected (PROTOCOL.md, "Field work").
bool IsUpdateStatus(std::string_view s);
// What is stored and fed for a sent status: resolved is FixMyStreet's "fixed", rejected its
// "closed" (closed without being fixed); every other status is stored as sent.
std::string_view StoredUpdateStatus(std::string_view sent_status);
// The Open311 request status a stored (or sent) update status implies: fixed and closed close
// the request (so resolved and rejected do), the others leave it open.
std::string_view RequestStatusAfter(std::string_view update_status);

// The languages Samvad's text comes in: mr, hi, bn, en.
bool IsLang(std::string_view s);

// A staff user id as typed (any case): 1–32 of A-Z a-z 0-9 . _ -. `canonical` gets it upper-cased,
// the form central stores and devices keep (app/store/staff_store.h).
bool NormalizeUserId(std::string_view typed, std::string* canonical);
// A-Z a-z 0-9 . _ -: what a staff user id is made of (any case).
bool IsUserIdChar(char c);

// The feed narrowed to a kiosk's own complaints takes at most this many ward-device pairs
// (issued_by=08-001,08-002; PROTOCOL.md, Extension 3).
inline constexpr size_t kMaxIssuedBy = 20;

// The feed cursor: opaque to clients, but ours is "c1-" + 16 hex digits of the last update_id so
// that cursors also sort as strings. 0 means "from the beginning".
std::string FormatCursor(std::int64_t after_update_id);
bool ParseCursor(std::string_view s, std::int64_t* after_update_id);

// Path of an upload's bytes, e.g. "/media/3f2a…"; the media_url is base_url + this.
std::string MediaPath(std::string_view upload_id);

// The form with `api_key` removed and fields sorted, re-encoded: two POSTs that mean the same
// thing give the same string (idempotency compares its hash).
std::string CanonicalForm(const Form& form);

// ---- validation ---------------------------------------------------------------------------

// `idempotency_key` is the Idempotency-Key header or nullptr. Fills `out` or `err`.
// `wards` lists accepted ward numbers (empty = any).
bool ParseCreate(const Form& form, const std::string* idempotency_key,
                 const std::vector<Ward>& wards, NewServiceRequest* out, ApiError* err);
bool ParseUpdate(const Form& form, NewUpdate* out, ApiError* err);
// `idempotency_key` must be a UUID (the work's client UUID); `wards` as for ParseCreate.
bool ParseWork(const Form& form, const std::string* idempotency_key, const std::vector<Ward>& wards, NewWork* out,
               ApiError* err);

// ---- JSON ---------------------------------------------------------------------------------

void WriteService(JsonWriter& w, const Service& s);
// Service definition (GET /services/{code}.json): our four attributes.
void WriteServiceDefinition(JsonWriter& w, const Service& s, const std::vector<Ward>& wards);
void WriteServiceRequest(JsonWriter& w, const ServiceRequest& r, std::string_view base_url);
void WriteUpdate(JsonWriter& w, const RequestUpdate& u);
void WriteWork(JsonWriter& w, const Work& work, std::string_view base_url);

}  // namespace samvad::protocol::open311
