// crypto.h — the few cryptographic primitives central needs: random ids and keys and a
// constant-time comparison from libsodium; SHA-256 (tus checksums, idempotency payload hashes,
// stored key hashes) from sync/model, the one SHA-256 both ends of the wire use. No cryptography of our own; nothing here decides policy.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "sync/model/sha256.h"

namespace samvad::central {

// Call once before anything else here; false if libsodium cannot initialise (no entropy source).
bool CryptoInit();

// `n` random bytes as 2n lower-case hex digits.
std::string RandomHex(size_t n);
// 16 bytes as a UUID, 8-4-4-4-12 lower-case hex, with `version` and the RFC 9562 variant set.
std::string FormatUuid(std::string_view sixteen_bytes, int version);
// A random (version 4) UUID.
std::string RandomUuid();
// A one-time enrolment code: 10 characters of Crockford base32 (no I, L, O, U to misread on a
// kiosk screen), shown as "XXXXX-XXXXX"; ~50 bits, and it expires within a day.
std::string RandomEnrolmentCode();
// Upper-cases and drops '-' and spaces, so "abcde-fghjk" and "ABCDEFGHJK" are the same code.
std::string NormalizeEnrolmentCode(std::string_view typed);

std::string Sha256(std::string_view bytes);     // raw 32 bytes
std::string Sha256Hex(std::string_view bytes);  // 64 hex digits
std::string ToHex(std::string_view bytes);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Incremental SHA-256 for bodies that arrive in pieces (tus PATCH).
class Sha256Stream {
 public:
  void Update(const void* data, size_t n) { h_.Update(data, n); }
  std::string Final();  // raw 32 bytes

 private:
  model::Sha256 h_;
};

}  // namespace samvad::central
