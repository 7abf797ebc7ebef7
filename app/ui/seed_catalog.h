// seed_catalog.h — the categories and wards the kiosk offers, read from assets/catalog/*.tsv
// (later refreshed from central). Display names come from the translation catalogs
// (cat.<code>), not from here. No drawing; the category screen draws them.
#pragma once
#include <string>
#include <vector>

namespace samvad::ui {

struct Category {
  std::string code, department, icon;
  int sla_hours = 0;
};

struct Ward {
  std::string number;  // "08": the two digits inside ticket numbers
  std::string code;    // "G/N"
  std::string area;    // "Dadar" (English; shown beside the code)
};

struct SeedCatalog {
  std::vector<Category> categories;
  std::vector<Ward> wards;
  bool Load(const std::string& dir, std::string* error);
  const Ward* FindWard(const std::string& number) const;
  const Category* FindCategory(const std::string& code) const;
};

std::string DefaultCatalogDataDir();

}  // namespace samvad::ui
