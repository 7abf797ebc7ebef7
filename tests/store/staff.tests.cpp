// staff.tests.cpp — staff accounts and PIN sign-in on the device (staff_store.h, issue 5 item
// 1): the PIN rules, Argon2id hashes with OWASP's parameters (every hash here is a real one:
// ~30 ms each), the lockout after five wrong PINs and its growing wait, what survives a restart
// or a clock moved back, and central's list replacing the device's in one transaction.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <functional>
#include <memory>
#include <utility>

#include "app/store/complaint_store.h"
#include "app/store/staff_store.h"
#include "support.h"
#include "sync/model/pin_hash.h"

using namespace samvad;
using store::SignInStatus;
using store::StaffSyncStatus;

namespace {

constexpr std::int64_t T = 1750000000;

store::StaffRecord Record(std::string id, std::string_view pin, std::string name = "सुनीता पाटील",
                          bool active = true) {
  return {{std::move(id), std::move(name), "G/N", "ENG", store::StaffRole::Engineer, active},
          model::HashPin(pin)};
}

// A data folder with its complaint store and a staff store on it. Every PIN check goes through
// Verify, which records the hash it was given and can run one staged action first (what another
// thread might do while the PIN is being checked).
struct Device {
  test::TempDir dir{"staff"};
  std::unique_ptr<store::ComplaintStore> cs;
  std::unique_ptr<store::StaffStore> staff;
  std::vector<std::string> verified;
  std::function<void()> during_next_verify;

  Device() { Reopen(); }

  void Reopen() {
    staff.reset();
    cs.reset();
    cs = std::make_unique<store::ComplaintStore>();
    std::string msg;
    REQUIRE(cs->Open(dir.str(), &msg) == store::OpenStatus::Ok);
    staff = std::make_unique<store::StaffStore>(
        cs->store(), cs->db_mutex(),
        [this](std::string_view hash, std::string_view pin) { return Verify(hash, pin); });
  }

  bool Verify(std::string_view hash, std::string_view pin) {
    verified.emplace_back(hash);
    if (auto action = std::exchange(during_next_verify, nullptr)) action();
    return model::VerifyPin(hash, pin);
  }

  void Replace(const std::vector<store::StaffRecord>& list, std::int64_t at = T) {
    const store::StaffSyncResult r = staff->ReplaceAccounts(list, at);
    INFO(r.detail);
    REQUIRE(r.status == StaffSyncStatus::Ok);
    REQUIRE(r.rejected.empty());
  }

  std::vector<store::StaffAccount> Accounts() {
    std::vector<store::StaffAccount> out;
    REQUIRE(staff->Accounts(&out));
    return out;
  }

  // `n` wrong PINs for `id` at `at`, each answered WrongPin.
  void WrongPins(const std::string& id, int n, std::int64_t at) {
    for (int i = 0; i < n; ++i) REQUIRE(staff->SignIn(id, "0000", at).status == SignInStatus::WrongPin);
  }
};

}  // namespace

TEST_CASE("the PINs anyone would try first are known as such", "[store][staff]") {
  for (const char* easy : {"0000", "1111", "99999999", "1234", "4321", "345678", "98765432", "1212", "4545", "123123",
                           "56785678", "2580", "1004"}) {
    INFO(easy);
    CHECK(model::IsGuessablePin(easy));
  }
  for (const char* fine : {"4821", "2468", "135790", "90210", "7391", "12345670", "1123", "2112"}) {
    INFO(fine);
    CHECK_FALSE(model::IsGuessablePin(fine));
  }
  CHECK_FALSE(model::IsGuessablePin("123"));  // not a PIN at all: the format check says so
}

TEST_CASE("a PIN is 4 to 8 ASCII digits, as the numeric pad types them", "[store][staff]") {
  using model::PinFormat;
  CHECK(model::CheckPinFormat("1234") == PinFormat::Ok);
  CHECK(model::CheckPinFormat("12345678") == PinFormat::Ok);
  CHECK(model::CheckPinFormat("") == PinFormat::TooShort);
  CHECK(model::CheckPinFormat("123") == PinFormat::TooShort);
  CHECK(model::CheckPinFormat("123456789") == PinFormat::TooLong);
  CHECK(model::CheckPinFormat("12a4") == PinFormat::NotDigits);
  CHECK(model::CheckPinFormat(" 1234") == PinFormat::NotDigits);
  CHECK(model::CheckPinFormat("१२३४") == PinFormat::NotDigits);  // Devanagari digits: not the pad's
  CHECK(model::HashPin("123").empty());
  CHECK(model::HashPin("12ab").empty());

  SECTION("a malformed PIN is answered before any account is looked at, and not counted") {
    Device d;
    d.Replace({Record("GN-ENG-04", "4321")});
    const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "12", T);
    CHECK(r.status == SignInStatus::BadPinFormat);
    CHECK(r.pin_format == PinFormat::TooShort);
    CHECK(d.staff->SignIn("GN-ENG-04", "12345678x", T).pin_format == PinFormat::NotDigits);
    CHECK(d.verified.empty());
    CHECK(d.staff->SignIn("GN-ENG-04", "0000", T).attempts_left == 4);  // the first counted one
  }
}

TEST_CASE("a hash made with OWASP's Argon2id parameters verifies the right PIN only", "[store][staff]") {
  const std::string h = model::HashPin("4321");
  CHECK(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(model::IsPinHash(h));
  CHECK(model::VerifyPin(h, "4321"));
  CHECK_FALSE(model::VerifyPin(h, "4322"));
  CHECK_FALSE(model::VerifyPin(h, "43210"));
  CHECK(model::HashPin("4321") != h);  // a fresh salt each time

  SECTION("the device accepts no other algorithm, parameters or shape") {
    auto with = [&](std::string_view from, std::string_view to) {
      std::string s = h;
      s.replace(s.find(from), from.size(), to);
      return s;
    };
    for (const std::string& bad :
         {with("$argon2id$", "$argon2i$"), with("m=19456", "m=65536"), with("t=2", "t=1"),
          with("p=1", "p=2"), h.substr(0, 40), h + std::string(1, '\0') + "x",
          h + std::string(40, 'A'), std::string()}) {
      INFO(bad);
      CHECK_FALSE(model::IsPinHash(bad));
      CHECK_FALSE(model::VerifyPin(bad, "4321"));
    }
  }
  SECTION("the dummy hash has the parameters of a real one, so it costs the same") {
    CHECK(model::IsPinHash(model::DummyPinHash()));
  }
}

TEST_CASE("the right PIN signs in and says who", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321"), Record("GN-ENG-05", "9876", "क्षितिज श्रीवास्तव")});
  const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "4321", T);
  REQUIRE(r.status == SignInStatus::Ok);
  CHECK(r.account == store::StaffAccount{"GN-ENG-04", "सुनीता पाटील", "G/N", "ENG",
                                         store::StaffRole::Engineer, true});
  CHECK(d.staff->SignIn("gn-eng-05", "9876", T).account.user_id == "GN-ENG-05");  // any case
  CHECK(d.staff->SignIn("GN-ENG-05", "4321", T).status == SignInStatus::WrongPin);  // not hers
}

TEST_CASE("five wrong PINs lock the account; the right one then waits", "[store][staff][acceptance]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321")});
  for (int left = 4; left >= 1; --left) {
    const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "1111", T);
    REQUIRE(r.status == SignInStatus::WrongPin);
    CHECK(r.attempts_left == left);
    CHECK(r.retry_after_s == 0);
  }
  const store::SignInResult fifth = d.staff->SignIn("GN-ENG-04", "1111", T + 5);
  REQUIRE(fifth.status == SignInStatus::WrongPin);
  CHECK(fifth.attempts_left == 0);
  CHECK(fifth.retry_after_s == 30);

  // The sixth attempt, with the RIGHT PIN, is refused while the lock lasts — without checking it.
  d.verified.clear();
  const store::SignInResult sixth = d.staff->SignIn("GN-ENG-04", "4321", T + 15);
  CHECK(sixth.status == SignInStatus::LockedOut);
  CHECK(sixth.retry_after_s == 20);
  CHECK(d.verified.empty());
  CHECK(d.staff->SignIn("GN-ENG-04", "4321", T + 34).retry_after_s == 1);

  // After the wait the right PIN works, and the count starts again.
  CHECK(d.staff->SignIn("GN-ENG-04", "4321", T + 35).status == SignInStatus::Ok);
  CHECK(d.staff->SignIn("GN-ENG-04", "1111", T + 36).attempts_left == 4);
}

TEST_CASE("each wrong PIN after a wait doubles the wait, up to an hour", "[store][staff]") {
  CHECK(store::LockSeconds(0) == 0);
  CHECK(store::LockSeconds(4) == 0);
  const std::int64_t waits[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600};
  for (int i = 0; i < 9; ++i) CHECK(store::LockSeconds(5 + i) == waits[i]);
  CHECK(store::LockSeconds(1000000) == 3600);

  Device d;
  d.Replace({Record("GN-ENG-04", "4321")});
  d.WrongPins("GN-ENG-04", 4, T);
  std::int64_t now = T;
  for (int i = 0; i < 9; ++i) {
    const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "1111", now);
    REQUIRE(r.status == SignInStatus::WrongPin);
    CHECK(r.retry_after_s == waits[i]);
    CHECK(d.staff->SignIn("GN-ENG-04", "1111", now + waits[i] - 1).status == SignInStatus::LockedOut);
    now += waits[i];
  }
  CHECK(d.staff->SignIn("GN-ENG-04", "4321", now).status == SignInStatus::Ok);
}

TEST_CASE("failure counts and locks survive closing and reopening the store", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321")});
  d.WrongPins("GN-ENG-04", 3, T);
  d.Reopen();
  CHECK(d.staff->SignIn("GN-ENG-04", "1111", T + 1).attempts_left == 1);
  CHECK(d.staff->SignIn("GN-ENG-04", "1111", T + 2).retry_after_s == 30);
  d.Reopen();
  const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "4321", T + 10);
  CHECK(r.status == SignInStatus::LockedOut);
  CHECK(r.retry_after_s == 22);
  CHECK(d.staff->AccountsSyncedAt() == T);
}

TEST_CASE("a clock moved back does not unlock early", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321")});
  d.WrongPins("GN-ENG-04", 5, T);  // locked until T + 30

  SECTION("the wait starts over from the earlier time, and holds after a restart") {
    const std::int64_t back = T - 86400;
    const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "4321", back);
    CHECK(r.status == SignInStatus::LockedOut);
    CHECK(r.retry_after_s == 30);
    d.Reopen();
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", back + 29).retry_after_s == 1);
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", back + 30).status == SignInStatus::Ok);
  }
  SECTION("a second jump back restarts it again") {
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", T - 100).retry_after_s == 30);
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", T - 200).retry_after_s == 30);
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", T - 171).retry_after_s == 1);
  }
  SECTION("a clock back by less than the wait only restarts it") {
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", T - 1).retry_after_s == 30);
  }
}

TEST_CASE("a nodal officer of the ward unlocks a colleague locked out on this device", "[store][staff]") {
  using store::StaffRole;
  using store::UnlockStatus;
  const auto with_role = [](std::string id, StaffRole role, std::string ward = "G/N", bool active = true) {
    store::StaffRecord r = Record(std::move(id), "4321", "सुनीता पाटील", active);
    r.account.role = role;
    r.account.ward_code = std::move(ward);
    return r;
  };
  Device d;
  d.Replace({with_role("GN-WS-02", StaffRole::WardStaff), with_role("GN-NO-01", StaffRole::NodalOfficer),
             with_role("GN-ENG-04", StaffRole::Engineer), with_role("KW-NO-01", StaffRole::NodalOfficer, "K/W"),
             with_role("GN-NO-09", StaffRole::NodalOfficer, "G/N", /*active=*/false)});
  d.WrongPins("GN-WS-02", 5, T);  // locked until T + 30
  std::vector<store::LockedAccount> locked;
  REQUIRE(d.staff->LockedAccounts("G/N", T + 10, &locked));
  REQUIRE(locked.size() == 1);
  CHECK(locked[0].account.user_id == "GN-WS-02");
  CHECK(locked[0].retry_after_s == 20);
  REQUIRE(d.staff->LockedAccounts("K/W", T + 10, &locked));
  CHECK(locked.empty());

  // Only an active nodal officer of the same ward may; the others change nothing.
  CHECK(d.staff->Unlock("GN-WS-02", "GN-ENG-04") == UnlockStatus::NotAllowed);
  CHECK(d.staff->Unlock("GN-WS-02", "KW-NO-01") == UnlockStatus::NotAllowed);
  CHECK(d.staff->Unlock("GN-WS-02", "GN-NO-09") == UnlockStatus::NotAllowed);
  CHECK(d.staff->Unlock("GN-WS-02", "NOBODY") == UnlockStatus::NotAllowed);
  CHECK(d.staff->Unlock("GN-XX-99", "GN-NO-01") == UnlockStatus::UnknownUser);
  CHECK(d.staff->SignIn("GN-WS-02", "4321", T + 10).status == SignInStatus::LockedOut);

  CHECK(d.staff->Unlock("gn-ws-02", "gn-no-01") == UnlockStatus::Ok);  // any case, as sign-in
  REQUIRE(d.staff->LockedAccounts("G/N", T + 10, &locked));
  CHECK(locked.empty());
  CHECK(d.staff->Unlock("GN-WS-02", "GN-NO-01") == UnlockStatus::NotLocked);
  // The count starts again (five tries), and it holds after a restart.
  d.Reopen();
  CHECK(d.staff->SignIn("GN-WS-02", "1111", T + 11).attempts_left == 4);
  CHECK(d.staff->SignIn("GN-WS-02", "4321", T + 12).status == SignInStatus::Ok);

  SECTION("a wait that is over but would double at the next wrong PIN is cleared too") {
    d.WrongPins("GN-WS-02", 5, T + 100);
    CHECK(d.staff->Unlock("GN-WS-02", "GN-NO-01") == UnlockStatus::Ok);
    CHECK(d.staff->SignIn("GN-WS-02", "1111", T + 200).attempts_left == 4);
  }
  SECTION("a clock set back before the last failure lists the account as locked, for a whole wait") {
    d.WrongPins("GN-WS-02", 5, T + 100);
    REQUIRE(d.staff->LockedAccounts("G/N", T + 50, &locked));
    REQUIRE(locked.size() == 1);
    CHECK(locked[0].retry_after_s == 30);
  }
}

TEST_CASE("an inactive account answers Inactive only to its right PIN", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-WS-11", "135790", "অনিতা দাস", /*active=*/false)});
  CHECK(d.staff->SignIn("GN-WS-11", "000000", T).status == SignInStatus::WrongPin);
  const store::SignInResult r = d.staff->SignIn("GN-WS-11", "135790", T);
  CHECK(r.status == SignInStatus::Inactive);
  CHECK(r.account.display_name == "অনিতা দাস");
  CHECK_FALSE(r.account.active);
}

TEST_CASE("an unknown user id costs one Argon2id verify, against the dummy hash", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321")});
  for (const char* id : {"GN-ENG-99", "", "no such id!", "GN-ENG-04 "}) {
    INFO('"' << id << '"');
    d.verified.clear();
    CHECK(d.staff->SignIn(id, "4321", T).status == SignInStatus::UnknownUser);
    REQUIRE(d.verified.size() == 1);
    CHECK(d.verified[0] == model::DummyPinHash());
  }
  d.verified.clear();
  CHECK(d.staff->SignIn("GN-ENG-04", "1234", T).status == SignInStatus::WrongPin);
  CHECK(d.verified.size() == 1);  // a known id: one verify too, against its own hash
  CHECK(d.verified[0] != model::DummyPinHash());
}

TEST_CASE("ReplaceAccounts puts central's list in place in one transaction", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321"), Record("GN-ENG-05", "9876")}, T);
  d.WrongPins("GN-ENG-04", 5, T);  // locked until T + 30
  const std::vector<store::StaffAccount> before = d.Accounts();

  SECTION("accounts it lacks go; those it keeps keep their lock, even with a new PIN") {
    const store::StaffSyncResult r = d.staff->ReplaceAccounts(
        {Record("GN-ENG-04", "2468", "सुनीता पाटील-जोशी"), Record("gn-ws-11", "135790")}, T + 100);
    REQUIRE(r.status == StaffSyncStatus::Ok);
    CHECK(r.stored == 2);
    CHECK(r.removed == 1);
    const std::vector<store::StaffAccount> now = d.Accounts();
    REQUIRE(now.size() == 2);
    CHECK(now[0].display_name == "सुनीता पाटील-जोशी");
    CHECK(now[1].user_id == "GN-WS-11");
    CHECK(d.staff->AccountCount() == 2);
    CHECK(d.staff->AccountsSyncedAt() == T + 100);
    CHECK(d.staff->SignIn("GN-ENG-04", "2468", T + 10).status == SignInStatus::LockedOut);
    CHECK(d.staff->SignIn("GN-ENG-04", "2468", T + 30).status == SignInStatus::Ok);
    CHECK(d.staff->SignIn("GN-ENG-05", "9876", T + 30).status == SignInStatus::UnknownUser);
    CHECK(d.staff->SignIn("GN-WS-11", "135790", T + 30).status == SignInStatus::Ok);
  }
  SECTION("a failure part-way leaves the old list exactly as it was") {
    {
      std::lock_guard lock(d.cs->db_mutex());
      REQUIRE(sqlite3_exec(d.cs->store().db(),
                           "CREATE TEMP TRIGGER fail_mid_list BEFORE INSERT ON main.staff "
                           "WHEN NEW.user_id = 'GN-WS-11' BEGIN SELECT RAISE(ABORT, 'injected'); END;",
                           nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    // GN-ENG-04 is updated and GN-ENG-05 would be removed, around the insert that fails.
    const store::StaffSyncResult r = d.staff->ReplaceAccounts(
        {Record("GN-ENG-04", "2468", "changed"), Record("GN-WS-11", "135790")}, T + 100);
    CHECK(r.status == StaffSyncStatus::StorageError);
    CHECK(r.detail.find("injected") != std::string::npos);
    CHECK(d.Accounts() == before);
    CHECK(d.staff->AccountsSyncedAt() == T);
    CHECK(d.staff->SignIn("GN-ENG-04", "4321", T + 30).status == SignInStatus::Ok);
    CHECK(d.staff->SignIn("GN-ENG-05", "9876", T + 30).status == SignInStatus::Ok);
  }
  SECTION("bad entries are left out and named; the rest still replace the list") {
    store::StaffRecord bad_hash = Record("GN-ENG-06", "1111");
    bad_hash.pin_hash = "$2y$10$notanargon2idhash";
    store::StaffRecord bad_name = Record("GN-ENG-07", "1111", "\xff\xfe");
    store::StaffRecord bad_ward = Record("GN-ENG-08", "1111");
    bad_ward.account.ward_code = "G N";
    const store::StaffSyncResult r = d.staff->ReplaceAccounts(
        {Record("GN-ENG-05", "9876"), bad_hash, bad_name, bad_ward, Record("GN ENG 09", "1111"),
         Record("GN-DUP-01", "1111"), Record("gn-dup-01", "2222")},
        T + 100);
    REQUIRE(r.status == StaffSyncStatus::Ok);
    CHECK(r.stored == 1);
    CHECK(r.removed == 1);  // GN-ENG-04, absent from the list
    REQUIRE(r.rejected.size() == 6);
    CHECK(r.rejected[0].rfind("GN-ENG-06: PIN hash", 0) == 0);
    CHECK(r.rejected[1].rfind("GN-ENG-07: display name is not valid UTF-8", 0) == 0);
    CHECK(r.rejected[2].rfind("GN-ENG-08: ward code", 0) == 0);
    CHECK(r.rejected[3].rfind("#4: user id", 0) == 0);
    CHECK(r.rejected[4] == "GN-DUP-01: user id appears more than once");
    CHECK(r.rejected[5] == "GN-DUP-01: user id appears more than once");
    REQUIRE(d.Accounts().size() == 1);
    CHECK(d.Accounts()[0].user_id == "GN-ENG-05");
  }
}

TEST_CASE("a sign-in decides against the account as it is when the result is recorded", "[store][staff]") {
  Device d;
  d.Replace({Record("GN-ENG-04", "4321")});

  SECTION("central's new hash arriving during the check is the one that counts") {
    const store::StaffRecord changed = Record("GN-ENG-04", "9999");
    d.during_next_verify = [&] { d.Replace({changed}); };
    d.verified.clear();
    CHECK(d.staff->SignIn("GN-ENG-04", "9999", T).status == SignInStatus::Ok);
    REQUIRE(d.verified.size() == 2);  // the old hash, then the new one under the lock
    CHECK(d.verified[1] == changed.pin_hash);
  }
  SECTION("an account removed during the check is unknown, and nothing is recorded") {
    d.during_next_verify = [&] { d.Replace({}); };
    CHECK(d.staff->SignIn("GN-ENG-04", "1111", T).status == SignInStatus::UnknownUser);
    CHECK(d.staff->AccountCount() == 0);
  }
  SECTION("a guess that another attempt's lock overtook is refused, even when right") {
    d.WrongPins("GN-ENG-04", 4, T);
    d.during_next_verify = [&] {
      CHECK(d.staff->SignIn("GN-ENG-04", "1111", T).retry_after_s == 30);  // the fifth, first
    };
    const store::SignInResult r = d.staff->SignIn("GN-ENG-04", "4321", T);
    CHECK(r.status == SignInStatus::LockedOut);
    CHECK(r.retry_after_s == 30);
  }
}

TEST_CASE("Devanagari and Bengali display names read back unchanged", "[store][staff]") {
  Device d;
  const std::vector<std::string> names = {"सुनीता पाटील", "क्षितिज श्रीवास्तव", "অনিতা দাস",
                                          "শ্রীমতী ঋতুপর্ণা"};
  std::vector<store::StaffRecord> list;
  for (size_t i = 0; i < names.size(); ++i)
    list.push_back(Record("GN-" + std::to_string(i), "4321", names[i]));
  d.Replace(list);
  d.Reopen();
  const std::vector<store::StaffAccount> got = d.Accounts();
  REQUIRE(got.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) CHECK(got[i].display_name == names[i]);
  CHECK(d.staff->SignIn("GN-2", "4321", T).account.display_name == "অনিতা দাস");
}
