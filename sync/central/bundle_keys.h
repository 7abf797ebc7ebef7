// bundle_keys.h — central's key pair for sneakernet bundles (sync/bundle/FORMAT.md): an X25519
// box pair whose public half every device seals its bundles to. Where it lives, made on first
// need, never replaced; and the public facts devices learn about it (GET /bundle-key.json).
// Not here: reading bundles (import.h), device signing keys (Storage::RegisterSignKey).
//
// The secret half is one file, mode 0600 (`--bundle-key FILE`; default beside the media folder,
// DESIGN.md "Sneakernet bundles" says why). The public half is derived from it, so the two can
// never disagree.
#pragma once
#include <string>

#include "sync/bundle/keys.h"

namespace samvad::central {

// "<media>.bundle-key": beside the media folder, which is central's own local state on either
// database engine (a PostgreSQL database may live on another machine, with other admins).
std::string DefaultBundleKeyPath(const std::string& media_dir);

// Loads the secret key at `path` and derives its public half. When the file does not exist and
// `create` is set, makes a new pair first (`*created` = true); a file made by a racing process
// meanwhile is loaded instead — a key file is never overwritten. False with `why` otherwise: a
// missing file without `create`, a file that is not a central secret key, one that cannot be read.
bool LoadBundleKey(const std::string& path, bool create, bundle::CentralKeyPair* out, bool* created, std::string* why);

// The key id a bundle's header carries: BLAKE2b-128 of the public key, 32 hex digits.
std::string BundleKeyId(const bundle::CentralPublicKey& pk);
// 64 lower-case hex digits.
std::string KeyHex(const bundle::CentralPublicKey& pk);

}  // namespace samvad::central
