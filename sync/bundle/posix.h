// posix.h — the few POSIX file calls the bundle library makes, internal to sync/bundle. Raw
// calls on purpose: iostreams cannot fsync, and a bundle on a USB stick is only safe when
// "fsync the file, rename, fsync the folder" happens in that order.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "sync/bundle/status.h"

namespace samvad::bundle::posix {

// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  void Reset();
  // close(2) with its result: on some filesystems (NFS, FUSE) a write error shows only here.
  bool Close();

 private:
  int fd_ = -1;
};

// Reads until `n` bytes or the end of the file; the count read, or -1 with errno set.
ssize_t ReadFull(int fd, void* buf, size_t n);
ssize_t PreadFull(int fd, void* buf, size_t n, off_t offset);
// False with errno set when not every byte could be written.
bool WriteAll(int fd, const void* buf, size_t n);
// fsync of the folder holding `path`, so a rename or link inside it survives a power cut.
bool SyncParentDir(const std::string& path);

// The status for a failed call: "<op> <path>: <strerror(err)>" under `code`.
BundleStatus Failure(BundleError code, const char* op, const std::string& path, int err);

}  // namespace samvad::bundle::posix
