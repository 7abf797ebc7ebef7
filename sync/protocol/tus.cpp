// tus.cpp — tus 1.0.0 header grammar (see tus.h).
#include "sync/protocol/tus.h"

namespace samvad::protocol::tus {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

bool ParseUint(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;  // 18 digits < 2^63: no overflow check needed
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto b = [&](size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = b(i) << 16 | b(i + 1) << 8 | b(i + 2);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = b(i) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = b(i) << 16 | b(i + 1) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

bool Base64Decode(std::string_view text, std::string* bytes) {
  bytes->clear();
  if (text.size() % 4 != 0) return false;
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<size_t>(k)];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return false;  // data after '='
      v[k] = DecodeChar(c);
      if (v[k] < 0) return false;
    }
    const std::uint32_t w = static_cast<std::uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    bytes->push_back(static_cast<char>(w >> 16));
    if (pad < 2) bytes->push_back(static_cast<char>((w >> 8) & 0xFF));
    if (pad < 1) bytes->push_back(static_cast<char>(w & 0xFF));
  }
  return true;
}

bool ParseMetadata(std::string_view header, Metadata* out, std::string* error) {
  out->clear();
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view pair = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    if (pair.empty()) {
      *error = "empty pair in Upload-Metadata";
      return false;
    }
    const size_t space = pair.find(' ');
    const std::string_view key = pair.substr(0, space);
    for (const char c : key) {
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
        *error = "Upload-Metadata keys must be printable ASCII";
        return false;
      }
    }
    std::string value;
    if (space != std::string_view::npos && !Base64Decode(pair.substr(space + 1), &value)) {
      *error = "Upload-Metadata value for '" + std::string(key) + "' is not base64";
      return false;
    }
    if (MetadataGet(*out, key)) {
      *error = "Upload-Metadata key '" + std::string(key) + "' appears twice";
      return false;
    }
    out->emplace_back(std::string(key), std::move(value));
  }
  return true;
}

std::string FormatMetadata(const Metadata& md) {
  std::string out;
  for (const auto& [k, v] : md) {
    if (!out.empty()) out.push_back(',');
    out.append(k);
    out.push_back(' ');
    out.append(Base64Encode(v));
  }
  return out;
}

const std::string* MetadataGet(const Metadata& md, std::string_view key) {
  for (const auto& [k, v] : md)
    if (k == key) return &v;
  return nullptr;
}

bool ParseChecksum(std::string_view header, Checksum* out, std::string* error) {
  const size_t space = header.find(' ');
  if (space == std::string_view::npos || space == 0) {
    *error = "Upload-Checksum must be '<algorithm> <base64 digest>'";
    return false;
  }
  out->algorithm = std::string(header.substr(0, space));
  if (!Base64Decode(header.substr(space + 1), &out->digest) || out->digest.empty()) {
    *error = "Upload-Checksum digest is not base64";
    return false;
  }
  return true;
}

}  // namespace samvad::protocol::tus
