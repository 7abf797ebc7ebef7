// sha256.h — SHA-256 for naming photo files by their content, checking them before upload and
// on arrival at central (tus checksums): a thin wrapper over OpenSSL's libcrypto, which uses the
// CPU's SHA extensions (SHA-NI) where they exist. Measured on this machine's EPYC: 1.68 GB/s
// against libsodium's portable 0.40 GB/s — at central, hashing a 300 KB photo was most of the
// CPU a tus PATCH cost (sync/central/DESIGN.md, "Upload throughput"). libcurl links libcrypto
// already, so no new library reaches the device. tests/store checks it against the NIST vectors
// and coreutils' sha256sum. No I/O. libcrypto is opened at the first digest, not at start-up
// (sha256.cpp says why); a machine without it stops with a message at that digest.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of every includer

namespace samvad::model {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  std::array<std::uint8_t, 32> Final();  // the object is spent afterwards

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

// SHA-256 of `n` bytes at once.
std::array<std::uint8_t, 32> Sha256Of(const void* data, size_t n);
// Lower-case hex of SHA-256(data): 64 characters.
std::string Sha256Hex(const void* data, size_t n);
inline std::string Sha256Hex(std::string_view s) { return Sha256Hex(s.data(), s.size()); }

// True for exactly 64 lower-case hex digits (how the store and the wire spell a digest).
bool IsSha256Hex(std::string_view s);

}  // namespace samvad::model
