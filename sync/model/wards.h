// wards.h — Mumbai's 24 wards as the model needs them: number (inside ticket numbers) ↔ code
// (what a complaint is filed against, e.g. "K/E"). A copy of assets/catalog/wards.tsv, compiled
// in because sync/model does no I/O; tests/store checks the two agree line for line.
// Not the ward names or areas: those are catalog text for the UI.
#pragma once
#include <string_view>

namespace samvad::model {

// "A".."T" for 1..24; empty for any other number.
std::string_view WardCode(int number);
// 1..24 for a known code (exact, case-sensitive: "K/E"); 0 otherwise.
int WardNumber(std::string_view code);

}  // namespace samvad::model
