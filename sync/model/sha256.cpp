// sha256.cpp — see sha256.h.
#include "sync/model/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "sync/model/dynamic_lib.h"

namespace samvad::model {

namespace {

// libcrypto is opened at the first digest, not linked: its 21,000 relocations cost every start
// of the kiosk ~3 ms before its first frame, and a kiosk hashes nothing until a photo comes.
struct Crypto {
  decltype(&EVP_MD_fetch) md_fetch = nullptr;
  decltype(&EVP_MD_CTX_new) ctx_new = nullptr;
  decltype(&EVP_MD_CTX_free) ctx_free = nullptr;
  decltype(&EVP_DigestInit_ex) init = nullptr;
  decltype(&EVP_DigestUpdate) update = nullptr;
  decltype(&EVP_DigestFinal_ex) final = nullptr;
  EVP_MD* md = nullptr;  // fetched once: EVP_sha256() would look it up in the provider every time
};

// libcrypto fails here only when it is missing, cannot allocate or has no SHA-256 at all; a
// wrong digest would name a photo wrongly or let a damaged one through, so no carrying on.
void Require(bool ok, const char* why = "libcrypto's SHA-256 failed") {
  if (ok) return;
  std::fprintf(stderr, "samvad: %s\n", why);
  std::abort();
}

// Once per process (a function-local static: thread-safe).
const Crypto& Lib() {
  static const Crypto lib = [] {
    Crypto c;
    DynamicLib so("libcrypto.so.3");
    so.Find(&c.md_fetch, "EVP_MD_fetch");
    so.Find(&c.ctx_new, "EVP_MD_CTX_new");
    so.Find(&c.ctx_free, "EVP_MD_CTX_free");
    so.Find(&c.init, "EVP_DigestInit_ex");
    so.Find(&c.update, "EVP_DigestUpdate");
    so.Find(&c.final, "EVP_DigestFinal_ex");
    Require(so.ok(), (so.error() + " (apt-get install libssl3)").c_str());
    c.md = c.md_fetch(nullptr, "SHA256", nullptr);
    Require(c.md != nullptr);
    return c;
  }();
  return lib;
}

}  // namespace

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { Lib().ctx_free(ctx); }

Sha256::Sha256() : ctx_(Lib().ctx_new()) { Require(ctx_ && Lib().init(ctx_.get(), Lib().md, nullptr) == 1); }

void Sha256::Update(const void* data, size_t n) { Require(Lib().update(ctx_.get(), data, n) == 1); }

std::array<std::uint8_t, 32> Sha256::Final() {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  Require(Lib().final(ctx_.get(), out.data(), &len) == 1 && len == out.size());
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
