// export.cpp — see export.h. What goes into the bundle (the record format is PROTOCOL.md,
// "Extension 9"), per unsent complaint, oldest ticket first:
//
//   record "complaint", id = client UUID: {"form": the create form the engine POSTs, without
//          api_key, "photos": [{"sha256","bytes","thumb_sha256","thumb_bytes"}, …]}
//   file   "thumb", id = client UUID, name "<index>-<sha256>.jpg"   (when the photo has one)
//   file   "photo", id = client UUID, name "<index>-<sha256>.jpg"
//
// The form is CreateForm's, byte for byte but for api_key, because central compares a replayed
// create's payload with the one it stored (I4): the device's later online create must match
// what the import stored, or it would be a 409 instead of a replay.
#include "sync/client/export.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>

#include "sync/bundle/bundle.h"
#include "sync/client/device_keys.h"
#include "sync/client/engine_impl.h"
#include "sync/model/sha256.h"
#include "sync/protocol/json.h"

namespace samvad::sync {

namespace {

ExportResult Fail(ExportError e, std::string message) {
  ExportResult r;
  r.error = e;
  r.message = std::move(message);
  return r;
}

// The photo file's SHA-256 as lower-case hex, read in 64 KiB pieces; "" when it cannot be read.
std::string HashFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  model::Sha256 h;
  std::vector<char> buf(64 * 1024);
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  if (!ok) return {};
  const auto d = h.Final();
  return HexOf(d.data(), d.size());
}

std::string Record(const model::Complaint& c) {
  protocol::Form form = CreateForm(c, std::string());
  std::erase_if(form, [](const protocol::FormField& f) { return f.name == "api_key"; });
  protocol::JsonWriter w;
  w.BeginObject().Field("form", protocol::EncodeForm(form)).Key("photos").BeginArray();
  for (size_t i = 0; i < c.photos.size() && i < static_cast<size_t>(model::kMaxPhotos); ++i) {
    const model::PhotoRef& p = c.photos[i];
    w.BeginObject().Field("sha256", p.sha256).Field("bytes", p.bytes);
    if (!p.thumb_file.empty()) w.Field("thumb_sha256", p.thumb_sha256).Field("thumb_bytes", p.thumb_bytes);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.str();
}

std::string UtcStamp(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool Exists(const std::string& path) {
  struct stat sb{};
  return ::lstat(path.c_str(), &sb) == 0;
}

}  // namespace

ExportResult ExportUnsent(model::Outbox& outbox, const ExportConfig& cfg) {
  const BundleFiles f = BundleFilesIn(cfg.data_dir);
  const std::int64_t now =
      cfg.now ? cfg.now
              : std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

  // What to export.
  std::vector<model::OutboxEntry> entries;
  const model::OutboxResult listed = cfg.list_unsent ? cfg.list_unsent(&entries)
                                                     : outbox.ListDue(std::int64_t{1} << 62, SIZE_MAX, &entries);
  if (listed != model::OutboxResult::Ok)
    return Fail(ExportError::kStorage, "could not read the outbox (device storage error); nothing was exported");
  std::erase_if(entries, [](const model::OutboxEntry& e) { return e.state == model::OutboxState::Sent; });
  if (entries.empty())
    return Fail(ExportError::kNothingToExport, "nothing to export: every complaint on this device has reached central");
  std::sort(entries.begin(), entries.end(), [](const model::OutboxEntry& a, const model::OutboxEntry& b) {
    return model::CanonicalTicket(a.complaint.ticket) < model::CanonicalTicket(b.complaint.ticket);
  });

  // The keys (device_keys.h): all three come from one clean sync session.
  bundle::CentralPublicKey central;
  if (!bundle::LoadKeyFile(f.central_key, &central))
    return Fail(ExportError::kNoCentralKey, "this device does not have central's bundle key yet: let it sync once "
                                            "while central is reachable, then export");
  Registration reg;
  bundle::DeviceKeyPair key;
  const bool have_key = static_cast<bool>(LoadDeviceKey(f, /*create=*/false, &key));
  if (!have_key || !LoadRegistration(f, &reg) || reg.sign_key != HexOf(key.pk.bytes.data(), key.pk.bytes.size())) {
    sodium_memzero(key.sk.bytes.data(), key.sk.bytes.size());
    std::ifstream refused(f.refused);
    std::string why;
    if (refused && std::getline(refused, why) && !why.empty())
      return Fail(ExportError::kKeyRefused, "central refused this device's signing key (" + why +
                                                "): ask the administrator to enrol this device again");
    return Fail(ExportError::kNotRegistered, "central has not confirmed this device's signing key yet: let it sync "
                                             "once while central is reachable, then export");
  }

  // samvad-<ward>-<device>-<UTC time>.bundle; a second export in the same second gets "-2" …
  const model::Ticket& t = entries.front().complaint.ticket;
  char stem[64];
  std::snprintf(stem, sizeof stem, "samvad-%02d-%03d-%s", t.ward, t.device, UtcStamp(now).c_str());
  std::string path = cfg.out_dir + "/" + stem + ".bundle";
  for (int n = 2; Exists(path) || Exists(path + ".part"); ++n) path = cfg.out_dir + "/" + stem + "-" + std::to_string(n) + ".bundle";

  ExportResult res;
  bundle::BundleWriter w;
  bundle::BundleStatus st = w.Open(path, central, key.sk, reg.device_id, now);
  sodium_memzero(key.sk.bytes.data(), key.sk.bytes.size());  // the writer keeps its own copy
  const auto write_failed = [&](const bundle::BundleStatus& why) {
    return Fail(ExportError::kWrite, "could not write the bundle (" + why.message + "); nothing was exported");
  };
  if (!st) return write_failed(st);
  for (const model::OutboxEntry& e : entries) {
    const model::Complaint& c = e.complaint;
    if (!(st = w.AddRecord("complaint", c.client_uuid, Record(c)))) {
      // A refused argument (a record no reader would take) leaves this complaint out, not all.
      if (st.code != bundle::BundleError::kInvalidArgument) return write_failed(st);
      res.left_out.push_back(model::DisplayTicket(c.ticket) + ": not exported (" + st.message + ")");
      continue;
    }
    ++res.complaints;
    for (size_t i = 0; i < c.photos.size() && i < static_cast<size_t>(model::kMaxPhotos); ++i) {
      const model::PhotoRef& p = c.photos[i];
      for (const bool thumb : {true, false}) {
        const std::string& file = thumb ? p.thumb_file : p.file;
        const std::string& sha = thumb ? p.thumb_sha256 : p.sha256;
        if (file.empty()) continue;
        const std::string what = model::DisplayTicket(c.ticket) + ": " + (thumb ? "thumbnail " : "photo ") +
                                 std::to_string(i + 1);
        const std::string source = cfg.photos_dir.empty() ? outbox.PhotoPath(file) : cfg.photos_dir + "/" + file;
        // The name promises the content (app/store/DESIGN.md): a file that breaks it is damaged,
        // and central would refuse it anyway. The complaint goes without it.
        const std::string got = HashFile(source);
        if (got != sha) {
          res.left_out.push_back(what + (got.empty() ? " is missing on this device" : " is damaged on this device") +
                                 "; left out");
          continue;
        }
        const std::string name = std::to_string(i) + "-" + sha + ".jpg";
        if (!(st = w.AddFile(thumb ? "thumb" : "photo", c.client_uuid, name, source))) {
          if (st.code != bundle::BundleError::kInvalidArgument) return write_failed(st);
          res.left_out.push_back(what + " could not be added (" + st.message + "); left out");
          continue;
        }
        ++(thumb ? res.thumbnails : res.photos);
      }
    }
  }
  if (!(st = w.Finish())) return write_failed(st);
  struct stat sb{};
  if (::stat(path.c_str(), &sb) == 0) res.bytes = static_cast<std::int64_t>(sb.st_size);
  res.path = path;
  return res;
}

}  // namespace samvad::sync
