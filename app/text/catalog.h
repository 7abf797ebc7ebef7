// catalog.h — UI strings by key, one gettext PO catalog per language (assets/i18n/<lang>.po).
// An entry's msgctxt is the key the code uses, msgid the English source a translator reads,
// msgstr the translation. This file parses PO and answers look-ups; it does not pick the
// language (the app state does) and does not draw.
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/text/lang.h"

namespace samvad::text {

struct PoEntry {
  std::string context, id, str;
  bool fuzzy = false;
};

// Parses PO text. Returns false with "file:line: why" on malformed input.
bool ParsePo(std::string_view text, const std::string& name, std::vector<PoEntry>* out,
             std::string* error);

class Catalog {
 public:
  // Loads <dir>/<code>.po for every language. English must exist; it defines the keys.
  bool LoadDir(const std::string& dir, std::string* error);
  // The string for `key` in `lang`; falls back to English, then to the key itself, so a
  // missing translation is visible but never a crash. The test suite forbids both fallbacks.
  const std::string& Get(Lang lang, std::string_view key) const;
  bool Has(Lang lang, std::string_view key) const;
  // Every key English defines.
  std::vector<std::string> Keys() const;
  // "mr: home.title" for each key with no usable (non-empty, non-fuzzy) translation.
  std::vector<std::string> Missing() const;

 private:
  std::array<std::unordered_map<std::string, std::string>, 4> maps_;
  mutable std::string miss_;
};

std::string DefaultCatalogDir();

}  // namespace samvad::text
