// reconciliation.h — the reconciliation export (issue 6): what this device created against what
// central acknowledged, by ticket number and central id, and for everything not acknowledged,
// why. This file is the report's data, built from the outbox, and its CSV; the printable page
// is page.h, the durable write durable_file.h. No ImGui (like app/store, which it reads).
//
// It never holds the citizen's phone number or text: it is built from store::OutboxRow, which
// carries neither (a ticket, a category and where it stands).
//
// Usage, from a worker job (it reads the database and writes to a USB stick; never in a frame):
//
//   report::Reconciliation rec;
//   std::string why;
//   if (!report::LoadReconciliation(store, std::time(nullptr), &rec, &why)) return Fail(why);
//   const std::string stem = usb_dir + "/" + report::FileStem(rec);
//   if (!report::WriteReconciliationCsv(rec, stem + ".csv", &why)) return Fail(why);
//   std::vector<std::string> pages;
//   if (!report::RenderReconciliationPng(rec, staff_lang, fonts, catalog, stem + ".png",
//                                        &pages, &why)) return Fail(why);
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "app/store/outbox_store.h"

namespace samvad::store {
class ComplaintStore;
}

namespace samvad::report {

struct DeviceIdentity {
  int ward = 0;           // 1..24, as in ticket numbers; 0 = not enrolled
  std::string ward_code;  // "K/E"
  int device = 0;         // 1..999
};

// Where a complaint stands between this device and central. The report lists the groups in
// this order: what staff must act on first.
enum class Standing { Failed, Waiting, Acknowledged };

struct ReconRow {
  Standing standing = Standing::Waiting;
  model::OutboxState state = model::OutboxState::Pending;
  std::string ticket;      // display form "08-001-00042-9" (the stored digits if they do not parse)
  std::string central_id;  // "" unless acknowledged
  std::string category;    // the category id, e.g. "pothole"
  int attempts = 0;
  std::int64_t created_at = 0;  // UTC unix seconds
  std::int64_t sent_at = 0;     // when central acknowledged it; 0 = not acknowledged
  // Why it is not acknowledged, in English (the CSV): the cause the sync client recorded, or
  // what the state itself says. "" for an acknowledged row.
  std::string cause;
  // When `cause` is not recorded text but ours, its catalog key, so the printed page can say it
  // in the staff member's language ("sync.not_tried"); "" for recorded text.
  std::string cause_key;
};

struct Totals {
  int created = 0;       // every complaint this device filed: the sum of the three below
  int acknowledged = 0;  // central gave its id
  int waiting = 0;       // pending, or being sent right now
  int failed = 0;        // central refused it: staff must look at the cause
};

struct Reconciliation {
  DeviceIdentity device;
  std::int64_t generated_at = 0;  // UTC unix seconds
  Totals totals;
  // Failed, then waiting, then acknowledged; within each group by ticket number (for one
  // device, the order it issued them), which is how staff match them against central's list.
  std::vector<ReconRow> rows;
};

// Pure: the report for `rows` (every outbox entry, as OutboxStore::List(0, …) gives them).
Reconciliation BuildReconciliation(const std::vector<store::OutboxRow>& rows,
                                   const DeviceIdentity& device, std::int64_t generated_at);

// Reads every outbox entry and the device's enrolment from `store` and builds the report as of
// `now`. False with an English `*error` when the database could not be read.
bool LoadReconciliation(store::ComplaintStore& store, std::int64_t now, Reconciliation* out,
                        std::string* error);

// "2026-11-23T14:05:09+05:30": ISO 8601 in the device's local time (TZ), with its offset, so a
// reader elsewhere knows the instant. "" for 0 (never happened).
std::string IsoLocalTime(std::int64_t t);

// "reconciliation-08-001-20261123-1405": a file name without folder or extension that says
// which device (ward and device number: ward codes hold a '/') and when, in local time.
std::string FileStem(const Reconciliation& rec);

// The CSV the file holds (RFC 4180, CRLF line ends, UTF-8 with a byte-order mark: Excel reads
// a CSV without one in the Windows code page and garbles Devanagari). Header, in English:
//   ticket,central_id,state,category,created_at,sent_at,attempts,cause
// `state` is pending/sending/sent/failed; times are IsoLocalTime. A field holding a comma, a
// quote or a line end is quoted (quotes doubled); a field starting with = + - @ gets a leading
// apostrophe, because Excel runs such a field as a formula and central ids, categories and
// causes come from a peer.
std::string ReconciliationCsv(const Reconciliation& rec);

// Writes ReconciliationCsv to `path` durably (durable_file.h). False with `*error` (English,
// for staff and the log) on a full disk or an unwritable folder; then nothing is left under
// `path` that was not there before.
bool WriteReconciliationCsv(const Reconciliation& rec, const std::string& path, std::string* error);

}  // namespace samvad::report
