// sha256.h — SHA-256 for naming photo files by their content and for checking them again
// before upload: a thin wrapper over libsodium's crypto_hash_sha256 (already a dependency of
// the photo pipeline and central). It replaced a hand-written one that cost 7.3 ms per MB against
// libsodium's 2.7 (measured), a third of a complaint's durable commit. tests/store checks it
// against the NIST vectors and coreutils' sha256sum. No I/O.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace samvad::model {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  std::array<std::uint8_t, 32> Final();  // the object is spent afterwards

 private:
  alignas(16) std::array<unsigned char, 128> state_{};  // crypto_hash_sha256_state (104 bytes)
};

// Lower-case hex of SHA-256(data): 64 characters.
std::string Sha256Hex(const void* data, size_t n);
inline std::string Sha256Hex(std::string_view s) { return Sha256Hex(s.data(), s.size()); }

// True for exactly 64 lower-case hex digits (how the store and the wire spell a digest).
bool IsSha256Hex(std::string_view s);

}  // namespace samvad::model
