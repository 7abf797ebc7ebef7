// open311.h — Open311 GeoReport v2 as Samvad speaks it: the domain types that cross the wire
// (service, service request, update), their JSON with the spec's field names, validation of the
// form a device POSTs, W3C datetimes, the error array, and our extensions' small formats
// (client UUID, ticket number, feed cursor). No I/O, no storage: sync/central calls this.
// PROTOCOL.md beside this file is the contract; keep the two in step.
#pragma once
#include <cstdint>
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
};

struct Ward {
  std::string number;  // "08", as inside ticket numbers
  std::string code;    // "G/N"
  std::string area;
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
};

// One entry of the update feed (FixMyStreet's field names on the wire).
struct RequestUpdate {
  std::int64_t update_id = 0;
  std::int64_t request_id = 0;
  std::string status;  // an UpdateStatus value
  std::string description, media_url;
  std::int64_t updated_at = 0;
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
};

// A validated POST /servicerequestupdates.json.
struct NewUpdate {
  std::int64_t request_id = 0;
  std::string status, description, media_url;
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

// A ticket as typed or printed ("08-001-00042-7", native digits allowed) reduced to its digits
// ("08001000427"); false unless it has 6–20 digits and nothing but digits, '-' and spaces.
bool TicketDigits(std::string_view ticket, std::string* digits);

// Request statuses on the wire: Open311 has only open and closed.
bool IsRequestStatus(std::string_view s);
// Update statuses (FixMyStreet's vocabulary, the subset we use), and the request status each
// implies: fixed and closed close the request, the others leave it open.
bool IsUpdateStatus(std::string_view s);
std::string_view RequestStatusAfter(std::string_view update_status);

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

// ---- JSON ---------------------------------------------------------------------------------

void WriteService(JsonWriter& w, const Service& s);
// Service definition (GET /services/{code}.json): our four attributes.
void WriteServiceDefinition(JsonWriter& w, const Service& s, const std::vector<Ward>& wards);
void WriteServiceRequest(JsonWriter& w, const ServiceRequest& r, std::string_view base_url);
void WriteUpdate(JsonWriter& w, const RequestUpdate& u);

}  // namespace samvad::protocol::open311
