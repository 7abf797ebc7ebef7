// import.h — lists the photos a citizen can import from a folder, typically a USB stick's mount
// point: files named .jpg/.jpeg/.png (any case), oldest first by modification time. The name
// only picks candidates for the list; ProcessPhoto still judges each file by its bytes.
// It is not a file manager: it never follows symlinks, skips hidden entries (macOS leaves
// "._IMG_0001.JPG" resource forks on sticks, which are not images) and names that are not valid
// UTF-8 (the UI could not draw them, and a FAT stick mounted with the wrong iocharset yields
// them), and stops at `max_files` so a stick holding a whole archive cannot stall the import.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace samvad::capture {

struct ImportOptions {
  int max_depth = 3;              // 0: the folder alone; 2 reaches DCIM/100ANDRO/IMG.jpg
  std::size_t max_files = 2000;
};

struct ImportCandidate {
  std::filesystem::path path;
  std::string display_name;        // the file name, valid UTF-8
  std::filesystem::file_time_type mtime;
  std::uintmax_t size = 0;
};

struct ImportListing {
  // Environment failure: the folder itself could not be read (stick pulled, not mounted).
  // Unreadable subfolders are skipped, not reported.
  bool ok = false;
  std::string error;               // English, for the log
  std::vector<ImportCandidate> files;
  std::size_t skipped_names = 0;   // entries skipped for names that are not valid UTF-8
  bool truncated = false;          // stopped at max_files (which ones were kept is arbitrary)
};

ImportListing ListImportablePhotos(const std::filesystem::path& folder, const ImportOptions& options = {});

// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). Exposed for tests.
bool IsValidUtf8(std::string_view s);

}  // namespace samvad::capture
