// staff_directory.h — how the sync client hands central's staff accounts to the device's store
// without including app/ (GUIDE 1): app/store's StaffStore sits behind this interface (the
// program wires an adapter), as the outbox does behind model::Outbox.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace samvad::model {

// One account as GET /staff.json sends it (PROTOCOL.md): never a PIN, only its Argon2id hash.
struct StaffEntry {
  std::string user_id, name, ward, department, role;  // role: engineer | ward_staff | nodal_officer
  bool active = true;
  std::string pin_hash;
};

class StaffDirectory {
 public:
  virtual ~StaffDirectory() = default;
  // Replaces the device's accounts with `list` (central's whole list, taken at `listed_at`) in one
  // step; false with `why` when the device could not store it (the old list then stays).
  virtual bool Replace(const std::vector<StaffEntry>& list, std::int64_t listed_at, std::string* why) = 0;
};

}  // namespace samvad::model
