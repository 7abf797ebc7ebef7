// device_keys.h — what a device keeps so it can write a sneakernet bundle (sync/bundle) with the
// network down: central's public box key, its own Ed25519 signing key, and the word of central
// that the signing key is registered to this device. Internal to sync/client: the engine keeps
// these files up to date at every session (device_keys.cpp), ExportUnsent reads them (export.cpp).
//
//   <data>/bundle/central-box.pub    central's public key, from GET /bundle-key.json (replaced
//                                    whole when central's changes)
//   <data>/bundle/device-sign.key    the signing key: made once, mode 0600, never overwritten
//   <data>/bundle/registered.txt     device_id, sign_key, api_key_sha256 — written once central
//                                    answered POST /devices/sign-key.json with 200
//   <data>/bundle/refused.txt        central's reason, when it refused the key (409); removed on success
#pragma once
#include <string>

#include "sync/bundle/keys.h"

namespace samvad::sync {

struct BundleFiles {
  std::string dir, central_key, device_key, registration, refused;
};
BundleFiles BundleFilesIn(const std::string& data_dir);

// The device's signing key; made first when there is none and `create` is set (the folder too).
// A file that exists but cannot be read is an error, never a reason to make a new key: central
// keeps the first key a device registers (DESIGN.md), so a new one could never sign again.
bundle::BundleStatus LoadDeviceKey(const BundleFiles& f, bool create, bundle::DeviceKeyPair* out);

struct Registration {
  std::string device_id;       // central's name for this device, which bundles carry
  std::string sign_key;        // 64 hex: the public key central accepted
  std::string api_key_sha256;  // of the api_key that registered it: a new enrolment registers again
};
bool LoadRegistration(const BundleFiles& f, Registration* out);
bool SaveRegistration(const BundleFiles& f, const Registration& r);

std::string HexOf(const std::uint8_t* p, size_t n);

}  // namespace samvad::sync
