// fonts.cpp — see fonts.h.
#include "app/text/fonts.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace samvad::text {

FontSet::~FontSet() {
  for (Font& f : fonts_) {
    if (f.ft) FT_Done_Face(f.ft);
    hb_font_destroy(f.font);
    hb_face_destroy(f.face);
    hb_blob_destroy(f.blob);
  }
  if (ft_) FT_Done_FreeType(ft_);
}

bool FontSet::Load(const std::string& config_path, std::string* error) {
  std::ifstream in(config_path);
  if (!in) {
    *error = "font config not readable: " + config_path;
    return false;
  }
  if (!ft_ && FT_Init_FreeType(&ft_) != 0) {
    *error = "FreeType failed to initialise";
    return false;
  }
  std::vector<std::string> fallback_tags;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string verb;
    if (!(ls >> verb) || verb[0] == '#') continue;
    if (verb == "fallback") {
      std::string tag;
      while (ls >> tag) fallback_tags.push_back(tag);
      continue;
    }
    std::string tag, path;
    if (verb != "script" || !(ls >> tag >> path)) {
      *error = "font config: cannot read line: " + line;
      return false;
    }
    Font f;
    f.path = path;
    f.script = hb_script_from_string(tag.c_str(), static_cast<int>(tag.size()));
    // hb_blob_create_from_file maps the file; an empty blob means it is missing.
    f.blob = hb_blob_create_from_file(path.c_str());
    if (hb_blob_get_length(f.blob) == 0) {
      hb_blob_destroy(f.blob);
      *error = "font file missing: " + path + " (install Debian's fonts-noto-core)";
      return false;
    }
    f.face = hb_face_create(f.blob, 0);
    f.upem = static_cast<int>(hb_face_get_upem(f.face));
    f.font = hb_font_create(f.face);  // default: OpenType funcs, scale = upem, like hb-shape
    hb_font_extents_t ext{};
    hb_font_get_h_extents(f.font, &ext);
    f.ascender = ext.ascender;
    f.descender = ext.descender;
    unsigned int len = 0;
    const char* data = hb_blob_get_data(f.blob, &len);
    if (FT_New_Memory_Face(ft_, reinterpret_cast<const FT_Byte*>(data), static_cast<FT_Long>(len),
                           0, &f.ft) != 0) {
      *error = "FreeType cannot open font: " + path;
      hb_font_destroy(f.font);
      hb_face_destroy(f.face);
      hb_blob_destroy(f.blob);
      return false;
    }
    fonts_.push_back(std::move(f));
  }
  for (const std::string& tag : fallback_tags) {
    const hb_script_t s = hb_script_from_string(tag.c_str(), static_cast<int>(tag.size()));
    for (int i = 0; i < size(); ++i)
      if (fonts_[static_cast<size_t>(i)].script == s) fallback_.push_back(i);
  }
  if (fonts_.empty()) {
    *error = "font config names no fonts: " + config_path;
    return false;
  }
  if (fallback_.empty()) fallback_.push_back(0);
  return true;
}

int FontSet::ForScript(hb_script_t script) const {
  for (int i = 0; i < size(); ++i)
    if (fonts_[static_cast<size_t>(i)].script == script) return i;
  return fallback_.front();
}

bool FontSet::Covers(int font, char32_t cp) const {
  hb_codepoint_t gid = 0;
  return hb_font_get_nominal_glyph(fonts_[static_cast<size_t>(font)].font, cp, &gid) != 0;
}

int FontSet::FallbackFor(char32_t cp) const {
  for (int i : fallback_)
    if (Covers(i, cp)) return i;
  return -1;
}

std::string DefaultFontConfig() {
  if (const char* env = std::getenv("SAMVAD_FONTS"); env && *env) return env;
  return std::string(SAMVAD_SOURCE_DIR) + "/fonts/fonts.txt";
}

}  // namespace samvad::text
