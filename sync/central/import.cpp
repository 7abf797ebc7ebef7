// import.cpp — see import.h; the rules it keeps are B1–B5 in DESIGN.md ("Sneakernet bundles").
//
// [SECTION] reading the bundle's items
// [SECTION] ImportBundleFile
#include "sync/central/import.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "sync/bundle/bundle.h"
#include "sync/central/api.h"
#include "sync/central/crypto.h"
#include "sync/model/complaint.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"

namespace samvad::central {

using protocol::JsonValue;

// ---------------------------------------------------------------------------------------------
// [SECTION] reading the bundle's items
// ---------------------------------------------------------------------------------------------

namespace {

// What a complaint record says its photos are (PROTOCOL.md, "Extension 9"): by index, the
// photo's and the thumbnail's SHA-256 and size. The files must match it byte for byte.
struct Expected {
  std::string sha256;
  std::int64_t bytes = 0;
};

struct Pending {
  std::string label;  // "complaint 08-001-00042-9", for messages
  bool refused = false;
  std::vector<Expected> photos, thumbs;  // thumbs[i].sha256 "" = photo i has no thumbnail
  std::set<std::string> seen_files;      // upload kinds already taken from this bundle
  ImportComplaint ic;
};

std::optional<std::int64_t> PositiveInt(const JsonValue* v) {
  if (!v || v->type != JsonValue::Type::Number) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : v->text) {
    if (c < '0' || c > '9' || n > (std::int64_t{1} << 40)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n > 0 ? std::optional<std::int64_t>(n) : std::nullopt;
}

// A complaint record → `p`, or false with `why` (the complaint is then refused, as a 400 would).
bool ParseComplaint(const bundle::BundleItem& item, const std::string& device_id, const std::vector<o311::Ward>& wards,
                    Pending* p, std::string* why) {
  std::string err;
  const auto doc = protocol::ParseJson(item.payload, &err);
  const JsonValue* form_text = doc ? doc->Find("form") : nullptr;
  if (!form_text || form_text->type != JsonValue::Type::String) {
    *why = "its record is not a complaint record (no form)";
    return false;
  }
  protocol::Form form;
  if (!protocol::DecodeForm(form_text->text, &form, &err)) {
    *why = "its form is unreadable: " + err;
    return false;
  }
  // A device never puts its api_key in a bundle; if one is there it means nothing here.
  std::erase_if(form, [](const protocol::FormField& f) { return f.name == "api_key"; });
  o311::ApiError bad;
  // The item's id is the client UUID, exactly as the Idempotency-Key header is online.
  if (!o311::ParseCreate(form, &item.id, wards, &p->ic.request, &bad)) {
    *why = bad.description;
    return false;
  }
  if (!p->ic.request.ticket.empty()) p->label = "complaint " + p->ic.request.ticket;
  p->ic.idem = IdemKey{p->ic.request.client_uuid, device_id, "requests", IdemPayloadHash("requests", form)};
  const JsonValue* photos = doc->Find("photos");
  if (photos && photos->type != JsonValue::Type::Array) {
    *why = "its record's photos are not a list";
    return false;
  }
  if (photos && photos->items.size() > static_cast<size_t>(model::kMaxPhotos)) {
    *why = "its record lists more than " + std::to_string(model::kMaxPhotos) + " photos";
    return false;
  }
  for (size_t i = 0; photos && i < photos->items.size(); ++i) {
    const JsonValue& ph = photos->items[i];
    const auto bytes = PositiveInt(ph.Find("bytes"));
    const std::string sha = ph.Str("sha256"), thumb_sha = ph.Str("thumb_sha256");
    const auto thumb_bytes = PositiveInt(ph.Find("thumb_bytes"));
    if (!bytes || !model::IsSha256Hex(sha) || (!thumb_sha.empty() && (!model::IsSha256Hex(thumb_sha) || !thumb_bytes))) {
      *why = "its record describes photo " + std::to_string(i + 1) + " wrongly";
      return false;
    }
    p->photos.push_back({sha, *bytes});
    p->thumbs.push_back({thumb_sha, thumb_sha.empty() ? 0 : *thumb_bytes});
  }
  return true;
}

// "<index>-<sha256>.jpg" → index and hash; false for anything else.
bool ParseFileName(const std::string& name, int* index, std::string* sha) {
  if (name.size() != 2 + 64 + 4 || name[1] != '-' || name.compare(66, 4, ".jpg") != 0) return false;
  if (name[0] < '0' || name[0] >= '0' + model::kMaxPhotos) return false;
  *index = name[0] - '0';
  *sha = name.substr(2, 64);
  return model::IsSha256Hex(*sha);
}

// Copies the file Next just gave into <media>/<upload_id> (a new name: O_EXCL), hashing it, and
// fsyncs it. kIo from the bundle means the stick failed; `env` is set for our own disk.
bundle::BundleStatus CopyOut(bundle::BundleReader& reader, const std::string& path, std::string* sha256_hex,
                             std::int64_t* copied, std::string* env) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    *env = "cannot write " + path + ": " + std::strerror(errno);
    return {};
  }
  std::vector<std::uint8_t> buf(64 * 1024);
  Sha256Stream sha;
  *copied = 0;
  bundle::BundleStatus st;
  for (;;) {
    size_t got = 0;
    if (!(st = reader.ReadFile(buf, &got)) || got == 0) break;
    for (size_t done = 0; done < got;) {
      const ssize_t w = ::write(fd, buf.data() + done, got - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        *env = "cannot write " + path + ": " + std::strerror(errno);
        ::close(fd);
        return {};
      }
      done += static_cast<size_t>(w);
    }
    sha.Update(buf.data(), got);
    *copied += static_cast<std::int64_t>(got);
  }
  if (st && ::fsync(fd) != 0) *env = "cannot fsync " + path + ": " + std::strerror(errno);
  if (::close(fd) != 0 && st && env->empty()) *env = "cannot close " + path + ": " + std::strerror(errno);
  *sha256_hex = ToHex(sha.Final());
  return st;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] ImportBundleFile
// ---------------------------------------------------------------------------------------------

ImportReport ImportBundleFile(Storage& db, const ImportConfig& cfg) {
  ImportReport rep;
  // B2: the device's registered signing key; a revoked device, or one that never registered a
  // key, is unknown. A database failure is told apart, or it would read as "unknown device".
  Status lookup_failure;
  std::string named_device;
  const auto lookup = [&](std::string_view device_id) -> std::optional<bundle::DevicePublicKey> {
    named_device = device_id;
    std::string hex;
    bool found = false;
    if (const Status st = db.DeviceSignKey(std::string(device_id), &hex, &found); !st.ok()) {
      lookup_failure = st;
      return std::nullopt;
    }
    bundle::DevicePublicKey pk;
    size_t len = 0;
    if (!found || sodium_hex2bin(pk.bytes.data(), pk.bytes.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
        len != pk.bytes.size())
      return std::nullopt;
    return pk;
  };
  std::unique_ptr<bundle::BundleReader> reader;
  // B3, first half: every chunk, item and the signature are checked before anything is touched.
  if (const bundle::BundleStatus st = bundle::OpenBundle(cfg.bundle_path, cfg.key.pk, cfg.key.sk, lookup, &reader); !st) {
    rep.bundle_error = st.code;
    rep.message = st.message;
    if (!lookup_failure.ok()) {
      rep.message = "the database is unavailable (" + lookup_failure.message + "); nothing was imported";
    } else if (st.code == bundle::BundleError::kUnknownDevice) {
      // The library cannot tell why the device is unknown; the database can, and the remedies differ.
      DeviceState state;
      if (db.GetDeviceState(named_device, &state).ok()) {
        const std::string base = cfg.bundle_path + ": made by device " + named_device + ", ";
        if (state == DeviceState::kRevoked)
          rep.message = base + "which is revoked: its bundles are refused, since its keys may be in other hands";
        else if (state == DeviceState::kNoSignKey)
          rep.message = base + "which has not registered a signing key with central: let it sync once while central is "
                               "reachable, then export again";
      }
    }
    if (lookup_failure.ok()) rep.message += " (nothing was imported)";
    return rep;
  }
  rep.device_id = reader->device_id();
  rep.created_at = reader->created_at();

  std::vector<Pending> pending;
  std::map<std::string, size_t> by_uuid;
  std::vector<std::string> written;  // upload ids whose files this import made
  const auto media_file = [&](const std::string& id) { return cfg.media_dir + "/" + id; };
  const auto remove_written = [&] {
    for (const std::string& id : written) ::unlink(media_file(id).c_str());
  };
  const auto refuse = [&](const std::string& line) { rep.refusals.push_back(line); };

  bundle::BundleItem item;
  bundle::BundleStatus read_status;
  while (reader->Next(&item, &read_status)) {
    if (item.type == bundle::ItemType::kRecord) {
      if (item.kind != "complaint") {
        refuse("item " + item.id + " (" + item.kind + "): this central does not import " + item.kind + " items");
        continue;
      }
      Pending p;
      p.label = "complaint " + item.id;
      if (by_uuid.count(item.id)) {
        refuse(p.label + ": it appears twice in the bundle");
        ++rep.complaints_refused;
        continue;
      }
      // Refused like a 400 online; kept in the list so that its photos are skipped quietly.
      if (std::string why; !ParseComplaint(item, rep.device_id, cfg.wards, &p, &why)) {
        p.refused = true;
        refuse(p.label + ": " + why);
        ++rep.complaints_refused;
      }
      by_uuid[item.id] = pending.size();
      pending.push_back(std::move(p));
      continue;
    }
    // A photo or a thumbnail: its complaint's record comes first in every bundle a device writes.
    const auto at = by_uuid.find(item.id);
    if (at == by_uuid.end() || (item.kind != "photo" && item.kind != "thumb")) {
      refuse("file " + item.name + " (" + item.kind + " of " + item.id + "): not a photo of a complaint in this bundle");
      ++rep.photos_refused;
      continue;
    }
    Pending& p = pending[at->second];
    if (p.refused) {  // said once, on the complaint's own line
      ++rep.photos_refused;
      continue;
    }
    int index = 0;
    std::string sha;
    const bool thumb = item.kind == "thumb";
    const std::vector<Expected>& list = thumb ? p.thumbs : p.photos;
    std::string why;
    if (!ParseFileName(item.name, &index, &sha) || static_cast<size_t>(index) >= list.size() ||
        list[static_cast<size_t>(index)].sha256 != sha ||
        list[static_cast<size_t>(index)].bytes != static_cast<std::int64_t>(item.size)) {
      why = "file " + item.name + " is not one its record lists";
    }
    const std::string kind = item.kind + (index > 0 ? "." + std::to_string(index) : "");
    if (why.empty() && !p.seen_files.insert(kind).second) why = "file " + item.name + " appears twice";
    if (!why.empty()) {
      refuse(p.label + ": " + why);
      ++rep.photos_refused;
      continue;
    }
    // B4: the bytes go to their final name before the transaction, fsync'd; a name no row
    // takes is removed afterwards.
    const std::string upload_id = RandomHex(16);
    std::string got_sha, env;
    std::int64_t copied = 0;
    written.push_back(upload_id);
    const bundle::BundleStatus st = CopyOut(*reader, media_file(upload_id), &got_sha, &copied, &env);
    if (!env.empty()) {
      remove_written();
      rep.message = env + "; nothing was imported";
      return rep;
    }
    if (!st) {
      read_status = st;
      break;
    }
    if (got_sha != sha || copied != static_cast<std::int64_t>(item.size)) {
      // Signed by the device, so the device's own file was damaged before it was exported.
      ::unlink(media_file(upload_id).c_str());
      refuse(p.label + ": " + (thumb ? "thumbnail " : "photo ") + std::to_string(index + 1) +
             " is damaged (its bytes do not match the SHA-256 in its record)");
      ++rep.photos_refused;
      continue;
    }
    ImportPhoto photo;
    photo.kind = kind;
    photo.upload_id = upload_id;
    photo.sha256 = sha;
    photo.length = copied;
    photo.filename = sha + ".jpg";
    p.ic.photos.push_back(std::move(photo));
  }
  if (!read_status) {
    // The stick failed or the file changed after it was verified: nothing may stay.
    remove_written();
    rep.bundle_error = read_status.code;
    rep.message = read_status.message + " (nothing was imported)";
    return rep;
  }
  if (!written.empty() && !SyncDir(cfg.media_dir)) {
    remove_written();
    rep.message = "cannot fsync the media folder " + cfg.media_dir + ": " + std::strerror(errno) + "; nothing was imported";
    return rep;
  }

  // B3, second half: one transaction for every complaint and photo.
  std::vector<ImportComplaint> complaints;
  std::vector<std::string> labels;
  for (Pending& p : pending) {
    if (p.refused) continue;
    complaints.push_back(std::move(p.ic));
    labels.push_back(p.label);
  }
  if (const Status st = db.ImportBundle(&complaints, CreatedRequestBody); !st.ok()) {
    // Whether or not COMMIT reached the disk cannot be known after some failures; the files
    // stay out only when nothing can name them, so keep them if a row might (media without a
    // row is harmless, a row without media is not).
    if (st.code == Status::Code::kBug) remove_written();
    rep.message = "the database failed (" + st.message + "), so the import was rolled back; run it again once the "
                  "database is back (importing twice changes nothing)";
    return rep;
  }
  for (size_t i = 0; i < complaints.size(); ++i) {
    const ImportComplaint& ic = complaints[i];
    switch (ic.outcome.kind) {
      case IdemOutcome::Kind::kCreated: ++rep.complaints_new; break;
      case IdemOutcome::Kind::kReplayed: ++rep.complaints_present; break;
      case IdemOutcome::Kind::kConflict:
      case IdemOutcome::Kind::kNotFound:
        ++rep.complaints_refused;
        refuse(labels[i] + ": " + ic.outcome.reason);
        break;
    }
    for (const ImportPhoto& p : ic.photos) {
      if (p.result != ImportPhoto::Result::kStored) ::unlink(media_file(p.upload_id).c_str());
      if (!p.replaced_upload_id.empty()) ::unlink(media_file(p.replaced_upload_id).c_str());
      if (p.result == ImportPhoto::Result::kStored) ++rep.photos_new;
      else if (p.result == ImportPhoto::Result::kPresent) ++rep.photos_present;
      else ++rep.photos_refused;
      if (p.result == ImportPhoto::Result::kRefused && ic.outcome.kind != IdemOutcome::Kind::kConflict &&
          ic.outcome.kind != IdemOutcome::Kind::kNotFound)
        refuse(labels[i] + ": " + p.reason);
    }
  }
  rep.ok = true;
  return rep;
}

}  // namespace samvad::central
