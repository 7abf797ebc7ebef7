// sha256.cpp — see sha256.h.
#include "sync/model/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace samvad::model {

namespace {

// Fetched once: EVP_sha256() would look the implementation up in the provider on every init.
const EVP_MD* Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// libcrypto fails here only when it cannot allocate or has no SHA-256 at all; a wrong digest
// would name a photo wrongly or let a damaged one through, so there is no carrying on.
void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { Require(ctx_ && Md() && EVP_DigestInit_ex(ctx_.get(), Md(), nullptr) == 1); }

void Sha256::Update(const void* data, size_t n) { Require(EVP_DigestUpdate(ctx_.get(), data, n) == 1); }

std::array<std::uint8_t, 32> Sha256::Final() {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  Require(EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) == 1 && len == out.size());
  return out;
}

std::array<std::uint8_t, 32> Sha256Of(const void* data, size_t n) {
  Sha256 s;
  s.Update(data, n);
  return s.Final();
}

std::string Sha256Hex(const void* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : Sha256Of(data, n)) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace samvad::model
