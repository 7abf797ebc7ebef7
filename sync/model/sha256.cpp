// sha256.cpp — see sha256.h.
#include "sync/model/sha256.h"

#include <sodium.h>

#include <cassert>
#include <cstring>

namespace samvad::model {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256::state_ holds libsodium's state");

namespace {
crypto_hash_sha256_state* State(std::array<unsigned char, 128>& s) {
  return reinterpret_cast<crypto_hash_sha256_state*>(s.data());
}
}  // namespace

Sha256::Sha256() {
  // sodium_init is idempotent and thread-safe; SHA-256 needs it only for its CPU feature probe.
  [[maybe_unused]] const int rc = sodium_init();
  assert(rc >= 0 && "libsodium failed to initialise");
  crypto_hash_sha256_init(State(state_));
}

void Sha256::Update(const void* data, size_t n) {
  crypto_hash_sha256_update(State(state_), static_cast<const unsigned char*>(data), n);
}

std::array<std::uint8_t, 32> Sha256::Final() {
  std::array<std::uint8_t, 32> out{};
  crypto_hash_sha256_final(State(state_), out.data());
  return out;
}

std::string Sha256Hex(const void* data, size_t n) {
  Sha256 s;
  s.Update(data, n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : s.Final()) {
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
