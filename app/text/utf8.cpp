// utf8.cpp — see utf8.h. Built on sync/model's strict codec; what is added here is the
// lenient decode text editing needs (a bad byte becomes U+FFFD and advances one byte).
#include "app/text/utf8.h"

#include "sync/model/utf8_check.h"

namespace samvad::text {

char32_t DecodeUtf8(std::string_view s, size_t& i) {
  char32_t cp = 0;
  if (model::NextCodePoint(s, i, cp)) return cp;
  ++i;
  return 0xFFFD;
}

size_t PrevCodePoint(std::string_view s, size_t i) {
  if (i == 0) return 0;
  size_t j = i - 1;
  // Walk back over at most three continuation bytes.
  while (j > 0 && i - j < 4 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
  size_t k = j;
  DecodeUtf8(s, k);
  return k == i ? j : i - 1;  // a malformed tail steps back one byte
}

void AppendUtf8(std::string& out, char32_t cp) { model::AppendUtf8(out, cp); }

bool IsValidUtf8(std::string_view s) { return model::IsValidUtf8(s); }

char32_t LastCodePoint(std::string_view s) {
  if (s.empty()) return 0;
  size_t i = PrevCodePoint(s, s.size());
  return DecodeUtf8(s, i);
}

}  // namespace samvad::text
