// staff_store.h — staff accounts on the device and PIN sign-in (issue 5, item 1). Central is the
// source of accounts: the sync client hands its list to ReplaceAccounts, and offline the last
// list keeps working. The device stores each PIN's Argon2id hash as central made it
// (sync/model/pin_hash.h) and only ever verifies; wrong PINs lock the account with a growing
// wait, counted in the database so a restart does not forget them.
//
// This file is: the API, its result types and their promises. It is not: the lockout's state
// machine and why it is shaped so (DESIGN.md, "Staff accounts"), the schema (migrations.cpp),
// the sign-in screen, or the sync of accounts from central.
//
// Usage (from a worker thread — app/ui/tasks.h — never from a frame: see Threads):
//
//   samvad::store::StaffStore staff(complaints.store(), complaints.db_mutex());
//   const samvad::store::SignInResult r = staff.SignIn(typed_id, typed_pin, std::time(nullptr));
//   switch (r.status) {
//     case SignInStatus::Ok:           EnterStaffMode(r.account); break;
//     case SignInStatus::WrongPin:     r.retry_after_s ? ShowLocked(r.retry_after_s)
//                                                      : ShowWrongPin(r.attempts_left); break;
//     case SignInStatus::LockedOut:    ShowLocked(r.retry_after_s); break;
//     case SignInStatus::BadPinFormat: ShowPinRules(r.pin_format); break;
//     ...
//   }
//
// Threads: every method may be called from any thread; database work is serialised with the
// complaint store and the outbox through the mutex given. SignIn runs one or two Argon2id
// verifies (~30 ms and 19 MiB each here, more on a tablet) and so must run on a worker, never
// on the UI thread; it holds the database mutex only to read and to record, not while verifying.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/model/pin_hash.h"

namespace samvad::store {

class Store;

enum class StaffRole { Engineer, WardStaff, NodalOfficer };
std::string_view StaffRoleCode(StaffRole r);  // "engineer", "ward_staff", "nodal_officer"
std::optional<StaffRole> ParseStaffRole(std::string_view code);

// Lockout policy (DESIGN.md, "Staff accounts"): the kMaxFailures-th consecutive wrong PIN locks
// the account for kFirstLockSeconds; each further wrong PIN after a wait locks it for twice the
// previous wait, up to kMaxLockSeconds. A right PIN resets the count.
inline constexpr int kMaxFailures = 5;
inline constexpr std::int64_t kFirstLockSeconds = 30;
inline constexpr std::int64_t kMaxLockSeconds = 3600;
// The wait after `failures` consecutive wrong PINs: 0 below kMaxFailures, then 30 s, 60 s, …,
// 3600 s.
std::int64_t LockSeconds(std::int64_t failures);

// An account as the device shows it: never the PIN's hash.
struct StaffAccount {
  std::string user_id;       // "GN-ENG-04": 1–32 of A-Z 0-9 . _ -, stored upper-case
  std::string display_name;  // UTF-8 (Devanagari, Bengali…), 1–100 code points, no controls
  std::string ward_code;     // "G/N": 1–16 printable ASCII, no spaces (central owns meaning)
  std::string department;    // "ENG": the same shape
  StaffRole role = StaffRole::WardStaff;
  bool active = true;
  friend bool operator==(const StaffAccount&, const StaffAccount&) = default;
};

// An account as central sends it: the account and its PIN's hash (model::IsPinHash), never
// the PIN.
struct StaffRecord {
  StaffAccount account;
  std::string pin_hash;
};

enum class StaffSyncStatus { Ok, StorageError };

struct StaffSyncResult {
  StaffSyncStatus status = StaffSyncStatus::StorageError;
  int stored = 0;                     // accounts in the list now
  int removed = 0;                    // accounts on the device that the list no longer has
  // Entries left out, as "<user id or #index>: <why>" for the log. A peer's bad entry is not a
  // reason to keep an old list: a deactivation elsewhere in it must still reach the device.
  std::vector<std::string> rejected;
  std::string detail;                 // on StorageError, for the log
};

enum class SignInStatus {
  Ok,            // the PIN is right: `account` is who signed in; the failure count is reset
  WrongPin,      // counted: `attempts_left` before a lock; `retry_after_s` > 0 if this one locked it
  LockedOut,     // refused without checking the PIN (nor counting it): `retry_after_s` to wait
  UnknownUser,   // no such account (after the same Argon2id work a real check costs)
  Inactive,      // the PIN is right but central deactivated the account: `account` says who
  BadPinFormat,  // not 4–8 ASCII digits (`pin_format` says how): not checked, not counted
  StorageError,  // the result could not be recorded, so none is given; `detail` for the log
};

struct SignInResult {
  SignInStatus status = SignInStatus::StorageError;
  StaffAccount account;              // Ok, Inactive
  int attempts_left = 0;             // WrongPin: wrong PINs left before the account locks
  std::int64_t retry_after_s = 0;    // LockedOut, and WrongPin when it locked the account
  model::PinFormat pin_format = model::PinFormat::Ok;  // BadPinFormat
  std::string detail;                // StorageError
};

// An account locked out on this device, as a nodal officer sees it (never its hash).
struct LockedAccount {
  StaffAccount account;
  std::int64_t retry_after_s = 0;  // what is left of its wait
};

enum class UnlockStatus {
  Ok,           // failure count and lock cleared: the account has kMaxFailures tries again
  NotLocked,    // fewer than kMaxFailures failures: nothing to clear, nothing written
  NotAllowed,   // `by` is not an active nodal officer of the account's ward: nothing written
  UnknownUser,  // no such account
  StorageError,
};

class StaffStore {
 public:
  // Checks a PIN against an encoded hash. model::VerifyPin unless a test counts or stages calls.
  using Verifier = std::function<bool(std::string_view encoded, std::string_view pin)>;

  // Shares the complaint store's connection and its database mutex (ComplaintStore::store(),
  // db_mutex()); both must outlive this object.
  StaffStore(Store& store, std::mutex& db_mutex, Verifier verify = model::VerifyPin);

  // Replaces the device's accounts with central's list taken at `synced_at` (central's unix
  // seconds), in ONE transaction: on StorageError the old list stays exactly as it was. Entries
  // that break the field rules above, carry a hash IsPinHash refuses, or share a user id with
  // another entry (all of them: which one is right is central's to say) are left out and listed
  // in `rejected`. Accounts not in the list are deleted with their failure counts; an account
  // still in it keeps its count and lock, even when its hash changed.
  StaffSyncResult ReplaceAccounts(const std::vector<StaffRecord>& list, std::int64_t synced_at);

  // Signs `user_id` (any case) in with `pin` at `now` (unix seconds, the device clock). The
  // failure count and lock are updated in the same transaction that decides the result, and a
  // result is returned only after that transaction committed. A clock that moved back before
  // the last failure restarts the wait from `now`, so it never unlocks early.
  SignInResult SignIn(std::string_view user_id, std::string_view pin, std::int64_t now);

  // The accounts of `ward_code` locked at `now` (a clock set back before the last failure
  // counts as locked, as SignIn treats it), by user id. False on a storage error (`out` empty).
  bool LockedAccounts(std::string_view ward_code, std::int64_t now, std::vector<LockedAccount>* out);
  // A nodal officer signed in on this device (`by`) lets a colleague of the same ward try again
  // at once: the wait and the failure count of `user_id` (locked, or past a wait with
  // kMaxFailures failures or more) are cleared. Someone at a kiosk who knows a staff id could
  // otherwise keep that account locked for up to an hour at a time. The officer's role, state
  // and ward are read in the same transaction that writes, from central's list on the device.
  UnlockStatus Unlock(std::string_view user_id, std::string_view by);

  // Every account, by user id. False on a storage error (`out` then empty).
  bool Accounts(std::vector<StaffAccount>* out);
  // How many accounts there are, or -1 on a storage error.
  int AccountCount();
  // When the list on the device was taken at central; nullopt before the first sync (or on a
  // storage error).
  std::optional<std::int64_t> AccountsSyncedAt();

 private:
  Store& store_;
  std::mutex& mu_;
  Verifier verify_;
};

}  // namespace samvad::store
