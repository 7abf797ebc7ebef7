// crypto.cpp — see crypto.h.
#include "sync/central/crypto.h"

#include <sodium.h>

namespace samvad::central {

bool CryptoInit() { return sodium_init() >= 0; }

std::string ToHex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  randombytes_buf(bytes.data(), n);
  return ToHex(bytes);
}

std::string RandomEnrolmentCode() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32
  std::string code;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) code.push_back('-');
    code.push_back(kAlphabet[randombytes_uniform(32)]);
  }
  return code;
}

std::string NormalizeEnrolmentCode(std::string_view typed) {
  std::string out;
  for (const char c : typed) {
    if (c == '-' || c == ' ') continue;
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

std::string Sha256(std::string_view bytes) {
  const auto d = model::Sha256Of(bytes.data(), bytes.size());
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string Sha256Hex(std::string_view bytes) { return ToHex(Sha256(bytes)); }

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // lengths are public (hex of fixed-size hashes)
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sha256Stream::Final() {
  const auto d = h_.Final();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace samvad::central
