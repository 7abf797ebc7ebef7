// staff.h — the rules a staff account must meet before central stores it: the same rules the
// tablet checks when it takes central's list (app/store/staff_store.h, "Central's list"), so an
// account central accepts is never one a device leaves out — plus central's own: the ward and
// department must be the catalog's. Checking only; storing is Storage::AddStaff, hashing the PIN
// is sync/model/pin_hash.h, and the commands are main.cpp's `staff …`.
#pragma once
#include <string>
#include <string_view>

#include "sync/central/catalog.h"
#include "sync/central/storage.h"

namespace samvad::central {

bool IsStaffRole(std::string_view role);  // engineer | ward_staff | nodal_officer

// Checks `a` (user id, name, ward, department, role; not the hash) and upper-cases its user id.
// False with a sentence for the administrator in `why`.
bool CheckStaffAccount(StaffAccount* a, const Catalog& catalog, std::string* why);

}  // namespace samvad::central
