// device_keys.cpp — see device_keys.h: the files, and the engine's KEYS step, which keeps them
// current at the end of every clean session (DESIGN.md, "Keys for sneakernet bundles"):
//
//   GET /bundle-key.json ──► central-box.pub (written only when it changed)
//   device-sign.key (made once) ──► registered.txt says this key and this api_key? done
//                                   else POST /devices/sign-key.json ──200──► registered.txt
//                                                                    ──409──► refused.txt
//
// A failure here never fails the session: complaints went through already, and the step runs
// again at the next one. Only an export needs these files, and it says what is missing.
#include "sync/client/device_keys.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "sync/bundle/bundle.h"
#include "sync/client/engine_impl.h"
#include "sync/model/sha256.h"
#include "sync/protocol/json.h"

namespace samvad::sync {

BundleFiles BundleFilesIn(const std::string& data_dir) {
  const std::string dir = data_dir + "/bundle";
  return BundleFiles{dir, dir + "/central-box.pub", dir + "/device-sign.key", dir + "/registered.txt",
                     dir + "/refused.txt"};
}

std::string HexOf(const std::uint8_t* p, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

bundle::BundleStatus LoadDeviceKey(const BundleFiles& f, bool create, bundle::DeviceKeyPair* out) {
  struct stat sb{};
  if (::stat(f.device_key.c_str(), &sb) != 0 && errno == ENOENT) {
    if (!create) return {bundle::BundleError::kIo, f.device_key + ": no signing key yet"};
    if (::mkdir(f.dir.c_str(), 0700) != 0 && errno != EEXIST)
      return {bundle::BundleError::kIo, "cannot create " + f.dir + ": " + std::strerror(errno)};
    bundle::DeviceKeyPair fresh = bundle::MakeDeviceKeyPair();
    const bundle::BundleStatus st = bundle::SaveKeyFile(f.device_key, fresh.sk);
    sodium_memzero(fresh.sk.bytes.data(), fresh.sk.bytes.size());
    // kInvalidArgument: the name exists after all (another thread made it first); load that one.
    if (!st && st.code != bundle::BundleError::kInvalidArgument) return st;
  }
  bundle::DeviceKeyPair pair;
  if (bundle::BundleStatus st = bundle::LoadKeyFile(f.device_key, &pair.sk); !st) return st;
  // libsodium's Ed25519 secret key is the seed followed by the public key.
  std::copy(pair.sk.bytes.begin() + 32, pair.sk.bytes.end(), pair.pk.bytes.begin());
  *out = pair;
  sodium_memzero(pair.sk.bytes.data(), pair.sk.bytes.size());
  return {};
}

bool LoadRegistration(const BundleFiles& f, Registration* out) {
  std::ifstream in(f.registration);
  if (!in) return false;
  Registration r;
  std::string line;
  while (std::getline(in, line)) {
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "device_id") r.device_id = value;
    else if (key == "sign_key") r.sign_key = value;
    else if (key == "api_key_sha256") r.api_key_sha256 = value;
  }
  if (r.device_id.empty() || r.sign_key.size() != 64) return false;
  *out = r;
  return true;
}

bool SaveRegistration(const BundleFiles& f, const Registration& r) {
  std::ostringstream o;
  o << "# central accepted this device's bundle-signing key (sync/client/device_keys.h)\n"
    << "device_id " << r.device_id << "\n"
    << "sign_key " << r.sign_key << "\n"
    << "api_key_sha256 " << r.api_key_sha256 << "\n";
  return WriteFileAtomic(f.registration, o.str());
}

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A device id as central makes them and a bundle can carry: 1–63 printable ASCII, no spaces.
bool PlausibleDeviceId(std::string_view id) {
  if (id.empty() || id.size() > bundle::kMaxDeviceIdBytes) return false;
  for (const char c : id)
    if (c <= ' ' || c > '~') return false;
  return true;
}

}  // namespace

void SyncEngine::Impl::RefreshBundleKeys() {
  const BundleFiles f = BundleFilesIn(cfg.data_dir);
  const auto note = [this](const std::string& line) {
    if (cfg.log) cfg.log("bundle keys: " + line);
  };

  // 1. Central's public key: what every bundle is sealed to.
  const HttpResult r = transport.Perform(HttpCall{"GET", cfg.base_url + "/bundle-key.json", {}, {}});
  if (const Verdict v = Classify(r, Op::BundleKeys, Now()); v.action != Action::Ok) {
    note(v.cause + "; keeping the key already stored, if any");
  } else {
    std::string why;
    const auto doc = protocol::ParseJson(r.body, &why);
    const std::string hex = doc ? doc->Str("public_key") : std::string();
    bundle::CentralPublicKey pk;
    size_t len = 0;
    if (hex.size() != 64 ||
        sodium_hex2bin(pk.bytes.data(), pk.bytes.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
        len != pk.bytes.size()) {
      note("central sent an unreadable bundle key; keeping the one already stored, if any");
    } else if (const std::string text = bundle::KeyToText(pk); ReadAll(f.central_key) != text) {
      if (::mkdir(f.dir.c_str(), 0700) != 0 && errno != EEXIST) note("cannot create " + f.dir);
      else if (!WriteFileAtomic(f.central_key, text)) note("cannot save central's bundle key");
      else note("central's bundle key saved");
    }
  }
  if (transport.cancelled()) return;

  // 2. Our signing key, made once.
  bundle::DeviceKeyPair key;
  if (const bundle::BundleStatus st = LoadDeviceKey(f, /*create=*/true, &key); !st) {
    note("no signing key: " + st.message);
    return;
  }
  sodium_memzero(key.sk.bytes.data(), key.sk.bytes.size());  // only the public half is needed here

  // 3. Registered with central under the current api_key? Else register (idempotent at central).
  const std::string pk_hex = HexOf(key.pk.bytes.data(), key.pk.bytes.size());
  const std::string api_sha = model::Sha256Hex(cfg.api_key);
  Registration reg;
  if (LoadRegistration(f, &reg) && reg.sign_key == pk_hex && reg.api_key_sha256 == api_sha) return;
  const std::string body = protocol::EncodeForm({{"api_key", cfg.api_key}, {"sign_key", pk_hex}});
  const HttpResult p = transport.Perform(HttpCall{"POST", cfg.base_url + "/devices/sign-key.json",
                                                  {{"Content-Type", "application/x-www-form-urlencoded"}}, body});
  const Verdict v = Classify(p, Op::BundleKeys, Now());
  if (v.action == Action::Conflict || v.action == Action::Permanent) {
    // Not something a retry fixes: kept for the export to explain (DESIGN.md: re-enrol).
    WriteFileAtomic(f.refused, v.cause + "\n");
    note(v.cause);
    return;
  }
  if (v.action != Action::Ok) {
    note(v.cause + "; will register at the next session");
    return;
  }
  std::string why;
  const auto doc = protocol::ParseJson(p.body, &why);
  const std::string device_id = doc && !doc->items.empty() ? doc->items[0].Str("device_id") : std::string();
  if (!PlausibleDeviceId(device_id) || doc->items[0].Str("sign_key") != pk_hex) {
    note("central's answer to the registration was unreadable; will register at the next session");
    return;
  }
  if (!SaveRegistration(f, Registration{device_id, pk_hex, api_sha})) {
    note("cannot save the registration; will register again at the next session");
    return;
  }
  ::unlink(f.refused.c_str());
  note("signing key registered for " + device_id);
}

}  // namespace samvad::sync
