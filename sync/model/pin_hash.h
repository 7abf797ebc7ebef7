// pin_hash.h — staff PINs: what the numeric pad may produce, and their Argon2id hashes in
// libsodium's encoded form ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>") with OWASP's
// parameters: m = 19 MiB, t = 2, p = 1. Central hashes a PIN when it is set (HashPin); the
// device only verifies, against the hashes central sent (app/store/staff_store.h). Plain
// functions over libsodium, no I/O.
//
// Cost, by design: one HashPin or VerifyPin allocates 19 MiB and takes ~30 ms on this machine's
// EPYC (measured; several times that on a tablet's ARM core). Never call them on the UI thread.
//
// This file is: PIN format, hashing, verifying, and the one hash shape the device accepts. It is
// not: accounts, lockout or sign-in (app/store/staff_store.h).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace samvad::model {

inline constexpr size_t kPinMinDigits = 4;
inline constexpr size_t kPinMaxDigits = 8;
// OWASP's Argon2id minimum. Every hash the device accepts carries exactly these (IsPinHash):
// the dummy verify for unknown user ids must cost what a real one costs, and a tablet's memory
// is budgeted for 19 MiB per sign-in. Raising them is a coordinated change with central.
inline constexpr unsigned long long kPinOpsLimit = 2;
inline constexpr size_t kPinMemLimit = 19 * 1024 * 1024;

enum class PinFormat {
  Ok,
  TooShort,   // fewer than kPinMinDigits (an empty PIN too)
  TooLong,    // more than kPinMaxDigits
  NotDigits,  // anything but ASCII 0-9: the numeric pad types only those
};
PinFormat CheckPinFormat(std::string_view pin);

// True for a PIN of the right format that anyone standing at a kiosk would try first: one digit
// repeated (1111), a straight run up or down (1234, 4321, 345678), a shorter block repeated
// (1212, 123123), or one of the PINs people choose most. Central refuses such a PIN when it is
// set (`staff add`, `staff pin`); a device still accepts every PIN of the right format at
// sign-in, so an account set before this rule keeps working.
bool IsGuessablePin(std::string_view pin);

// The encoded Argon2id hash of `pin` with a fresh random salt and the parameters above; "" when
// the PIN breaks the format (no hash is ever made of a PIN the pad cannot type) or libsodium
// cannot get the memory. For central and tests; the device never hashes.
std::string HashPin(std::string_view pin);

// True when `encoded` is a well-formed Argon2id (v=19) hash in libsodium's form with exactly
// kPinOpsLimit, kPinMemLimit and one lane, shorter than libsodium's 128-byte buffer.
bool IsPinHash(std::string_view encoded);

// True only when `encoded` passes IsPinHash and `pin` (any bytes) matches it. libsodium answers
// a verify that could not get its memory exactly as it answers a mismatch (-1, errno EINVAL:
// measured under a 12 MB address-space limit), so that case is false too: it fails closed.
bool VerifyPin(std::string_view encoded, std::string_view pin);

// A hash (same parameters) of 32 random bytes that were then forgotten: no PIN matches it.
// Sign-in verifies against it when the user id is unknown, so that answering "no such user"
// costs the same Argon2id time and memory as checking a real account.
std::string_view DummyPinHash();

}  // namespace samvad::model
