// wards.cpp — see wards.h.
#include "sync/model/wards.h"

#include <array>

namespace samvad::model {
namespace {
constexpr std::array<std::string_view, 24> kCodes = {
    "A", "B", "C", "D", "E", "F/N", "F/S", "G/N", "G/S", "H/E", "H/W", "K/E",
    "K/W", "L", "M/E", "M/W", "N", "P/N", "P/S", "R/N", "R/S", "R/C", "S", "T"};
}  // namespace

std::string_view WardCode(int number) {
  if (number < 1 || number > static_cast<int>(kCodes.size())) return {};
  return kCodes[static_cast<size_t>(number - 1)];
}

int WardNumber(std::string_view code) {
  for (size_t i = 0; i < kCodes.size(); ++i)
    if (kCodes[i] == code) return static_cast<int>(i + 1);
  return 0;
}

}  // namespace samvad::model
