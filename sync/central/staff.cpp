// staff.cpp — see staff.h.
#include "sync/central/staff.h"

#include "sync/model/utf8_check.h"
#include "sync/protocol/open311.h"

namespace samvad::central {

bool IsStaffRole(std::string_view role) {
  return role == "engineer" || role == "ward_staff" || role == "nodal_officer";
}

bool CheckStaffAccount(StaffAccount* a, const Catalog& catalog, std::string* why) {
  std::string id;
  if (!protocol::open311::NormalizeUserId(a->user_id, &id)) {
    *why = "--user must be 1 to 32 of A-Z, 0-9, '.', '_' and '-' (typed in any case), not '" + a->user_id + "'";
    return false;
  }
  a->user_id = id;
  const auto count = model::CountCodePoints(a->name);
  if (!count || *count < 1 || *count > 100) {
    *why = "--name must be UTF-8 text of 1 to 100 characters";
    return false;
  }
  for (size_t i = 0; i < a->name.size();) {
    char32_t cp = 0;
    model::NextCodePoint(a->name, i, cp);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      *why = "--name must not contain control characters (tabs, newlines…)";
      return false;
    }
  }
  if (!catalog.FindWard(a->ward)) {
    *why = "--ward '" + a->ward + "' is not a ward number of wards.tsv (e.g. 08)";
    return false;
  }
  if (!catalog.FindDepartment(a->department)) {
    std::string known;
    for (const auto& d : catalog.departments) known += (known.empty() ? "" : ", ") + d.code;
    *why = "--dept '" + a->department + "' is not a department of departments.tsv (" + known + ")";
    return false;
  }
  if (!IsStaffRole(a->role)) {
    *why = "--role must be engineer, ward_staff or nodal_officer";
    return false;
  }
  return true;
}

}  // namespace samvad::central
