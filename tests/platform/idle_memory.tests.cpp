// idle_memory.tests.cpp — platform/idle_memory.h: after GiveBackIdleMemory, LLVM's code pages are
// no longer resident in this process, and LLVM still works when called again (the pages come
// back from the library file). Mesa's llvmpipe, which the app renders with, is what brings
// libLLVM into the app; here the test loads it itself.
#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#include "platform/idle_memory.h"

namespace {

// Resident kB of this process's read-only libLLVM mappings (/proc/self/smaps).
long LlvmResidentKb() {
  std::FILE* f = std::fopen("/proc/self/smaps", "re");
  REQUIRE(f);
  long kb = 0;
  bool in_llvm = false;
  char line[1024];
  while (std::fgets(line, sizeof line, f)) {
    unsigned long lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && std::strchr(line, '-') < std::strchr(line, ' ')) {
      in_llvm = std::strstr(line, "/libLLVM") && perms[1] != 'w';
      continue;
    }
    long v = 0;
    if (in_llvm && std::sscanf(line, "Rss: %ld kB", &v) == 1) kb += v;
  }
  std::fclose(f);
  return kb;
}

// Reads one byte of every page of libLLVM's read-only mappings, as running it would.
void TouchLlvm() {
  std::FILE* f = std::fopen("/proc/self/maps", "re");
  REQUIRE(f);
  char line[1024];
  volatile unsigned char sink = 0;
  while (std::fgets(line, sizeof line, f)) {
    unsigned long lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || !std::strstr(line, "/libLLVM") || perms[0] != 'r' ||
        perms[1] == 'w')
      continue;
    for (unsigned long p = lo; p < hi; p += 4096) sink = sink + *reinterpret_cast<const volatile unsigned char*>(p);
  }
  std::fclose(f);
}

}  // namespace

TEST_CASE("At rest, LLVM's code pages are given back, and LLVM still runs afterwards", "[platform][memory]") {
  void* llvm = dlopen("libLLVM-15.so.1", RTLD_NOW | RTLD_LOCAL);
  INFO((llvm ? "" : dlerror()));
  REQUIRE(llvm);  // Mesa's llvmpipe depends on it: installed wherever the app can render
  TouchLlvm();
  const long before = LlvmResidentKb();
  INFO("resident before: " << before << " kB");
  REQUIRE(before > 10 * 1024);
  const long advised = samvad::platform::GiveBackIdleMemory();
  CHECK(advised >= before * 1024L);
  const long after = LlvmResidentKb();
  INFO("resident after: " << after << " kB");
  // Pages another process maps too (an X server rendering with llvmpipe) stay; this process
  // touched every page, far more than any such process uses.
  CHECK(after < before / 2);

  // And LLVM still runs: its pages come back from the library file (or are still mapped by
  // another process — then they were never taken, so whether Rss grows here proves nothing).
  using Create = void* (*)();
  using Dispose = void (*)(void*);
  const auto create = reinterpret_cast<Create>(dlsym(llvm, "LLVMContextCreate"));
  const auto dispose = reinterpret_cast<Dispose>(dlsym(llvm, "LLVMContextDispose"));
  REQUIRE(create);
  REQUIRE(dispose);
  void* context = create();
  CHECK(context != nullptr);
  dispose(context);
  dlclose(llvm);
}
