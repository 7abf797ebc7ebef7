// keys.cpp — see keys.h.
#include "sync/bundle/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cassert>
#include <cerrno>

#include "sync/bundle/posix.h"

namespace samvad::bundle {

static_assert(crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32);
static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64);

namespace {

void InitSodium() {
  // Idempotent and thread-safe; it fails only without an entropy source, where no key is safe.
  [[maybe_unused]] const int rc = sodium_init();
  assert(rc >= 0 && "libsodium failed to initialise");
}

BundleStatus Refuse(const std::string& path, const std::string& what) {
  return {BundleError::kInvalidArgument, path + ": " + what};
}

}  // namespace

CentralKeyPair MakeCentralKeyPair() {
  InitSodium();
  CentralKeyPair k;
  crypto_box_keypair(k.pk.bytes.data(), k.sk.bytes.data());
  return k;
}

DeviceKeyPair MakeDeviceKeyPair() {
  InitSodium();
  DeviceKeyPair k;
  crypto_sign_keypair(k.pk.bytes.data(), k.sk.bytes.data());
  return k;
}

bool KeysMatch(const CentralPublicKey& pk, const CentralSecretKey& sk) {
  std::array<std::uint8_t, 32> derived{};
  if (crypto_scalarmult_base(derived.data(), sk.bytes.data()) != 0) return false;
  return sodium_memcmp(derived.data(), pk.bytes.data(), derived.size()) == 0;
}

namespace detail {

std::string KeyText(std::string_view label, std::span<const std::uint8_t> bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  std::string text(label);
  text.append(" ").append(hex).append("\n");
  sodium_memzero(hex.data(), hex.size());
  return text;
}

bool ParseKeyText(std::string_view label, std::string_view text, std::span<std::uint8_t> out) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.size() != label.size() + 1 + out.size() * 2) return false;
  if (text.substr(0, label.size()) != label || text[label.size()] != ' ') return false;
  const std::string_view hex = text.substr(label.size() + 1);
  for (const char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  size_t len = 0;
  return sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr) == 0 &&
         len == out.size();
}

BundleStatus SaveKeyText(const std::string& path, const std::string& text, bool secret) {
  // Written under a temporary name and linked into place: link(2) refuses an existing name
  // atomically, and a crash never leaves a half-written key under the real name.
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  posix::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644));
  if (!fd.ok()) return posix::Failure(BundleError::kIo, "create", tmp, errno);
  const auto abandon = [&](const char* op, const std::string& p, int err) {
    fd.Reset();
    ::unlink(tmp.c_str());
    return posix::Failure(BundleError::kIo, op, p, err);
  };
  if (!posix::WriteAll(fd.get(), text.data(), text.size())) return abandon("write", tmp, errno);
  if (::fsync(fd.get()) != 0) return abandon("fsync", tmp, errno);
  if (!fd.Close()) return abandon("close", tmp, errno);
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    if (err == EEXIST) return Refuse(path, "already exists; a key file is never overwritten");
    return posix::Failure(BundleError::kIo, "link", path, err);
  }
  ::unlink(tmp.c_str());
  if (!posix::SyncParentDir(path)) return posix::Failure(BundleError::kIo, "fsync the folder of", path, errno);
  return {};
}

BundleStatus LoadKeyText(const std::string& path, std::string_view label, std::span<std::uint8_t> out) {
  const posix::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) return posix::Failure(BundleError::kIo, "open", path, errno);
  // One more byte than the longest valid file, to tell "too long" from "just right".
  std::string text(label.size() + 1 + out.size() * 2 + 2, '\0');
  const ssize_t got = posix::ReadFull(fd.get(), text.data(), text.size());
  if (got < 0) return posix::Failure(BundleError::kIo, "read", path, errno);
  text.resize(static_cast<size_t>(got));
  const bool ok = ParseKeyText(label, text, out);
  sodium_memzero(text.data(), text.size());
  if (!ok) return Refuse(path, "is not a " + std::string(label) + " key file");
  return {};
}

}  // namespace detail
}  // namespace samvad::bundle
