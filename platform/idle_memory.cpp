// idle_memory.cpp — see idle_memory.h.
#include "platform/idle_memory.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstring>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21  // Linux 5.4; older kernels answer EINVAL, which is ignored
#endif

namespace samvad::platform {

long GiveBackIdleMemory() {
  malloc_trim(0);
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (!maps) return 0;
  long advised = 0;
  char line[1024];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long lo = 0, hi = 0;
    char perms[8] = {};
    int path_at = 0;
    // "lo-hi perms offset dev inode   path"
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &path_at) < 3 || path_at <= 0) continue;
    const char* path = line + path_at;
    // Read-only (no 'w') mappings of LLVM (and libz3, which only LLVM calls): code and
    // constants. Their relocated data (written once at load) is private anonymous memory and stays.
    if (perms[1] == 'w' || (!std::strstr(path, "/libLLVM") && !std::strstr(path, "/libz3"))) continue;
    if (madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_PAGEOUT) == 0) advised += static_cast<long>(hi - lo);
  }
  std::fclose(maps);
  return advised;
}

}  // namespace samvad::platform
