// bundle.h — the sneakernet bundle: every unsynced item of a device, photos included, in one
// file that travels on a USB stick to central when the network does not (issue 6). Sealed to
// central's public key, so a lost stick leaks nothing; signed by the device, so nobody else can
// make one. Byte layout, threat model and design reasons: FORMAT.md, beside this file.
//
// This file is: BundleWriter (device side: items → <path>.part → fsync → rename) and
// OpenBundle/BundleReader (central side: verify everything, then hand out items). It is not:
// choosing what to export or marking it exported (the device), deduplicating on import (the
// caller; items carry the client UUID as their id, so importing twice changes nothing), or key
// storage (keys.h). Memory stays bounded whatever the bundle's size: both ends stream in 64 KiB
// chunks, and a record is at most kMaxRecordBytes.
//
//   BundleWriter w;
//   if (auto st = w.Open(path, central_pk, device_sk, "dev-17", now); !st) return st;
//   w.AddRecord("complaint", uuid, json);  w.AddFile("photo", uuid, "ab12….jpg", photo_path);
//   return w.Finish();                      // only now does `path` exist
//
//   std::unique_ptr<BundleReader> r;
//   if (auto st = OpenBundle(path, pk, sk, lookup, &r); !st) return st;   // nothing handed out
//   BundleItem item; BundleStatus st;
//   while (r->Next(&item, &st)) { … r->ReadFile(buf, &got) for files … }
//   if (!st) { roll back }                   // only an I/O failure or a file changed meanwhile
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sync/bundle/keys.h"
#include "sync/bundle/status.h"

namespace samvad::bundle {

// Limits both ends enforce (FORMAT.md, "Items"). A writer refuses more; a reader calls a bundle
// with more malformed before it allocates anything for it.
inline constexpr size_t kMaxDeviceIdBytes = 63;        // printable ASCII
inline constexpr size_t kMaxKindBytes = 32;            // a-z 0-9 _ -
inline constexpr size_t kMaxIdBytes = 64;              // printable ASCII; a client UUID is 36
inline constexpr size_t kMaxNameBytes = 128;           // A-Z a-z 0-9 . _ -, not starting with '.'
inline constexpr size_t kMaxRecordBytes = 1 << 20;     // valid UTF-8
inline constexpr std::uint64_t kMaxFileBytes = 64ull << 20;

// Writes one bundle. Calls after a failure that left bytes in the bundle (an I/O error, a photo
// that changed while being read) return that failure again: the bundle is abandoned, and the
// destructor removes its .part. A refused argument (kInvalidArgument from an Add) writes
// nothing and the bundle carries on.
class BundleWriter {
 public:
  BundleWriter();
  ~BundleWriter();  // an unfinished bundle's <path>.part is removed
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  // Starts `path` as `path`.part (replacing a stale one, never following a symlink there; mode
  // 0600). `path` must not end in
  // ".part" (readers refuse those names). `device_id` is what central will look the signing
  // key up by; `created_at` is Unix seconds, shown by the reader. Call once.
  BundleStatus Open(const std::string& path, const CentralPublicKey& central, const DeviceSecretKey& device_key,
                    std::string_view device_id, std::int64_t created_at);
  // A record: a small text payload (a complaint's or an update's JSON) under a kind and the
  // item's stable id (the client UUID).
  BundleStatus AddRecord(std::string_view kind, std::string_view id, std::string_view payload);
  // A file (a photo, a thumbnail) read from `source_path` in 64 KiB pieces; `id` names what it
  // belongs to, `name` is how the importer may call it. kIo if it changes size while read.
  BundleStatus AddFile(std::string_view kind, std::string_view id, std::string_view name,
                       const std::string& source_path);
  // Signs, ends the stream, fsyncs, renames to `path` and fsyncs the folder. Ok means the
  // bundle is complete on the stick; any failure leaves no file under `path` that was not there.
  BundleStatus Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

enum class ItemType { kRecord, kFile };

struct BundleItem {
  ItemType type = ItemType::kRecord;
  std::string kind;
  std::string id;
  std::string payload;     // records: the text, valid UTF-8
  std::string name;        // files: a safe file name (FORMAT.md), never a path
  std::uint64_t size = 0;  // files: the bytes ReadFile will give; records: payload.size()
};

// The device's signing key, or nullopt when central does not know the device (never enrolled,
// or revoked — the caller decides).
using DeviceKeyLookup = std::function<std::optional<DevicePublicKey>(std::string_view device_id)>;

// A bundle OpenBundle has verified from its first byte to its last. Reading it is the second
// pass (FORMAT.md, "Reading twice"): it decrypts again with the key the first pass verified, so
// it can fail only if the file changes or cannot be read meanwhile — which the caller must treat
// like any failed import, rolling back what it took.
class BundleReader {
 public:
  ~BundleReader();
  BundleReader(const BundleReader&) = delete;
  BundleReader& operator=(const BundleReader&) = delete;

  const std::string& device_id() const;
  std::int64_t created_at() const;
  size_t item_count() const;  // as counted by the first pass; for progress

  // The next item. False at the end (`status` Ok) or on a failure (`status` says which). A file's
  // bytes not read with ReadFile are skipped.
  bool Next(BundleItem* item, BundleStatus* status);
  // Up to buf.size() bytes of the file Next last gave; *got == 0 once it is all read.
  BundleStatus ReadFile(std::span<std::uint8_t> buf, size_t* got);

 private:
  friend BundleStatus OpenBundle(const std::string&, const CentralPublicKey&, const CentralSecretKey&,
                                 const DeviceKeyLookup&, std::unique_ptr<BundleReader>*);
  struct Impl;
  explicit BundleReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks, in this order (FORMAT.md, "Checks"): the name (a ".part" is an unfinished export),
// magic, version, the central it is addressed to, the key block, the device, then every chunk,
// every item and the signature — reading the whole file once and keeping none of it. Only when
// all pass is `*out` set; otherwise it stays null and `status` says what is wrong.
BundleStatus OpenBundle(const std::string& path, const CentralPublicKey& central_pk,
                        const CentralSecretKey& central_sk, const DeviceKeyLookup& device_key_lookup,
                        std::unique_ptr<BundleReader>* out);

}  // namespace samvad::bundle
