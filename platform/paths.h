// paths.h — where the device keeps its data: $SAMVAD_DATA, else $XDG_DATA_HOME/samvad, else
// ~/.local/share/samvad. Created on first use.
#pragma once
#include <string>

namespace samvad::platform {
std::string DataDir();
}
