// catalog.cpp — see catalog.h. The PO subset we read: comments (#, with "#, fuzzy" flags),
// msgctxt / msgid / msgstr each with continuation strings, C escapes. Plural forms are not used
// by the UI (counts are shown as numbers beside a label) and are rejected loudly if they appear.
#include "app/text/catalog.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace samvad::text {
namespace {

bool Unquote(std::string_view s, std::string* out) {
  // s is the rest of a line starting at the opening quote.
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  s = s.substr(1, s.size() - 2);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') { out->push_back(s[i]); continue; }
    if (++i == s.size()) return false;
    switch (s[i]) {
      case 'n': out->push_back('\n'); break;
      case 't': out->push_back('\t'); break;
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      default: return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool ParsePo(std::string_view text, const std::string& name, std::vector<PoEntry>* out,
             std::string* error) {
  PoEntry cur;
  std::string* field = nullptr;
  bool have = false, next_fuzzy = false;
  int lineno = 0;
  const auto flush = [&] {
    if (have) out->push_back(cur);
    cur = PoEntry{};
    have = false;
    field = nullptr;
  };
  const auto fail = [&](const std::string& why) {
    *error = name + ":" + std::to_string(lineno) + ": " + why;
    return false;
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t nl = text.find('\n', pos);
    std::string_view line = Trim(text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    if (line.empty()) { flush(); continue; }
    if (line.front() == '#') {
      if (line.starts_with("#,") && line.find("fuzzy") != line.npos) next_fuzzy = true;
      continue;
    }
    if (line.front() == '"') {
      if (!field) return fail("string continuation without a keyword");
      if (!Unquote(line, field)) return fail("bad string");
      continue;
    }
    const size_t sp = line.find(' ');
    if (sp == line.npos) return fail("expected keyword and string");
    const std::string_view kw = line.substr(0, sp);
    const std::string_view rest = Trim(line.substr(sp + 1));
    if (kw == "msgctxt") {
      flush();
      field = &cur.context;
    } else if (kw == "msgid") {
      if (have && !cur.id.empty()) flush();
      field = &cur.id;
    } else if (kw == "msgstr") {
      field = &cur.str;
    } else if (kw == "msgid_plural" || kw.starts_with("msgstr[")) {
      return fail("plural forms are not used by Samvad's UI");
    } else {
      return fail("unknown keyword " + std::string(kw));
    }
    if (kw != "msgstr" && next_fuzzy) { cur.fuzzy = true; next_fuzzy = false; }
    have = true;
    if (!Unquote(rest, field)) return fail("bad string");
  }
  flush();
  return true;
}

bool Catalog::LoadDir(const std::string& dir, std::string* error) {
  for (Lang lang : kAllLangs) {
    const std::string path = dir + "/" + std::string(LangCode(lang)) + ".po";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      *error = "translation catalog missing: " + path;
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<PoEntry> entries;
    if (!ParsePo(ss.str(), path, &entries, error)) return false;
    auto& map = maps_[static_cast<size_t>(lang)];
    map.clear();
    for (const PoEntry& e : entries) {
      if (e.context.empty()) continue;  // the header entry, or an entry with no key
      if (e.fuzzy || e.str.empty()) continue;
      map[e.context] = e.str;
    }
  }
  if (maps_[static_cast<size_t>(Lang::En)].empty()) {
    *error = "English catalog defines no keys";
    return false;
  }
  return true;
}

const std::string& Catalog::Get(Lang lang, std::string_view key) const {
  const std::string k(key);
  const auto& map = maps_[static_cast<size_t>(lang)];
  if (auto it = map.find(k); it != map.end()) return it->second;
  const auto& en = maps_[static_cast<size_t>(Lang::En)];
  if (auto it = en.find(k); it != en.end()) return it->second;
  miss_ = k;
  return miss_;
}

bool Catalog::Has(Lang lang, std::string_view key) const {
  return maps_[static_cast<size_t>(lang)].count(std::string(key)) != 0;
}

std::vector<std::string> Catalog::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [k, v] : maps_[static_cast<size_t>(Lang::En)]) keys.push_back(k);
  return keys;
}

std::vector<std::string> Catalog::Missing() const {
  std::vector<std::string> out;
  for (const std::string& k : Keys())
    for (Lang lang : kAllLangs)
      if (!Has(lang, k)) out.push_back(std::string(LangCode(lang)) + ": " + k);
  return out;
}

std::string DefaultCatalogDir() {
  if (const char* env = std::getenv("SAMVAD_I18N"); env && *env) return env;
  return std::string(SAMVAD_SOURCE_DIR) + "/assets/i18n";
}

}  // namespace samvad::text
