// files.cpp — see files.h. Raw POSIX calls on purpose: std::filesystem and iostreams cannot
// fsync, and "fsync the file, rename, fsync the directory" is the whole point of this file.
#include "app/store/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace samvad::store::files {
namespace {

Result Fail(const char* op, const std::string& path, int err) {
  Result r;
  r.err = err;
  r.what.append(op).push_back(' ');
  r.what.append(path).append(": ").append(std::strerror(err));
  return r;
}

std::string RandomHex(size_t n_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint8_t b[16] = {};
  n_bytes = n_bytes > sizeof b ? sizeof b : n_bytes;
  if (!RandomBytes(b, n_bytes)) {
    // A name collision is harmless (O_EXCL makes us retry), so the pid is a fine fallback.
    const auto pid = static_cast<unsigned>(::getpid());
    std::memcpy(b, &pid, sizeof pid);
  }
  std::string s;
  for (size_t i = 0; i < n_bytes; ++i) {
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 15]);
  }
  return s;
}

}  // namespace

bool IsNoSpace(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

bool RandomBytes(std::uint8_t* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::getrandom(out + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

Result WriteFileDurably(const std::string& dir, const std::string& final_name,
                        std::span<const std::uint8_t> bytes) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 4 && fd < 0; ++attempt) {
    tmp = dir + "/" + kTempPrefix + RandomHex(8);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) return Fail("create", tmp, errno);
  }
  if (fd < 0) return Fail("create", tmp, EEXIST);
  const auto abandon = [&](const char* op, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Fail(op, tmp, err);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return abandon("write", errno);
    }
    done += static_cast<size_t>(w);
  }
  // fsync before rename: otherwise a power cut can leave the final name pointing at an empty
  // or partly written file (ext4 delayed allocation; other filesystems make no promise at all).
  if (::fsync(fd) != 0) return abandon("fsync", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Fail("close", tmp, err);
  }
  const std::string final_path = dir + "/" + final_name;
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Fail("rename", final_path, err);
  }
  return {};
}

Result WriteFilesDurably(const std::string& dir, std::span<const PendingFile> files,
                         std::vector<std::string>* created) {
  struct Temp { int fd = -1; std::string path; };
  std::vector<Temp> temps;
  const auto abandon = [&](const char* op, const std::string& path, int err) {
    for (Temp& t : temps) {
      if (t.fd >= 0) ::close(t.fd);
      if (!t.path.empty()) ::unlink(t.path.c_str());
    }
    return Fail(op, path, err);
  };
  // 1. Write every temporary, and start its writeback now rather than at the first fsync.
  for (const PendingFile& f : files) {
    Temp t;
    for (int attempt = 0; attempt < 4 && t.fd < 0; ++attempt) {
      t.path = dir + "/" + kTempPrefix + RandomHex(8);
      t.fd = ::open(t.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (t.fd < 0 && errno != EEXIST) { const int err = errno; t.path.clear(); return abandon("create", dir, err); }
    }
    if (t.fd < 0) { t.path.clear(); return abandon("create", dir, EEXIST); }
    temps.push_back(t);
    size_t done = 0;
    while (done < f.bytes.size()) {
      const ssize_t w = ::write(t.fd, f.bytes.data() + done, f.bytes.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return abandon("write", t.path, errno);
      }
      done += static_cast<size_t>(w);
    }
    ::sync_file_range(t.fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint: its failure changes nothing
  }
  // 2. fsync each before any rename (a power cut must not leave a final name on a partial file).
  // One after another: fsyncs from several threads measured no faster here, and one thread keeps
  // the power-loss test's syscall trace in order.
  for (Temp& t : temps)
    if (::fsync(t.fd) != 0) return abandon("fsync", t.path, errno);
  for (Temp& t : temps) {
    const int rc = ::close(t.fd);
    t.fd = -1;
    if (rc != 0) return abandon("close", t.path, errno);
  }
  // 3. Rename into place.
  for (size_t i = 0; i < temps.size(); ++i) {
    const std::string final_path = dir + "/" + files[i].final_name;
    if (::rename(temps[i].path.c_str(), final_path.c_str()) != 0) return abandon("rename", final_path, errno);
    temps[i].path.clear();  // renamed: no longer ours to unlink
    created->push_back(files[i].final_name);
  }
  return {};
}

Result SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail("open", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Fail("fsync", dir, err);
  return {};
}

Result EnsureDir(const std::string& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return Fail("mkdir", dir, ENOTDIR);
  }
  const size_t slash = dir.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : dir.substr(0, slash));
  if (parent != dir) {
    if (Result r = EnsureDir(parent); !r) return r;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Fail("mkdir", dir, errno);
  return SyncDir(parent);
}

std::vector<std::string> ListFiles(const std::string& dir, Result* err) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (err) *err = Fail("opendir", dir, errno);
    return out;
  }
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st{};
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      out.push_back(name);
  }
  ::closedir(d);
  return out;
}

bool Exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace samvad::store::files
