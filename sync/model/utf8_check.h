// utf8_check.h — the project's one UTF-8 codec: strict checks for anything that reaches the
// database or the wire (well-formed sequences only: no overlongs, no surrogates, nothing past
// U+10FFFF), and encoding. app/text, app/capture and sync/protocol build on it. Plain
// functions, no I/O. Not a text-editing toolkit: the UI's caret and grapheme logic live in
// app/text (ICU); this is the gate that keeps invalid bytes from any import out of the store.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace samvad::model {

// Decodes the code point at `i` into `cp` and advances `i`. False (and `i` unchanged) when the
// bytes at `i` are not a well-formed UTF-8 sequence.
bool NextCodePoint(std::string_view s, size_t& i, char32_t& cp);

bool IsValidUtf8(std::string_view s);

// Appends the UTF-8 encoding of `cp` (a Unicode scalar value) to `out`.
void AppendUtf8(std::string& out, char32_t cp);

// The number of code points, or nullopt when `s` is not valid UTF-8. The UI limits text by
// graphemes (ICU); the model counts code points, which is never fewer, so a text the UI accepts
// at 500 graphemes may still be refused here only if it carries many combining marks.
std::optional<size_t> CountCodePoints(std::string_view s);

}  // namespace samvad::model
