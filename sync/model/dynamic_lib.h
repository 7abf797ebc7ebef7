// dynamic_lib.h — a shared library opened at its first use instead of at start-up, and its
// functions found by name. For libraries the kiosk's first frame does not need and whose loading
// (relocations, their own dependencies) it would otherwise pay on every start: libcurl
// (sync/client/transport.cpp) and libcrypto (sha256.cpp). Header-only.
//
// Usage, once per process (a function-local static makes it thread-safe):
//   DynamicLib lib("libfoo.so.1");
//   lib.Find(&api.frob, "foo_frob");  …  if (!lib.ok()) → lib.error() says why
#pragma once
#include <dlfcn.h>

#include <cstring>
#include <string>

namespace samvad::model {

class DynamicLib {
 public:
  // Never closed: the functions found stay valid for the life of the process.
  explicit DynamicLib(const char* soname) : soname_(soname), handle_(dlopen(soname, RTLD_NOW | RTLD_LOCAL)) {
    if (!handle_) {
      const char* why = dlerror();
      error_ = std::string("cannot load ") + soname + ": " + (why ? why : "unknown error");
    }
  }

  // Sets *fn to the function `name`, or to null and records why (the first missing one).
  template <class Fn>
  void Find(Fn* fn, const char* name) {
    void* p = handle_ ? dlsym(handle_, name) : nullptr;
    std::memcpy(fn, &p, sizeof *fn);  // a data pointer to a function pointer, as POSIX allows
    if (!p && error_.empty()) error_ = std::string(soname_) + " lacks " + name;
  }

  // True when the library opened and every Find so far found its function.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  const char* soname_;
  void* handle_;
  std::string error_;
};

}  // namespace samvad::model
