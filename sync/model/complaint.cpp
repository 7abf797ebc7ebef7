// complaint.cpp — see complaint.h.
#include "sync/model/complaint.h"

#include "sync/model/digits.h"
#include "sync/model/sha256.h"
#include "sync/model/utf8_check.h"
#include "sync/model/wards.h"

namespace samvad::model {
namespace {

constexpr std::string_view kStatusCodes[] = {"filed", "received", "in_progress", "resolved",
                                             "rejected"};
constexpr std::string_view kLangs[] = {"mr", "hi", "bn", "en"};
// 2020-01-01 and 2100-01-01: a clock outside this is a device with a dead RTC battery, and a
// complaint stamped 1970 would sort wrongly at central for ever.
constexpr std::int64_t kEarliest = 1577836800, kLatest = 4102444800;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void Trim(std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  s = s.substr(b, e - b);
}

// Imports from Windows tools bring CRLF; one newline is what a person meant.
void NormalizeNewlines(std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out.push_back(s[i]);
  s.swap(out);
}

void CheckText(std::vector<Issue>& out, Field field, std::string_view s, size_t max,
               bool required, bool newline_ok) {
  size_t i = 0, n = 0;
  bool blank = true;
  char32_t cp = 0;
  while (i < s.size()) {
    if (!NextCodePoint(s, i, cp)) { out.push_back({field, Problem::InvalidUtf8}); return; }
    ++n;
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
    if (control && !(newline_ok && cp == U'\n')) { out.push_back({field, Problem::ControlChar}); return; }
    if (cp != U' ' && cp != U'\n') blank = false;
  }
  if (required && blank) out.push_back({field, Problem::Missing});
  else if (n > max) out.push_back({field, Problem::TooLong});
}

bool IsKnownLang(std::string_view s) {
  for (auto l : kLangs)
    if (l == s) return true;
  return false;
}

void CheckCodes(std::vector<Issue>& out, std::string_view category, std::string_view ward,
                std::string_view lang) {
  if (category.empty()) out.push_back({Field::Category, Problem::Missing});
  else if (!IsCategoryCode(category)) out.push_back({Field::Category, Problem::Malformed});
  if (ward.empty()) out.push_back({Field::Ward, Problem::Missing});
  else if (WardNumber(ward) == 0) out.push_back({Field::Ward, Problem::Unknown});
  if (lang.empty()) out.push_back({Field::Lang, Problem::Missing});
  else if (!IsKnownLang(lang)) out.push_back({Field::Lang, Problem::Unknown});
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string_view StatusCode(Status s) { return kStatusCodes[static_cast<int>(s)]; }

std::optional<Status> ParseStatus(std::string_view code) {
  for (int i = 0; i < 5; ++i)
    if (kStatusCodes[i] == code) return static_cast<Status>(i);
  return std::nullopt;
}

std::string IssueKey(const Issue& issue) {
  static constexpr std::string_view kFields[] = {"category", "ward", "landmark", "description",
                                                 "phone", "lang", "photos", "ticket", "uuid",
                                                 "time"};
  static constexpr std::string_view kProblems[] = {"missing", "too_long", "invalid_utf8",
                                                   "control_char", "malformed", "unknown",
                                                   "too_many"};
  std::string key(kFields[static_cast<int>(issue.field)]);
  key.push_back('.');
  key.append(kProblems[static_cast<int>(issue.problem)]);
  return key;
}

bool IsCategoryCode(std::string_view s) {
  if (s.empty() || s.size() > 32 || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::optional<std::string> NormalizeIndianMobile(std::string_view typed) {
  const std::string norm = NormalizeDigits(typed);
  std::string digits;
  bool plus = false;
  size_t i = 0;
  char32_t cp = 0;
  while (i < norm.size()) {
    if (!NextCodePoint(norm, i, cp)) return std::nullopt;
    if (cp >= U'0' && cp <= U'9') {
      if (digits.size() >= 12) return std::nullopt;
      digits.push_back(static_cast<char>(cp));
    } else if (cp == U'+' && digits.empty() && !plus) {
      plus = true;
    } else if (!(cp == U' ' || cp == U'-' || cp == U'.' || cp == U'(' || cp == U')' ||
                 cp == 0x00A0)) {
      return std::nullopt;
    }
  }
  // A numeric pad has no '+', so "91" before 10 digits means the same as "+91".
  if (plus && !(digits.size() == 12 && digits.compare(0, 2, "91") == 0)) return std::nullopt;
  if (digits.size() == 12 && digits.compare(0, 2, "91") == 0) digits.erase(0, 2);
  else if (digits.size() == 11 && digits[0] == '0') digits.erase(0, 1);
  if (digits.size() != 10 || digits[0] < '6') return std::nullopt;
  return digits;
}

std::string MaskPhone(std::string_view phone) {
  std::string out(phone.size() > 4 ? phone.size() - 4 : 0, '*');
  out.append(phone.substr(phone.size() > 4 ? phone.size() - 4 : 0));
  return out;
}

std::optional<std::string> NormalizeLast4(std::string_view typed) {
  std::string digits;
  for (char c : NormalizeDigits(typed)) {
    if (c >= '0' && c <= '9') digits.push_back(c);
    else if (c != ' ' && c != '-') return std::nullopt;
  }
  if (digits.size() != 4) return std::nullopt;
  return digits;
}

std::string UuidV4FromBytes(const std::array<std::uint8_t, 16>& r) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<std::uint8_t, 16> b = r;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10xx (RFC 4122)
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

bool IsUuidV4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !IsLowerHex(s[i])) return false;
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

std::vector<Issue> ValidateFields(ComplaintFields& f) {
  std::vector<Issue> out;
  for (std::string* s : {&f.category, &f.ward_code, &f.landmark, &f.description, &f.phone, &f.lang}) {
    NormalizeNewlines(*s);
    Trim(*s);
  }
  CheckCodes(out, f.category, f.ward_code, f.lang);
  CheckText(out, Field::Landmark, f.landmark, kMaxLandmark, false, false);
  CheckText(out, Field::Description, f.description, kMaxDescription, true, true);
  if (!f.phone.empty()) {
    if (auto p = NormalizeIndianMobile(f.phone)) f.phone = *p;
    else out.push_back({Field::Phone, Problem::Malformed});
  }
  return out;
}

std::vector<Issue> ValidateComplaint(const Complaint& c) {
  std::vector<Issue> out;
  if (!IsValid(c.ticket)) out.push_back({Field::Ticket, Problem::Malformed});
  if (!IsUuidV4(c.client_uuid)) out.push_back({Field::Uuid, Problem::Malformed});
  if (c.created_at < kEarliest || c.created_at >= kLatest) out.push_back({Field::Time, Problem::Malformed});
  CheckCodes(out, c.category, c.ward_code, c.lang);
  CheckText(out, Field::Landmark, c.landmark, kMaxLandmark, false, false);
  CheckText(out, Field::Description, c.description, kMaxDescription, true, true);
  if (c.phone && NormalizeIndianMobile(*c.phone) != c.phone) out.push_back({Field::Phone, Problem::Malformed});
  if (c.photos.size() > static_cast<size_t>(kMaxPhotos)) out.push_back({Field::Photos, Problem::TooMany});
  for (const PhotoRef& p : c.photos) {
    const bool ok = IsSha256Hex(p.sha256) && p.file == p.sha256 + ".jpg" &&
                    IsSha256Hex(p.thumb_sha256) && p.thumb_file == p.thumb_sha256 + ".jpg" &&
                    p.bytes > 0 && p.bytes <= kMaxPhotoBytes && p.thumb_bytes > 0 &&
                    p.thumb_bytes <= kMaxPhotoBytes && p.width > 0 && p.width <= kMaxPhotoSide &&
                    p.height > 0 && p.height <= kMaxPhotoSide;
    if (!ok) { out.push_back({Field::Photos, Problem::Malformed}); break; }
  }
  return out;
}

}  // namespace samvad::model
