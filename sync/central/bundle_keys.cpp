// bundle_keys.cpp — see bundle_keys.h.
#include "sync/central/bundle_keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace samvad::central {

std::string DefaultBundleKeyPath(const std::string& media_dir) {
  std::string base = media_dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + ".bundle-key";
}

namespace {

std::string Hex(const std::uint8_t* p, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

}  // namespace

std::string BundleKeyId(const bundle::CentralPublicKey& pk) {
  std::uint8_t id[16];
  crypto_generichash(id, sizeof id, pk.bytes.data(), pk.bytes.size(), nullptr, 0);
  return Hex(id, sizeof id);
}

std::string KeyHex(const bundle::CentralPublicKey& pk) { return Hex(pk.bytes.data(), pk.bytes.size()); }

bool LoadBundleKey(const std::string& path, bool create, bundle::CentralKeyPair* out, bool* created, std::string* why) {
  *created = false;
  struct stat sb{};
  if (::stat(path.c_str(), &sb) != 0) {
    if (errno != ENOENT) {
      *why = "bundle key " + path + ": " + std::strerror(errno);
      return false;
    }
    if (!create) {
      *why = "no bundle key at " + path +
             " (this central has never made one, so no bundle can be addressed to it; check --bundle-key or --media)";
      return false;
    }
    bundle::CentralKeyPair fresh = bundle::MakeCentralKeyPair();
    const bundle::BundleStatus st = bundle::SaveKeyFile(path, fresh.sk);
    sodium_memzero(fresh.sk.bytes.data(), fresh.sk.bytes.size());
    // kInvalidArgument here means the name exists: another process made it first; load theirs.
    if (!st && st.code != bundle::BundleError::kInvalidArgument) {
      *why = "cannot make the bundle key: " + st.message;
      return false;
    }
    *created = static_cast<bool>(st);
  } else if ((sb.st_mode & 077) != 0) {
    // Not refused (the operator may have reasons), but said: anyone who reads it reads every bundle.
    std::fprintf(stderr, "samvad-central: warning: %s is readable by other users (chmod 600 it)\n", path.c_str());
  }
  bundle::CentralKeyPair pair;
  if (const bundle::BundleStatus st = bundle::LoadKeyFile(path, &pair.sk); !st) {
    *why = "bundle key: " + st.message;
    return false;
  }
  // A box secret key's public half is its scalar multiple of the base point (crypto_box_keypair).
  crypto_scalarmult_base(pair.pk.bytes.data(), pair.sk.bytes.data());
  *out = pair;
  sodium_memzero(pair.sk.bytes.data(), pair.sk.bytes.size());
  return true;
}

}  // namespace samvad::central
