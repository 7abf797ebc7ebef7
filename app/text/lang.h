// lang.h — the four languages the kiosk speaks, and the facts the text code needs about each.
#pragma once
#include <array>
#include <optional>
#include <string_view>

namespace samvad::text {

enum class Lang { En, Mr, Hi, Bn };
inline constexpr std::array<Lang, 4> kAllLangs{Lang::Mr, Lang::Hi, Lang::Bn, Lang::En};

constexpr std::string_view LangCode(Lang l) {
  switch (l) {
    case Lang::Mr: return "mr";
    case Lang::Hi: return "hi";
    case Lang::Bn: return "bn";
    case Lang::En: break;
  }
  return "en";
}

constexpr std::optional<Lang> ParseLang(std::string_view s) {
  for (Lang l : kAllLangs)
    if (LangCode(l) == s) return l;
  return std::nullopt;
}

}  // namespace samvad::text
