// utf8_check.cpp — see utf8_check.h. Table 3-7 of the Unicode standard, byte by byte.
#include "sync/model/utf8_check.h"

namespace samvad::model {

bool NextCodePoint(std::string_view s, size_t& i, char32_t& cp) {
  if (i >= s.size()) return false;
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) { cp = c; ++i; return true; }
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte (Table 3-7)
  if (c >= 0xC2 && c <= 0xDF) { len = 2; }
  else if (c == 0xE0) { len = 3; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) { len = 3; }
  else if (c == 0xED) { len = 3; hi = 0x9F; }  // excludes the UTF-16 surrogates
  else if (c >= 0xEE && c <= 0xEF) { len = 3; }
  else if (c == 0xF0) { len = 4; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) { len = 4; }
  else if (c == 0xF4) { len = 4; hi = 0x8F; }  // nothing past U+10FFFF
  else return false;                         // 0x80–0xC1 (continuation, overlong) and 0xF5+
  if (i + len > s.size()) return false;
  if (b(i + 1) < lo || b(i + 1) > hi) return false;
  for (size_t k = 2; k < len; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
  char32_t v = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) v = (v << 6) | (b(i + k) & 0x3F);
  cp = v;
  i += len;
  return true;
}

std::optional<size_t> CountCodePoints(std::string_view s) {
  size_t n = 0;
  char32_t cp = 0;
  for (size_t i = 0; i < s.size(); ++n)
    if (!NextCodePoint(s, i, cp)) return std::nullopt;
  return n;
}

bool IsValidUtf8(std::string_view s) { return CountCodePoints(s).has_value(); }

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace samvad::model
