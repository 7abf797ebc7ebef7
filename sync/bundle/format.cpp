// format.cpp — see format.h.
#include "sync/bundle/format.h"

#include "sync/model/utf8_check.h"

namespace samvad::bundle::format {
namespace {

bool Printable(std::string_view s) {
  for (const char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string Quoted(std::string_view s) {
  // Shown to a person in an error; hostile bytes must not reach their terminal as escapes.
  std::string out = "\"";
  for (const char c : s.substr(0, 40)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out.append(s.size() > 40 ? "…\"" : "\"");
}

}  // namespace

KeyId KeyIdOf(const CentralPublicKey& pk) {
  KeyId id{};
  crypto_generichash(id.data(), id.size(), pk.bytes.data(), pk.bytes.size(), nullptr, 0);
  return id;
}

std::string Hex(const std::uint8_t* p, size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), p, n);
  hex.pop_back();
  return hex;
}

std::string DeviceIdProblem(std::string_view device_id) {
  if (device_id.empty() || device_id.size() > kMaxDeviceIdBytes || !Printable(device_id))
    return "device id " + Quoted(device_id) + " is not 1–63 printable ASCII characters";
  return "";
}

std::string KindProblem(std::string_view kind) {
  bool ok = !kind.empty() && kind.size() <= kMaxKindBytes;
  for (const char c : kind) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  return ok ? "" : "kind " + Quoted(kind) + " is not 1–32 of a-z 0-9 _ -";
}

std::string IdProblem(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes || !Printable(id))
    return "id " + Quoted(id) + " is not 1–64 printable ASCII characters";
  return "";
}

std::string NameProblem(std::string_view name) {
  // The importer may store a file under this name: nothing that can climb out of a folder,
  // hide itself, or mean something to a shell.
  bool ok = !name.empty() && name.size() <= kMaxNameBytes && name.front() != '.';
  for (const char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-');
  return ok ? "" : "file name " + Quoted(name) + " is not 1–128 of A-Z a-z 0-9 . _ - (not starting with '.')";
}

std::string PayloadProblem(std::string_view payload) {
  if (payload.size() > kMaxRecordBytes) return "record of " + std::to_string(payload.size()) + " bytes; at most 1 MiB";
  if (!model::IsValidUtf8(payload)) return "record is not valid UTF-8";
  return "";
}

}  // namespace samvad::bundle::format
