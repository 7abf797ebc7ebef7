// digits.h — digits as people type them (Latin 0-9, Devanagari ०-९, Bengali ০-৯) turned into
// the ASCII digits we store and send. Plain functions, no I/O; used by the keyboards, the phone
// and ticket fields, and anything that imports numbers from a peer.
#pragma once
#include <string>
#include <string_view>

namespace samvad::model {

// The value 0-9 of a Latin, Devanagari or Bengali digit code point, or -1.
int DigitValue(char32_t cp);

// `utf8` with every Devanagari and Bengali digit replaced by its ASCII digit; all else as is.
// Invalid UTF-8 bytes are copied through unchanged (validation is the importer's job).
std::string NormalizeDigits(std::string_view utf8);

}  // namespace samvad::model
