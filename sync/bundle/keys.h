// keys.h — the two key pairs behind a sneakernet bundle (FORMAT.md): central's X25519 box pair,
// whose public half every bundle is sealed to, and each device's Ed25519 signing pair, whose
// secret half signs what the device exports. Making them, and keeping each half in a one-line
// text file ("<label> <hex>\n") that says what it holds, so a device key cannot be loaded where
// central's is expected.
//
// Not here: where the files live, who hands central a device's public key (enrolment), or
// revocation — the reader asks the caller for a device's key (bundle.h, DeviceKeyLookup).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sync/bundle/status.h"

namespace samvad::bundle {

// Distinct types for four arrays of bytes, two of which have the same size: passing a device
// key where central's belongs does not compile.
struct CentralPublicKey {
  static constexpr std::string_view kLabel = "samvad-central-box-public-v1";
  static constexpr bool kSecret = false;
  std::array<std::uint8_t, 32> bytes{};
};
struct CentralSecretKey {
  static constexpr std::string_view kLabel = "samvad-central-box-secret-v1";
  static constexpr bool kSecret = true;
  std::array<std::uint8_t, 32> bytes{};
};
struct DevicePublicKey {
  static constexpr std::string_view kLabel = "samvad-device-sign-public-v1";
  static constexpr bool kSecret = false;
  std::array<std::uint8_t, 32> bytes{};
};
struct DeviceSecretKey {
  static constexpr std::string_view kLabel = "samvad-device-sign-secret-v1";
  static constexpr bool kSecret = true;
  std::array<std::uint8_t, 64> bytes{};  // libsodium's form: seed, then the public key
};

struct CentralKeyPair {
  CentralPublicKey pk;
  CentralSecretKey sk;
};
struct DeviceKeyPair {
  DevicePublicKey pk;
  DeviceSecretKey sk;
};

CentralKeyPair MakeCentralKeyPair();  // crypto_box_keypair
DeviceKeyPair MakeDeviceKeyPair();    // crypto_sign_keypair

// True when `sk` is the secret half of `pk`: a central started with halves of two different
// pairs would otherwise call every bundle tampered.
bool KeysMatch(const CentralPublicKey& pk, const CentralSecretKey& sk);

namespace detail {
std::string KeyText(std::string_view label, std::span<const std::uint8_t> bytes);
bool ParseKeyText(std::string_view label, std::string_view text, std::span<std::uint8_t> out);
BundleStatus SaveKeyText(const std::string& path, const std::string& text, bool secret);
BundleStatus LoadKeyText(const std::string& path, std::string_view label, std::span<std::uint8_t> out);
}  // namespace detail

// "<label> <lower-case hex>\n".
template <class Key>
std::string KeyToText(const Key& key) {
  return detail::KeyText(Key::kLabel, key.bytes);
}
// Accepts exactly what KeyToText writes, with or without the final newline. False (and `out`
// unchanged) for another label, another length, or anything that is not hex.
template <class Key>
bool KeyFromText(std::string_view text, Key* out) {
  return detail::ParseKeyText(Key::kLabel, text, out->bytes);
}

// Writes the key to a new file, durably (temporary, fsync, link, fsync of the folder), mode
// 0600 for secret halves. Never replaces an existing file: overwriting central's secret key would
// make every bundle on its way to it unreadable, so an existing path is kInvalidArgument.
template <class Key>
BundleStatus SaveKeyFile(const std::string& path, const Key& key) {
  return detail::SaveKeyText(path, KeyToText(key), Key::kSecret);
}
// kIo when the file cannot be read; kInvalidArgument when it is not a key of this kind.
template <class Key>
BundleStatus LoadKeyFile(const std::string& path, Key* out) {
  return detail::LoadKeyText(path, Key::kLabel, out->bytes);
}

}  // namespace samvad::bundle
