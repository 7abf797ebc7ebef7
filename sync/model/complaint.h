// complaint.h — the civic complaint as the device stores it and the wire carries it, and the
// checks every field passes before it may reach the database: what a citizen typed on the kiosk
// and what any import hands us go through the same gate, so invalid UTF-8, a malformed phone or
// a 5,000-character description never gets in.
//
// This file is: plain types, normalisation (phone digits), validation with machine-readable
// reasons (the UI turns a reason into a translated message), phone masking, UUID formatting.
// It is not: storage (app/store), the catalog of categories (the store checks a category exists;
// here only its spelling), or the Open311 mapping (sync/protocol).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/model/ticket.h"

namespace samvad::model {

// Where a complaint stands, as the citizen sees it on the status screen. Filed is the device's
// own; the others arrive from central.
enum class Status { Filed, Received, InProgress, Resolved, Rejected };
std::string_view StatusCode(Status s);  // "filed", "received", … (the store and the wire)
std::optional<Status> ParseStatus(std::string_view code);

inline constexpr int kMaxPhotos = 3;
inline constexpr size_t kMaxDescription = 500;  // code points (the UI limits graphemes)
inline constexpr size_t kMaxLandmark = 200;
inline constexpr std::int64_t kMaxPhotoBytes = 8 << 20;  // well above a capture's ~400 KB
inline constexpr int kMaxPhotoSide = 12000;

// One photo as stored: the JPEG and its thumbnail, each named by its SHA-256.
struct PhotoRef {
  std::string sha256;       // 64 lower-case hex digits of the JPEG file
  std::int64_t bytes = 0;
  int width = 0, height = 0;
  std::string file;         // file name inside the photos folder, "<sha256>.jpg"
  std::string thumb_sha256;
  std::int64_t thumb_bytes = 0;
  std::string thumb_file;
};

struct Complaint {
  Ticket ticket;
  std::string client_uuid;          // random v4 UUID: the idempotency key towards central
  std::string category;             // catalog code, e.g. "pothole"
  std::string ward_code;            // where the problem is, e.g. "K/E"
  std::string landmark;             // may be empty
  std::string description;
  std::optional<std::string> phone; // 10 ASCII digits; never shown on a screen (MaskPhone)
  std::string lang;                 // "mr", "hi", "bn", "en": the language it was filed in
  std::int64_t created_at = 0;      // UTC unix seconds
  std::vector<PhotoRef> photos;
  Status status = Status::Filed;
};

// The fields a person fills in, as typed. ValidateFields normalises them in place.
struct ComplaintFields {
  std::string category, ward_code, landmark, description, phone, lang;
};

enum class Field { Category, Ward, Landmark, Description, Phone, Lang, Photos, Ticket, Uuid, Time };
enum class Problem {
  Missing,      // required and empty (or only spaces)
  TooLong,
  InvalidUtf8,  // from an import: a keyboard cannot produce it
  ControlChar,  // a control character (newline is allowed in the description only)
  Malformed,    // not the expected shape (phone, category spelling, UUID, digest, size)
  Unknown,      // well-formed but not one we know (ward code, language)
  TooMany,      // more than kMaxPhotos
};
struct Issue {
  Field field;
  Problem problem;
  friend bool operator==(const Issue&, const Issue&) = default;
};
// "phone.malformed", "description.too_long", …: a stable key the UI maps to a translated message.
std::string IssueKey(const Issue& issue);

// Validates and normalises: trims spaces and newlines at both ends of text fields, turns the
// phone into 10 ASCII digits (or "" when none was given). Returns every problem found; empty
// means the fields may be stored. On problems, `f` may be partly normalised.
std::vector<Issue> ValidateFields(ComplaintFields& f);

// Validates a whole complaint, e.g. one read back or imported from a peer: the same rules as
// ValidateFields (without normalising: a stored complaint is already normal) plus ticket, UUID,
// time and photo references.
std::vector<Issue> ValidateComplaint(const Complaint& c);

// An Indian mobile number from what a person typed: digits of any script, spaces, dashes,
// dots and brackets ignored; an optional +91, 91 (12 digits in all) or 0 prefix stripped; then
// exactly 10 digits starting with 6–9. Returns the 10 ASCII digits, or nullopt.
std::optional<std::string> NormalizeIndianMobile(std::string_view typed);

// "******3456": how a phone is ever shown. `phone` is the 10-digit canonical form.
std::string MaskPhone(std::string_view phone);

// The last 4 digits the status lookup asks for, from what was typed (any script), or nullopt.
std::optional<std::string> NormalizeLast4(std::string_view typed);

// A random (version 4, RFC 4122) UUID from 16 random bytes, lower-case with hyphens.
std::string UuidV4FromBytes(const std::array<std::uint8_t, 16>& random);
bool IsUuidV4(std::string_view s);

// A catalog code's spelling: 1–32 of [a-z0-9_], starting with a letter.
bool IsCategoryCode(std::string_view s);

}  // namespace samvad::model
