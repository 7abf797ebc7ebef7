// ticket.h — the complaint ticket number a citizen gets on the receipt, issued offline.
//
// Shape: WW DDD SSSSS C — ward number (01–24), device number (001–999, given at enrolment),
// sequence (00001–99999, per device, never reused) and one Damm check digit over the other ten.
// Unique across devices without any coordination, because central never enrols two devices
// with the same ward + device pair (an enrolment rule, not something this file can check).
// Digits only, so it can be keyed on the numeric pad; 11 digits, so it can be read aloud.
// Damm catches every single-digit error and every adjacent transposition (the two mistakes
// people make copying numbers) — unlike Luhn, which misses 09↔90.
//
// This file is: the value type, canonical/display forms, parsing of what a person typed.
// It is not: issuing numbers (app/store keeps the per-device counter), nor the ward catalog.
#pragma once
#include <string>
#include <string_view>

namespace samvad::model {

// Wards as in assets/catalog/wards.tsv (tests/store checks). Device 000 is never enrolled, so a
// blank configuration can never issue a ticket. After sequence 99999 the device must be given
// a new device number (at ~200 complaints a day, that is after more than a year).
inline constexpr int kWardMin = 1, kWardMax = 24;
inline constexpr int kDeviceMin = 1, kDeviceMax = 999;
inline constexpr int kSequenceMin = 1, kSequenceMax = 99999;
inline constexpr size_t kTicketDigits = 11;

struct Ticket {
  int ward = 0;
  int device = 0;
  int sequence = 0;
  friend bool operator==(const Ticket&, const Ticket&) = default;
};

// Every part within its range.
bool IsValid(const Ticket& t);

// The Damm check digit of a string of ASCII digits, or -1 if it holds anything else.
int DammCheckDigit(std::string_view ascii_digits);
// True when `ascii_digits` (check digit last) passes the Damm check.
bool DammValid(std::string_view ascii_digits);

// "01001000424" (11 ASCII digits): what the store keeps and the wire carries. `t` must be valid.
std::string CanonicalTicket(const Ticket& t);
// "01-001-00042-4": what the receipt prints and the screen shows.
std::string DisplayTicket(const Ticket& t);

enum class TicketError {
  None,
  Empty,          // nothing but separators
  NotATicket,     // a letter, a symbol that is not a separator, or invalid UTF-8
  WrongLength,    // not 11 digits
  CheckDigit,     // 11 digits, but one is mistyped or two are swapped
  OutOfRange,     // passes the check but names ward 00/25+, device 000 or sequence 00000
};

// Parses what a person typed or scanned: digits of any script (Latin, Devanagari ०-९,
// Bengali ০-৯) with separators anywhere (spaces, -, ., /, _, dashes, dandas, NBSP, zero-width
// marks, line ends). On None, `*out` holds the ticket; otherwise `*out` is untouched.
TicketError ParseTicket(std::string_view typed_utf8, Ticket* out);

}  // namespace samvad::model
