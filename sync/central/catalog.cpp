// catalog.cpp — seed catalog reader (see catalog.h).
#include "sync/central/catalog.h"

#include <charconv>
#include <fstream>
#include <map>

namespace samvad::central {

namespace {

// Rows of a tab-separated file, '#' lines skipped. False when the file cannot be read or a row
// has fewer than `min_cols` columns.
bool ReadTsv(const std::string& path, size_t min_cols, std::vector<std::vector<std::string>>* rows,
             std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      cols.push_back(line.substr(start, tab - start));
    cols.push_back(line.substr(start));
    if (cols.size() < min_cols) {
      *error = path + ":" + std::to_string(n) + ": expected " + std::to_string(min_cols) + " tab-separated columns";
      return false;
    }
    rows->push_back(std::move(cols));
  }
  return true;
}

}  // namespace

bool LoadCatalog(const std::string& dir, Catalog* out, std::string* error) {
  *out = Catalog{};
  std::vector<std::vector<std::string>> depts, cats, wards;
  if (!ReadTsv(dir + "/departments.tsv", 2, &depts, error) || !ReadTsv(dir + "/categories.tsv", 5, &cats, error) ||
      !ReadTsv(dir + "/wards.tsv", 3, &wards, error))
    return false;
  std::map<std::string, std::string> dept_names;
  for (const auto& d : depts) {
    dept_names[d[0]] = d[1];
    out->departments.push_back({d[0], d[1]});
  }
  for (const auto& c : cats) {
    protocol::open311::Service s;
    s.code = c[0];
    const auto it = dept_names.find(c[1]);
    if (it == dept_names.end()) {
      *error = dir + "/categories.tsv: category '" + c[0] + "' names unknown department '" + c[1] + "'";
      return false;
    }
    s.group = it->second;
    s.department = c[1];
    const auto r = std::from_chars(c[2].data(), c[2].data() + c[2].size(), s.sla_hours);
    if (r.ec != std::errc() || s.sla_hours <= 0) {
      *error = dir + "/categories.tsv: category '" + c[0] + "' has a bad sla_hours '" + c[2] + "'";
      return false;
    }
    s.name = c[4];
    s.description = s.name + " (" + s.group + ", answered within " + c[2] + " hours)";
    out->services.push_back(std::move(s));
  }
  for (const auto& w : wards) out->wards.push_back({w[0], w[1], w[2]});
  if (out->services.empty()) {
    *error = dir + "/categories.tsv has no categories";
    return false;
  }
  return true;
}

const protocol::open311::Department* Catalog::FindDepartment(std::string_view code) const {
  for (const auto& d : departments)
    if (d.code == code) return &d;
  return nullptr;
}

const protocol::open311::Ward* Catalog::FindWard(std::string_view number) const {
  for (const auto& w : wards)
    if (w.number == number) return &w;
  return nullptr;
}

}  // namespace samvad::central
