// tus.h — the header grammar of tus 1.0.0 resumable uploads (core, creation, checksum), shared by
// the server and by clients: Upload-Offset/Upload-Length integers, Upload-Metadata pairs,
// Upload-Checksum, and the base64 they use. Pure parsing and formatting: the upload state machine
// lives in sync/central/api_media.cpp and is described in sync/central/DESIGN.md.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace samvad::protocol::tus {

inline constexpr std::string_view kVersion = "1.0.0";
inline constexpr std::string_view kOffsetContentType = "application/offset+octet-stream";
// The only checksum algorithm we accept; tus lets a server choose its own list.
inline constexpr std::string_view kChecksumAlgorithm = "sha256";
// tus's own status for "the bytes did not match Upload-Checksum".
inline constexpr int kStatusChecksumMismatch = 460;
// Our extension (PROTOCOL.md, "Flushing later"): a POST or PATCH with "Samvad-Durable: later"
// is answered once its bytes are written, before they are flushed; central echoes the header on
// every answer (POST, PATCH, HEAD) whose offset is not flushed yet, and POST kSyncPath flushes
// everything it acknowledged before. The header's name as libcurl and our server compare it:
// lower case.
inline constexpr std::string_view kDurableHeader = "samvad-durable";
inline constexpr std::string_view kDurableLater = "later";
inline constexpr std::string_view kSyncPath = "/media/sync";

// A non-negative decimal integer with no sign, spaces or leading '+' that fits in 63 bits.
// Offsets and lengths are compared against files on disk; a lenient parser here is a way to
// make the server write at an offset the client did not mean.
bool ParseUint(std::string_view s, std::uint64_t* out);

// Standard base64 (RFC 4648 §4) with padding, as tus specifies for metadata and checksums.
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* bytes);

using Metadata = std::vector<std::pair<std::string, std::string>>;

// "key base64value,key2 base64value2,flag". Keys are ASCII without spaces or commas and unique;
// values decoded. False with a reason otherwise.
bool ParseMetadata(std::string_view header, Metadata* out, std::string* error);
std::string FormatMetadata(const Metadata& md);
const std::string* MetadataGet(const Metadata& md, std::string_view key);

struct Checksum {
  std::string algorithm;  // lower-case as sent, e.g. "sha256"
  std::string digest;     // raw bytes, decoded from base64
};
// "sha256 <base64 digest>". False with a reason when malformed.
bool ParseChecksum(std::string_view header, Checksum* out, std::string* error);

}  // namespace samvad::protocol::tus
