// seed_catalog.cpp — see seed_catalog.h. Tab-separated, '#' comments, fixed column order.
#include "app/ui/seed_catalog.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace samvad::ui {
namespace {

bool ReadTsv(const std::string& path, size_t min_cols, std::vector<std::vector<std::string>>* rows,
             std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "catalog file missing: " + path;
    return false;
  }
  int lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    if (cols.size() < min_cols) {
      *error = path + ":" + std::to_string(lineno) + ": expected " + std::to_string(min_cols) + " columns";
      return false;
    }
    rows->push_back(std::move(cols));
  }
  return true;
}

}  // namespace

bool SeedCatalog::Load(const std::string& dir, std::string* error) {
  std::vector<std::vector<std::string>> rows;
  if (!ReadTsv(dir + "/categories.tsv", 5, &rows, error)) return false;
  categories.clear();
  for (const auto& r : rows) categories.push_back({r[0], r[1], r[3], std::atoi(r[2].c_str())});
  rows.clear();
  if (!ReadTsv(dir + "/wards.tsv", 3, &rows, error)) return false;
  wards.clear();
  for (const auto& r : rows) wards.push_back({r[0], r[1], r[2]});
  if (categories.empty() || wards.empty()) {
    *error = "catalog in " + dir + " has no categories or no wards";
    return false;
  }
  return true;
}

const Ward* SeedCatalog::FindWard(const std::string& number) const {
  for (const Ward& w : wards)
    if (w.number == number || w.code == number) return &w;
  return nullptr;
}

const Category* SeedCatalog::FindCategory(const std::string& code) const {
  for (const Category& c : categories)
    if (c.code == code) return &c;
  return nullptr;
}

std::string DefaultCatalogDataDir() {
  if (const char* env = std::getenv("SAMVAD_CATALOG"); env && *env) return env;
  return std::string(SAMVAD_SOURCE_DIR) + "/assets/catalog";
}

}  // namespace samvad::ui
