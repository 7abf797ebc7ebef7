// utf8.h — the few UTF-8 operations the text code needs: decode one code point, step back one
// code point, encode, validate. Invalid bytes decode as U+FFFD and advance one byte, so a
// caller can never loop forever on bad input.
#pragma once
#include <string>
#include <string_view>

namespace samvad::text {

// Decodes the code point at `i` and advances `i` past it.
char32_t DecodeUtf8(std::string_view s, size_t& i);
// The byte offset of the code point that ends at `i` (i > 0).
size_t PrevCodePoint(std::string_view s, size_t i);
void AppendUtf8(std::string& out, char32_t cp);
// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s);
// The last code point of `s`, or 0 when empty.
char32_t LastCodePoint(std::string_view s);

}  // namespace samvad::text
