// ticket.cpp — see ticket.h.
#include "sync/model/ticket.h"

#include <cassert>

#include "sync/model/digits.h"
#include "sync/model/utf8_check.h"

namespace samvad::model {
namespace {

// Damm's weakly totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004). Its zero
// diagonal is what lets a valid string, check digit included, run to an interim of 0.
constexpr unsigned char kDamm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
    {4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
    {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
    {9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

bool IsSeparator(char32_t cp) {
  switch (cp) {
    case U' ': case U'\t': case U'\n': case U'\r': case U'-': case U'.': case U'/': case U'_': case U',': case U':':
    case U'#': case U'(': case U')':
    case 0x00A0: case 0x202F: case 0x3000:             // no-break and ideographic spaces
    case 0x00B7: case 0x2022:                          // middle dot, bullet
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2212:
    case 0x0964: case 0x0965:                          // danda, double danda
    case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:  // zero-width marks
      return true;
    default:
      return false;
  }
}

void AppendPadded(std::string& out, int v, int width) {
  std::string d;
  for (int i = 0; i < width; ++i, v /= 10) d.push_back(static_cast<char>('0' + v % 10));
  out.append(d.rbegin(), d.rend());
}

}  // namespace

bool IsValid(const Ticket& t) {
  return t.ward >= kWardMin && t.ward <= kWardMax && t.device >= kDeviceMin &&
         t.device <= kDeviceMax && t.sequence >= kSequenceMin && t.sequence <= kSequenceMax;
}

int DammCheckDigit(std::string_view s) {
  int interim = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    interim = kDamm[interim][c - '0'];
  }
  return interim;
}

bool DammValid(std::string_view s) { return !s.empty() && DammCheckDigit(s) == 0; }

std::string CanonicalTicket(const Ticket& t) {
  assert(IsValid(t) && "CanonicalTicket of a ticket the store could never have issued");
  std::string out;
  out.reserve(kTicketDigits);
  AppendPadded(out, t.ward, 2);
  AppendPadded(out, t.device, 3);
  AppendPadded(out, t.sequence, 5);
  out.push_back(static_cast<char>('0' + DammCheckDigit(out)));
  return out;
}

std::string DisplayTicket(const Ticket& t) {
  const std::string c = CanonicalTicket(t);
  std::string out;
  out.append(c, 0, 2).push_back('-');
  out.append(c, 2, 3).push_back('-');
  out.append(c, 5, 5).push_back('-');
  out.push_back(c[10]);
  return out;
}

TicketError ParseTicket(std::string_view typed, Ticket* out) {
  const std::string norm = NormalizeDigits(typed);  // every script's digits to ASCII first
  std::string digits;
  size_t i = 0;
  char32_t cp = 0;
  while (i < norm.size()) {
    if (!NextCodePoint(norm, i, cp)) return TicketError::NotATicket;
    if (cp >= U'0' && cp <= U'9') {
      if (digits.size() > kTicketDigits) return TicketError::WrongLength;  // bound the work
      digits.push_back(static_cast<char>(cp));
    } else if (!IsSeparator(cp)) {
      return TicketError::NotATicket;
    }
  }
  if (digits.empty()) return TicketError::Empty;
  if (digits.size() != kTicketDigits) return TicketError::WrongLength;
  if (!DammValid(digits)) return TicketError::CheckDigit;
  const auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t k = at; k < at + n; ++k) v = v * 10 + (digits[k] - '0');
    return v;
  };
  const Ticket t{num(0, 2), num(2, 3), num(5, 5)};
  if (!IsValid(t)) return TicketError::OutOfRange;
  *out = t;
  return TicketError::None;
}

}  // namespace samvad::model
