// digits.cpp — see digits.h.
#include "sync/model/digits.h"

namespace samvad::model {

int DigitValue(char32_t cp) {
  if (cp >= U'0' && cp <= U'9') return static_cast<int>(cp - U'0');
  if (cp >= 0x0966 && cp <= 0x096F) return static_cast<int>(cp - 0x0966);  // Devanagari
  if (cp >= 0x09E6 && cp <= 0x09EF) return static_cast<int>(cp - 0x09E6);  // Bengali
  return -1;
}

std::string NormalizeDigits(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    // Both digit blocks are 3-byte sequences E0 A5 A6..AF (Deva) and E0 A7 A6..AF (Beng).
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    if (i + 2 < s.size() && b(i) == 0xE0 && (b(i + 1) == 0xA5 || b(i + 1) == 0xA7) &&
        b(i + 2) >= 0xA6 && b(i + 2) <= 0xAF) {
      out.push_back(static_cast<char>('0' + (b(i + 2) - 0xA6)));
      i += 3;
    } else {
      out.push_back(s[i]);
      ++i;
    }
  }
  return out;
}

}  // namespace samvad::model
