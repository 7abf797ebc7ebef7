// catalog.h — reads the seed catalog (assets/catalog/*.tsv) that central serves as Open311
// services: categories.tsv gives service_code = code, service_name = name_en and the SLA;
// departments.tsv names each service's group; wards.tsv lists the wards a complaint may name.
// Only reading and checking the files; seeding the database is Storage::SeedServices.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sync/protocol/open311.h"

namespace samvad::central {

struct Catalog {
  std::vector<protocol::open311::Service> services;
  std::vector<protocol::open311::Ward> wards;
  std::vector<protocol::open311::Department> departments;

  const protocol::open311::Department* FindDepartment(std::string_view code) const;
  const protocol::open311::Ward* FindWard(std::string_view number) const;
};

// `dir` holds categories.tsv, departments.tsv and wards.tsv. False with a reason naming the file
// and line on a malformed row (a catalog typo should stop the server at start, not at 9 a.m.).
bool LoadCatalog(const std::string& dir, Catalog* out, std::string* error);

}  // namespace samvad::central
