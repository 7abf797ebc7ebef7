// format.h — the bundle's byte layout as constants, and the checks both ends apply to an item's
// names, internal to sync/bundle (writer.cpp, reader.cpp). FORMAT.md is the prose of the same
// layout; a change here is a change there, and a new kFormatVersion.
#pragma once
#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sync/bundle/bundle.h"

namespace samvad::bundle::format {

inline constexpr std::string_view kMagic = "SAMVADB1";
inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr size_t kKeyIdBytes = 16;  // BLAKE2b-128 of central's public key
inline constexpr size_t kHeaderBytes = 8 + 2 + kKeyIdBytes;

inline constexpr size_t kStreamKeyBytes = crypto_secretstream_xchacha20poly1305_KEYBYTES;
// Info: created_at (i64), device id length (u8), device id zero-padded to 63 bytes — fixed size,
// so the sealed block's length says nothing about which device made the bundle.
inline constexpr size_t kInfoBytes = 8 + 1 + kMaxDeviceIdBytes;
inline constexpr size_t kSealedPlainBytes = kStreamKeyBytes + kInfoBytes;
inline constexpr size_t kSealedBytes = crypto_box_SEALBYTES + kSealedPlainBytes;
inline constexpr size_t kStreamHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
inline constexpr size_t kPrefixBytes = kHeaderBytes + kSealedBytes + kStreamHeaderBytes;

// Every chunk on disk is exactly 64 KiB, the last one padded: a short chunk can then only be a
// cut file, never a damaged length field (FORMAT.md, "Why fixed-size chunks").
inline constexpr size_t kChunkBytes = 64 * 1024;
inline constexpr size_t kChunkPlainBytes = kChunkBytes - crypto_secretstream_xchacha20poly1305_ABYTES;

inline constexpr std::uint8_t kFrameRecord = 'R';
inline constexpr std::uint8_t kFrameFile = 'F';
inline constexpr std::uint8_t kFrameEnd = 'E';
inline constexpr size_t kSignatureBytes = crypto_sign_BYTES;

static_assert(kHeaderBytes == 26 && kSealedBytes == 152 && kPrefixBytes == 202, "FORMAT.md gives these offsets");
static_assert(kChunkPlainBytes == 65519 && kSignatureBytes == 64, "FORMAT.md gives these sizes");

using KeyId = std::array<std::uint8_t, kKeyIdBytes>;
KeyId KeyIdOf(const CentralPublicKey& pk);
std::string Hex(const std::uint8_t* p, size_t n);

inline void PutLe(std::uint8_t* p, std::uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint64_t GetLe(const std::uint8_t* p, size_t n) {
  std::uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// Each returns "" when the value is acceptable, else why not ("kind must be …"), for the
// writer's kInvalidArgument and the reader's kMalformed alike.
std::string DeviceIdProblem(std::string_view device_id);
std::string KindProblem(std::string_view kind);
std::string IdProblem(std::string_view id);
std::string NameProblem(std::string_view name);
std::string PayloadProblem(std::string_view payload);

}  // namespace samvad::bundle::format
