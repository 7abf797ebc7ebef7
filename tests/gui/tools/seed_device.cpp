// seed_device.cpp — puts a device's data folder in a known state before a GUI test, through the
// store's own API (nothing written behind its back):
//   seed_device DATA_DIR [staff=USER:PIN:NAME[:ROLE]]... [complaints=N] [photo_bytes=B] [ward=8 device=1]
// staff=   a staff account as central would send it (its PIN hashed with Argon2id here)
// complaints= N complaints filed as a citizen would, each with one photo of B random bytes
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "app/store/complaint_store.h"
#include "app/store/staff_store.h"
#include "sync/model/pin_hash.h"

using namespace samvad;

namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (const char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: seed_device DATA_DIR [staff=USER:PIN:NAME[:ROLE]]... [complaints=N] [photo_bytes=B]\n");
    return 2;
  }
  std::vector<store::StaffRecord> staff;
  int complaints = 0, ward = 8, device = 1;
  long photo_bytes = 200000;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const size_t eq = a.find('=');
    const std::string k = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (k == "staff") {
      const auto f = Split(v, ':');
      if (f.size() < 3) {
        std::fprintf(stderr, "seed_device: staff=USER:PIN:NAME[:ROLE]\n");
        return 2;
      }
      store::StaffRecord r;
      r.account.user_id = f[0];
      r.account.display_name = f[2];
      r.account.ward_code = "G/N";
      r.account.department = "ENG";
      r.account.role = f.size() > 3 ? store::ParseStaffRole(f[3]).value_or(store::StaffRole::WardStaff)
                                    : store::StaffRole::WardStaff;
      r.pin_hash = model::HashPin(f[1]);
      if (r.pin_hash.empty()) {
        std::fprintf(stderr, "seed_device: PIN for %s is not 4-8 digits\n", f[0].c_str());
        return 2;
      }
      staff.push_back(std::move(r));
    } else if (k == "complaints") {
      complaints = std::atoi(v.c_str());
    } else if (k == "photo_bytes") {
      photo_bytes = std::atol(v.c_str());
    } else if (k == "ward") {
      ward = std::atoi(v.c_str());
    } else if (k == "device") {
      device = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "seed_device: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  store::ComplaintStore cs;
  std::string msg;
  if (cs.Open(argv[1], &msg) == store::OpenStatus::Failed || cs.Enrol(ward, device) != store::EnrolStatus::Ok) {
    std::fprintf(stderr, "seed_device: cannot open the store in %s: %s\n", argv[1], msg.c_str());
    return 1;
  }
  if (!staff.empty()) {
    store::StaffStore ss(cs.store(), cs.db_mutex());
    const store::StaffSyncResult r = ss.ReplaceAccounts(staff, static_cast<std::int64_t>(std::time(nullptr)));
    if (r.status != store::StaffSyncStatus::Ok || !r.rejected.empty()) {
      std::fprintf(stderr, "seed_device: accounts refused: %s %s\n", r.detail.c_str(),
                   r.rejected.empty() ? "" : r.rejected[0].c_str());
      return 1;
    }
  }
  std::mt19937_64 rng(42);
  static const char* kCategories[] = {"pothole", "garbage", "streetlight"};
  for (int i = 0; i < complaints; ++i) {
    store::ComplaintDraft d;
    d.fields.category = kCategories[i % 3];
    d.fields.ward_code = "G/N";
    d.fields.landmark = "दादर स्थानकाजवळ";
    d.fields.description = "तक्रार क्रमांक " + std::to_string(i + 1);
    d.fields.lang = "mr";
    store::PhotoDraft p;
    p.jpeg.resize(static_cast<size_t>(photo_bytes));
    for (auto& b : p.jpeg) b = static_cast<std::uint8_t>(rng());
    p.thumb.resize(8000);
    for (auto& b : p.thumb) b = static_cast<std::uint8_t>(rng());
    p.width = 1600;
    p.height = 1200;
    d.photos.push_back(std::move(p));
    const store::SubmitResult r = cs.Submit(d);
    if (r.status != store::SubmitStatus::Ok) {
      std::fprintf(stderr, "seed_device: submit failed: %s\n", r.detail.c_str());
      return 1;
    }
    std::printf("%s\n", r.ticket_display.c_str());
  }
  return 0;
}
