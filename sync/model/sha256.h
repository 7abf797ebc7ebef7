// sha256.h — SHA-256 (FIPS 180-4) for naming photo files by their content and for checking
// them again before upload. Plain code, no I/O.
//
// Why our own and not libsodium's crypto_hash_sha256: linking a new library into samvad_model
// means editing link lines that several people share; SHA-256 is ~100 lines, and tests/store
// checks it against the NIST vectors and against coreutils' sha256sum on random data. Nothing
// here is secret, so constant-time code is not a concern. Swap in libsodium if it arrives anyway.
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
  void Block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  size_t used_ = 0;
  std::uint64_t total_ = 0;
};

// Lower-case hex of SHA-256(data): 64 characters.
std::string Sha256Hex(const void* data, size_t n);
inline std::string Sha256Hex(std::string_view s) { return Sha256Hex(s.data(), s.size()); }

// True for exactly 64 lower-case hex digits (how the store and the wire spell a digest).
bool IsSha256Hex(std::string_view s);

}  // namespace samvad::model
