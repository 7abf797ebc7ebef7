// shaper.cpp — see shaper.h.
#include "app/text/shaper.h"

#include <cstdio>

#include "app/text/utf8.h"

namespace samvad::text {
namespace {

// The cache holds every label of a few screens in four languages with room to spare; past
// this it is cleared whole (cheaper than LRU bookkeeping on every hit, and rare).
constexpr size_t kMaxCached = 8192;

bool IsWeak(hb_script_t s) {
  return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN;
}

hb_script_t DefaultScript(Lang lang) {
  switch (lang) {
    case Lang::Mr:
    case Lang::Hi: return HB_SCRIPT_DEVANAGARI;
    case Lang::Bn: return HB_SCRIPT_BENGALI;
    case Lang::En: break;
  }
  return HB_SCRIPT_LATIN;
}

// Marks and joiners never start a run of their own: they belong to the base before them.
bool StaysWithBase(char32_t cp) {
  const hb_unicode_general_category_t gc =
      hb_unicode_general_category(hb_unicode_funcs_get_default(), cp);
  return cp == 0x200C || cp == 0x200D || gc == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
         gc == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK ||
         gc == HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK;
}

}  // namespace

Shaper::Shaper(const FontSet& fonts) : fonts_(fonts), buf_(hb_buffer_create()) {}
Shaper::~Shaper() { hb_buffer_destroy(buf_); }

hb_language_t Shaper::LanguageFor(hb_script_t script, Lang lang) {
  const char* tag = "en";
  if (script == HB_SCRIPT_DEVANAGARI) tag = lang == Lang::Mr ? "mr" : "hi";
  if (script == HB_SCRIPT_BENGALI) tag = "bn";
  return hb_language_from_string(tag, -1);
}

std::vector<RunSpan> Shaper::Itemize(std::string_view text, Lang lang) const {
  struct Cp { uint32_t at; char32_t cp; hb_script_t script; };
  std::vector<Cp> cps;
  hb_unicode_funcs_t* uf = hb_unicode_funcs_get_default();
  for (size_t i = 0; i < text.size();) {
    const auto at = static_cast<uint32_t>(i);
    const char32_t cp = DecodeUtf8(text, i);
    cps.push_back({at, cp, hb_unicode_script(uf, cp)});
  }
  // Resolve weak scripts: take the strong script before; at the start, the first strong one
  // after; in a text with none, the language's own script.
  hb_script_t first_strong = DefaultScript(lang);
  for (const Cp& c : cps)
    if (!IsWeak(c.script)) { first_strong = c.script; break; }
  hb_script_t cur = first_strong;
  for (Cp& c : cps) {
    if (IsWeak(c.script)) c.script = cur;
    else cur = c.script;
  }

  std::vector<RunSpan> runs;
  for (const Cp& c : cps) {
    int font = fonts_.ForScript(c.script);
    if (!fonts_.Covers(font, c.cp)) {
      if (StaysWithBase(c.cp) && !runs.empty()) {
        font = runs.back().font;
      } else if (const int fb = fonts_.FallbackFor(c.cp); fb >= 0) {
        font = fb;
      }  // else: nobody has it; the script's font draws its .notdef box
    }
    if (!runs.empty() && runs.back().font == font && runs.back().script == c.script) {
      continue;  // extends the current run; its end is fixed below
    }
    if (!runs.empty()) runs.back().end = c.at;
    runs.push_back({font, c.at, 0, c.script});
  }
  if (!runs.empty()) runs.back().end = static_cast<uint32_t>(text.size());
  return runs;
}

ShapedText Shaper::Shape(std::string_view text, Lang lang) {
  ShapedText out;
  for (const RunSpan& span : Itemize(text, lang)) {
    Run run;
    run.font = span.font;
    run.start = span.start;
    run.end = span.end;
    run.script = span.script;
    run.language = LanguageFor(span.script, lang);
    hb_buffer_clear_contents(buf_);
    // The whole text goes in as context, so clusters are byte offsets into it and shaping at a
    // run's edge sees its neighbours — as hb-shape does with --text-before/--text-after.
    hb_buffer_add_utf8(buf_, text.data(), static_cast<int>(text.size()), span.start,
                       static_cast<int>(span.end - span.start));
    hb_buffer_set_direction(buf_, HB_DIRECTION_LTR);
    hb_buffer_set_script(buf_, span.script);
    hb_buffer_set_language(buf_, run.language);
    hb_shape(fonts_.at(span.font).font, buf_, nullptr, 0);
    unsigned int n = 0;
    const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf_, &n);
    const hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf_, &n);
    run.glyphs.reserve(n);
    for (unsigned int k = 0; k < n; ++k) {
      run.glyphs.push_back({info[k].codepoint, info[k].cluster, pos[k].x_offset, pos[k].y_offset,
                            pos[k].x_advance, pos[k].y_advance});
      run.advance += pos[k].x_advance;
    }
    out.runs.push_back(std::move(run));
  }
  return out;
}

const ShapedText& Shaper::ShapeCached(std::string_view text, Lang lang) {
  key_.assign(1, static_cast<char>('0' + static_cast<int>(lang)));
  key_.append(text);
  if (auto it = cache_.find(key_); it != cache_.end()) return it->second;
  if (cache_.size() >= kMaxCached) cache_.clear();
  return cache_.emplace(key_, Shape(text, lang)).first->second;
}

std::string Shaper::Dump(std::string_view text, Lang lang) {
  std::string out;
  char num[160];
  for (const Run& run : Shape(text, lang).runs) {
    out += fonts_.at(run.font).path;
    std::snprintf(num, sizeof num, "\t%u %u\t[", run.start, run.end);
    out += num;
    for (size_t k = 0; k < run.glyphs.size(); ++k) {
      const Glyph& g = run.glyphs[k];
      std::snprintf(num, sizeof num, "%s{\"g\":%u,\"cl\":%u,\"dx\":%d,\"dy\":%d,\"ax\":%d,\"ay\":%d}",
                    k ? "," : "", g.gid, g.cluster, g.dx, g.dy, g.ax, g.ay);
      out += num;
    }
    out += "]\n";
  }
  return out;
}

}  // namespace samvad::text
