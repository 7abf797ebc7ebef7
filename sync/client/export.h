// export.h — sneakernet, the device's half (issue 6): every complaint central has not yet
// acknowledged, with all its photos and thumbnails, written to ONE bundle file on a USB stick —
// sealed to central's public key (a lost stick leaks nothing) and signed with this device's key
// (sync/bundle/FORMAT.md). An administrator runs `samvad-central import BUNDLE` at central.
//
// It marks nothing sent. The device learns that central has its complaints the usual way, at
// its next sync: the create is a replay (same client UUID, same form: central answers with the
// id the import gave it) and every photo upload central holds complete is "done" after one HEAD
// — no photo byte goes twice. Exporting again, or importing twice, is harmless.
//
// It needs two files the sync engine keeps (device_keys.h): central's public key and central's
// word that this device's signing key is registered. Both come with one clean sync session, so a
// device must have been online once since enrolment (ExportError says which is missing).
//
// From the UI, on a worker thread (it reads every photo; never on the UI thread, GUIDE 2.6):
//
//   samvad::sync::ExportConfig ec;
//   ec.data_dir = data_dir;                      // the SyncConfig::data_dir the engine uses
//   ec.photos_dir = store.photos_dir();
//   ec.out_dir = "/media/usb0";                  // the stick's folder; must exist
//   ec.list_unsent = [&store](std::vector<samvad::model::OutboxEntry>* out) {
//     std::vector<samvad::store::OutboxRow> rows;            // failed ones too: List + Get
//     if (auto r = store.outbox().List(0, &rows); r != samvad::model::OutboxResult::Ok) return r;
//     for (const auto& row : rows) {
//       if (row.state == samvad::model::OutboxState::Sent) continue;
//       samvad::model::Ticket t;
//       if (samvad::model::ParseTicket(row.ticket, &t) != samvad::model::TicketError::None) continue;
//       samvad::model::OutboxEntry e;
//       if (auto r = store.outbox().Get(t, &e); r != samvad::model::OutboxResult::Ok) return r;
//       out->push_back(std::move(e));
//     }
//     return samvad::model::OutboxResult::Ok;
//   };
//   const samvad::sync::ExportResult r = samvad::sync::ExportUnsent(store.outbox(), ec);
//   // r.ok(): "3 complaints, 5 photos in <r.path>"; else r.message (and r.error for a key).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sync/model/outbox.h"

namespace samvad::sync {

struct ExportConfig {
  std::string data_dir;    // the engine's data folder (its bundle/ subfolder holds the keys)
  std::string photos_dir;  // the store's photos folder; "" = ask the outbox (Outbox::PhotoPath)
  std::string out_dir;     // where the bundle goes: samvad-<ward>-<device>-<UTC time>.bundle
  // Every entry central has not acknowledged: pending, sending or failed. model::Outbox can list
  // only pending ones, so the store's own listing is passed here (see the example above).
  // Unset: every pending entry, whatever its next attempt time; failed ones are then left out.
  std::function<model::OutboxResult(std::vector<model::OutboxEntry>*)> list_unsent;
  std::int64_t now = 0;    // Unix seconds for the bundle and its name; 0 = the clock
};

enum class ExportError {
  kNone,
  kNothingToExport,  // every complaint has reached central: no file is written
  kNoCentralKey,     // never synced since enrolment: central's public key is not here yet
  kNotRegistered,    // central has not confirmed this device's signing key yet
  kKeyRefused,       // central refused the signing key (a different one is registered): re-enrol
  kStorage,          // the outbox could not be read
  kWrite,            // the bundle could not be written (stick full, removed, read-only …)
};

struct ExportResult {
  ExportError error = ExportError::kNone;
  std::string message;   // for staff: what happened, and what to do; "" when ok
  std::string path;      // the bundle, complete on the stick (ok only)
  int complaints = 0;    // in the bundle
  int photos = 0, thumbnails = 0;
  std::int64_t bytes = 0;              // the file's size
  std::vector<std::string> left_out;   // a sentence per photo not in the bundle (missing, damaged)
  bool ok() const { return error == ExportError::kNone; }
};

// Blocks while it reads the photos and writes the file (fsync'd, then renamed into place, so the
// stick holds a complete bundle or none). Changes nothing on the device.
ExportResult ExportUnsent(model::Outbox& outbox, const ExportConfig& cfg);

}  // namespace samvad::sync
