// durable_file.cpp — see durable_file.h. Raw POSIX on purpose: iostreams cannot fsync.
#include "app/report/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace samvad::report {
namespace {

// Staff read this (the sync screen shows it), so the likely cause comes first in plain words.
std::string Explain(int err) {
  std::string why;
  switch (err) {
    case ENOSPC: case EDQUOT: case EFBIG: why = "the disk is full"; break;
    case EROFS: why = "the disk is read-only"; break;
    case EACCES: case EPERM: why = "this folder cannot be written to"; break;
    case ENOENT: case ENOTDIR: why = "the folder does not exist"; break;
    case EIO: case ENODEV: case ENXIO: why = "the disk stopped answering (was it removed?)"; break;
    default: break;
  }
  return why.empty() ? std::string(std::strerror(err)) : why + " (" + std::strerror(err) + ")";
}

std::string Folder(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool WriteAll(int fd, const std::vector<std::uint8_t>& bytes, int* err) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    done += static_cast<size_t>(w);
  }
  return true;
}

// Writes and fsyncs `<path>.part`. On failure nothing of it is left (as far as unlink can).
bool WritePart(const OutFile& f, std::string* error) {
  const std::string part = f.path + ".part";
  // O_TRUNC, not O_EXCL: a `.part` left by a stick pulled during an earlier export is ours.
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot write " + f.path + ": " + Explain(errno);
    return false;
  }
  int err = 0;
  // fsync before the rename: otherwise a power cut or a pulled stick can leave the final name
  // on a short or empty file (FAT and ext4 both allocate late).
  bool ok = WriteAll(fd, f.bytes, &err);
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    err = errno;
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(part.c_str());
    *error = "cannot write " + f.path + ": " + Explain(err);
  }
  return ok;
}

}  // namespace

bool WriteFilesDurably(const std::vector<OutFile>& files, std::string* error) {
  size_t written = 0;
  for (; written < files.size(); ++written)
    if (!WritePart(files[written], error)) break;
  const auto drop_parts = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) ::unlink((files[i].path + ".part").c_str());
  };
  if (written < files.size()) {
    drop_parts(0, written);
    return false;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (::rename((files[i].path + ".part").c_str(), files[i].path.c_str()) == 0) continue;
    *error = "cannot write " + files[i].path + ": " + Explain(errno);
    for (size_t k = 0; k < i; ++k) ::unlink(files[k].path.c_str());
    drop_parts(i, files.size());
    return false;
  }
  std::set<std::string> folders;
  for (const OutFile& f : files) folders.insert(Folder(f.path));
  for (const std::string& dir : folders) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0 && ::fsync(fd) != 0) err = errno;
    if (fd >= 0) ::close(fd);
    // EINVAL: a file system that cannot sync a folder (some FUSE mounts); nothing more to do.
    // Otherwise the files are complete but their names may not survive a power cut or an
    // unplug: they are left in place (unlinking would fail the same way) and staff are told.
    if (err != 0 && err != EINVAL) {
      *error = "written to " + dir + " but not confirmed by the disk: " + Explain(err) +
               "; export again before removing it";
      return false;
    }
  }
  return true;
}

}  // namespace samvad::report
