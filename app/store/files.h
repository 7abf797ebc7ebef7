// files.h — durable file operations for photo files, in the order that survives a power cut:
// write a temporary name, fsync the file, rename to the final name, fsync the directory. Also
// the directory listing CleanOrphans needs. POSIX only; internal to app/store.
//
// Not a general filesystem layer: it knows the store's naming (content-addressed
// "<sha256>.jpg", temporaries ".tmp-<random>") and nothing else.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace samvad::store::files {

// errno-style result: 0 or the errno of the first failure.
struct Result {
  int err = 0;
  std::string what;  // "write /path: No space left on device", for the log
  explicit operator bool() const { return err == 0; }
};

// ENOSPC, EDQUOT, or EFBIG (a file size limit): the three ways "no room to write" arrives.
bool IsNoSpace(int err);

inline constexpr const char* kTempPrefix = ".tmp-";

// Writes `bytes` to `dir/.tmp-<random>`, fsyncs it and renames it to `dir/final_name`.
// On failure the temporary is removed and nothing under `final_name` changed. The caller fsyncs
// the directory (once for several files) before relying on the rename.
Result WriteFileDurably(const std::string& dir, const std::string& final_name,
                        std::span<const std::uint8_t> bytes);

// The same for several files with one batch of syncs: every temporary is written first (its
// writeback started at once), then each is fsynced, then each renamed. Each file is still fsynced
// before its rename; what changes is that on ext4 the first fsync's journal commit carries the
// others' metadata, so the rest return sooner (`make bench` prints the commit's cost against one
// fsync'd 4 KB append). `created` gets each final name renamed
// into place; on failure the caller removes those, and every temporary is already gone.
struct PendingFile {
  std::string final_name;
  std::span<const std::uint8_t> bytes;
};
Result WriteFilesDurably(const std::string& dir, std::span<const PendingFile> files,
                         std::vector<std::string>* created);

// fsync of a directory: makes the renames and unlinks inside it durable.
Result SyncDir(const std::string& dir);

// mkdir -p, then fsync of the parent, so a new folder survives a power cut.
Result EnsureDir(const std::string& dir);

// Names (not paths) of the regular files in `dir`; `err` set when it cannot be read.
std::vector<std::string> ListFiles(const std::string& dir, Result* err);

bool Exists(const std::string& path);

// 16 bytes from the kernel's CSPRNG (getrandom). Blocks only before the pool is first seeded,
// which on a kiosk is seconds after boot; never fails silently.
bool RandomBytes(std::uint8_t* out, size_t n);

}  // namespace samvad::store::files
