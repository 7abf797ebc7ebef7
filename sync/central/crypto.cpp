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

std::string FormatUuid(std::string_view bytes, int version) {
  unsigned char b[16] = {};
  for (size_t i = 0; i < 16 && i < bytes.size(); ++i) b[i] = static_cast<unsigned char>(bytes[i]);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | (version << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  const std::string hex = ToHex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string RandomUuid() {
  std::string bytes(16, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return FormatUuid(bytes, 4);
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
