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
