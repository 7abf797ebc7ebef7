// pin_hash.cpp — see pin_hash.h.
#include "sync/model/pin_hash.h"

#include <sodium.h>

namespace samvad::model {

namespace {

// What libsodium writes before the salt for our parameters. Comparing it literally also pins
// p=1, which crypto_pwhash_str_needs_rehash does not look at (nor at the algorithm: it
// answered 0 for an "$argon2i$" string with the same numbers — measured).
constexpr std::string_view kPrefix = "$argon2id$v=19$m=19456,t=2,p=1$";
static_assert(kPinMemLimit / 1024 == 19456 && kPinOpsLimit == 2, "kPrefix spells the parameters");

// Generated once with crypto_pwhash_str_alg over 32 bytes from randombytes_buf, not kept.
constexpr std::string_view kDummy =
    "$argon2id$v=19$m=19456,t=2,p=1$v8KstWHiOe9NGezC6AOLbA$G0ywShRm+eE7F/GVVAW74DH8hB2sMLeXLUbJReuAJ8k";

}  // namespace

PinFormat CheckPinFormat(std::string_view pin) {
  for (char c : pin)
    if (c < '0' || c > '9') return PinFormat::NotDigits;
  if (pin.size() < kPinMinDigits) return PinFormat::TooShort;
  if (pin.size() > kPinMaxDigits) return PinFormat::TooLong;
  return PinFormat::Ok;
}

bool IsGuessablePin(std::string_view pin) {
  if (CheckPinFormat(pin) != PinFormat::Ok) return false;
  bool up = true, down = true;
  for (size_t i = 1; i < pin.size(); ++i) {
    up = up && pin[i] == pin[i - 1] + 1;
    down = down && pin[i] == pin[i - 1] - 1;
  }
  if (up || down) return true;
  // A block repeated: "1111" (block 1), "1212" (12), "123123" (123), "45674567" (4567).
  for (size_t block = 1; block <= pin.size() / 2; ++block) {
    if (pin.size() % block != 0) continue;
    bool repeated = true;
    for (size_t i = block; i < pin.size() && repeated; ++i) repeated = pin[i] == pin[i - block];
    if (repeated) return true;
  }
  // Among the most chosen in published studies of leaked PINs, not caught above: years, the
  // keypad's middle column (2580), dates.
  static constexpr std::string_view kCommon[] = {"1004", "2000", "2001", "1122", "1313", "2580", "0852",
                                                 "1990", "1980", "112233", "159753", "000001", "101010"};
  for (std::string_view c : kCommon)
    if (pin == c) return true;
  return false;
}

std::string HashPin(std::string_view pin) {
  if (CheckPinFormat(pin) != PinFormat::Ok || sodium_init() < 0) return {};
  char out[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_str_alg(out, pin.data(), pin.size(), kPinOpsLimit, kPinMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return {};
  return out;
}

bool IsPinHash(std::string_view encoded) {
  // libsodium reads the string as a C string inside a 128-byte buffer: a NUL inside would hide
  // the rest from it, and a longer string would not fit.
  if (encoded.size() >= crypto_pwhash_STRBYTES || encoded.find('\0') != std::string_view::npos ||
      encoded.substr(0, kPrefix.size()) != kPrefix || sodium_init() < 0)
    return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  encoded.copy(buf, encoded.size());
  // 0: well-formed with exactly these parameters; 1: other parameters; -1: malformed.
  return crypto_pwhash_str_needs_rehash(buf, kPinOpsLimit, kPinMemLimit) == 0;
}

bool VerifyPin(std::string_view encoded, std::string_view pin) {
  if (!IsPinHash(encoded)) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  encoded.copy(buf, encoded.size());
  return crypto_pwhash_str_verify(buf, pin.data(), pin.size()) == 0;
}

std::string_view DummyPinHash() { return kDummy; }

}  // namespace samvad::model
