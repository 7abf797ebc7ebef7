// import.h — `samvad-central import BUNDLE`: a sneakernet bundle (sync/bundle/FORMAT.md) from a
// device's USB stick into central, as if the device had sent it online. The rules (B1–B5) and
// the transaction are in DESIGN.md, "Sneakernet bundles"; in short:
//
//   OpenBundle (every byte verified, or refused: nothing touched)
//     → read the items again: complaint records parsed as POST /requests.json parses them,
//       photo bytes written to <media>/<new upload id> and checked against the record, fsync'd
//     → ONE transaction: each complaint created or found by its client UUID, each photo a
//       complete upload (Storage::ImportBundle)
//     → committed: files no row names are removed; not committed: every file written is removed.
//
// Not here: the command line (main.cpp), the bundle format (sync/bundle), the SQL (storage.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sync/bundle/keys.h"
#include "sync/bundle/status.h"
#include "sync/central/storage.h"

namespace samvad::central {

struct ImportConfig {
  std::string bundle_path;
  std::string media_dir;            // the folder `serve --media` uses
  bundle::CentralKeyPair key;       // bundle_keys.h
  std::vector<o311::Ward> wards;    // the catalog's, for validating a complaint's ward
};

struct ImportReport {
  // The bundle was read and its items taken (some may have been refused, each listed below).
  // False: nothing changed, and `message` says why in one line.
  bool ok = false;
  bundle::BundleError bundle_error = bundle::BundleError::kOk;  // when the bundle itself was refused
  std::string message;
  std::string device_id;
  std::int64_t created_at = 0;
  int complaints_new = 0, complaints_present = 0, complaints_refused = 0;
  int photos_new = 0, photos_present = 0, photos_refused = 0;  // thumbnails included
  std::vector<std::string> refusals;  // one sentence per refused item, naming it by ticket
};

ImportReport ImportBundleFile(Storage& db, const ImportConfig& cfg);

}  // namespace samvad::central
