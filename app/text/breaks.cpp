// breaks.cpp — see breaks.h. Break iterators are costly to create (rule tables), so one of
// each kind per language is made on first use and reused; ICU reads the UTF-8 in place
// through UText, so offsets come back as byte offsets with no UTF-16 copy.
#include "app/text/breaks.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <array>
#include <string>

namespace samvad::text {

struct Breaks::Impl {
  std::array<std::unique_ptr<icu::BreakIterator>, 4> chars, lines;

  icu::BreakIterator* Get(bool line, Lang lang) {
    auto& slot = (line ? lines : chars)[static_cast<size_t>(lang)];
    if (!slot) {
      UErrorCode err = U_ZERO_ERROR;
      const icu::Locale loc(std::string(LangCode(lang)).c_str());
      slot.reset(line ? icu::BreakIterator::createLineInstance(loc, err)
                      : icu::BreakIterator::createCharacterInstance(loc, err));
      if (U_FAILURE(err)) slot.reset();
    }
    return slot.get();
  }

  std::vector<size_t> Run(bool line, std::string_view text, Lang lang) {
    std::vector<size_t> out;
    icu::BreakIterator* it = Get(line, lang);
    UErrorCode err = U_ZERO_ERROR;
    UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &err);
    if (!it || U_FAILURE(err)) {
      // No ICU data: every byte offset a break would be wrong; treat the text as one unit.
      if (ut) utext_close(ut);
      if (!line) out.push_back(0);
      out.push_back(text.size());
      return out;
    }
    it->setText(ut, err);
    for (int32_t p = it->first(); p != icu::BreakIterator::DONE; p = it->next()) {
      if (line && p == 0) continue;
      out.push_back(static_cast<size_t>(p));
    }
    utext_close(ut);
    if (out.empty() || out.back() != text.size()) out.push_back(text.size());
    return out;
  }
};

Breaks::Breaks() : impl_(std::make_unique<Impl>()) {}
Breaks::~Breaks() = default;

std::vector<size_t> Breaks::Graphemes(std::string_view text, Lang lang) {
  return impl_->Run(false, text, lang);
}

std::vector<size_t> Breaks::LineBreaks(std::string_view text, Lang lang) {
  return impl_->Run(true, text, lang);
}

size_t Breaks::PrevGrapheme(std::string_view text, Lang lang, size_t at) {
  size_t best = 0;
  for (size_t b : Graphemes(text, lang)) {
    if (b >= at) break;
    best = b;
  }
  return best;
}

size_t Breaks::NextGrapheme(std::string_view text, Lang lang, size_t at) {
  for (size_t b : Graphemes(text, lang))
    if (b > at) return b;
  return text.size();
}

}  // namespace samvad::text
