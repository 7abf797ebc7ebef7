// api_bundle.cpp — the two endpoints sneakernet bundles need (PROTOCOL.md, "Extension 9"):
// GET /bundle-key.json hands out central's public box key, which devices seal bundles to, and
// POST /devices/sign-key.json records the Ed25519 key a device signs its bundles with. The
// bundles themselves never come over HTTP: `samvad-central import` reads them (import.h).
#include <sodium.h>

#include "sync/central/api.h"
#include "sync/central/bundle_keys.h"

namespace samvad::central {

using protocol::Form;
using protocol::JsonWriter;

HttpResponse Api::BundleKey() {
  if (!cfg_.bundle_key) return ErrorResponse(404, "this central has no bundle key");
  JsonWriter w;
  w.BeginObject()
      .Field("public_key", KeyHex(*cfg_.bundle_key))
      .Field("key_id", BundleKeyId(*cfg_.bundle_key))
      .Field("algorithm", "x25519-sealed-box")
      .Field("bundle_format", 1)
      .EndObject();
  HttpResponse r = HttpResponse::Json(200, w.str());
  // Public, but it can change (a new pair after a compromise): devices ask again every session.
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

HttpResponse Api::RegisterSignKey(const HttpRequest& req, const Body& body) {
  Form form;
  if (const std::string* ct = req.Header("content-type"); ct && ct->rfind("application/x-www-form-urlencoded", 0) != 0)
    return ErrorResponse(400, "send the body as application/x-www-form-urlencoded");
  std::string why;
  if (!protocol::DecodeForm(body, &form, &why)) return ErrorResponse(400, why);
  std::string device_id;
  if (auto denied = Authenticate(req, &form, &device_id)) return *denied;
  const std::string* key = protocol::FormGet(form, "sign_key");
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  size_t len = 0;
  const bool hex_ok = key && key->size() == 2 * sizeof pk &&
                      key->find_first_not_of("0123456789abcdef") == std::string::npos &&
                      sodium_hex2bin(pk, sizeof pk, key->data(), key->size(), nullptr, &len, nullptr) == 0 &&
                      len == sizeof pk;
  // A point that is not on the curve, or of small order, verifies nothing (or everything).
  if (!hex_ok || crypto_core_ed25519_is_valid_point(pk) != 1)
    return ErrorResponse(400, "sign_key must be the device's Ed25519 public key as 64 lower-case hex digits");
  SignKeyResult result;
  if (const Status st = storage_.RegisterSignKey(device_id, *key, &result); !st.ok())
    return StorageFailure(st, "register sign key");
  if (result == SignKeyResult::kDifferent)
    return ErrorResponse(409, "this device already has another bundle-signing key, and it is never replaced (a stolen "
                              "api_key must not let anyone sign bundles in this device's name); revoke the device "
                              "and enrol it again to use a new key");
  JsonWriter w;
  w.BeginArray().BeginObject().Field("device_id", device_id).Field("sign_key", *key).EndObject().EndArray();
  return HttpResponse::Json(200, w.str());
}

}  // namespace samvad::central
