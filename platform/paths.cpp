// paths.cpp — see paths.h.
#include "platform/paths.h"

#include <cstdlib>
#include <filesystem>

namespace samvad::platform {

std::string DataDir() {
  std::string dir;
  if (const char* v = std::getenv("SAMVAD_DATA"); v && *v) dir = v;
  else if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) dir = std::string(x) + "/samvad";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::string(h) + "/.local/share/samvad";
  else dir = "samvad-data";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return dir;
}

}  // namespace samvad::platform
