// import.cpp — see import.h. A hand-written walk rather than recursive_directory_iterator: an
// unreadable subfolder must be skipped while the top folder's failure is reported, and each
// entry's name is checked before anything else is done with it.
#include "app/capture/import.h"

#include "sync/model/utf8_check.h"

#include <algorithm>
#include <system_error>

namespace samvad::capture {
namespace {

namespace fs = std::filesystem;

bool IsPhotoName(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string ext;
  for (char c : name.substr(dot + 1)) ext.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

void Walk(const fs::path& dir, int depth, const ImportOptions& o, ImportListing* out) {
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return;  // an unreadable subfolder: skip (the top folder was checked by the caller)
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return;
    if (out->files.size() >= o.max_files) {
      out->truncated = true;
      return;
    }
    const fs::directory_entry& e = *it;
    // On Linux a name is bytes; native() gives them without any conversion that could throw.
    const std::string name = e.path().filename().native();
    if (!IsValidUtf8(name)) {
      ++out->skipped_names;
      continue;
    }
    if (name.empty() || name[0] == '.') continue;
    const fs::file_status st = e.symlink_status(ec);
    if (ec || fs::is_symlink(st)) continue;  // never followed: loops, and paths off the stick
    if (fs::is_directory(st)) {
      if (depth < o.max_depth) Walk(e.path(), depth + 1, o, out);
      continue;
    }
    if (!fs::is_regular_file(st) || !IsPhotoName(name)) continue;
    ImportCandidate c;
    c.mtime = e.last_write_time(ec);
    if (ec) continue;
    c.size = e.file_size(ec);
    if (ec) continue;
    c.path = e.path();
    c.display_name = name;
    out->files.push_back(std::move(c));
  }
}

}  // namespace

bool IsValidUtf8(std::string_view s) { return model::IsValidUtf8(s); }

ImportListing ListImportablePhotos(const fs::path& folder, const ImportOptions& options) {
  ImportListing out;
  std::error_code ec;
  // Opened once here so that a missing or unreadable top folder is reported, not skipped.
  fs::directory_iterator probe(folder, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  out.ok = true;
  Walk(folder, 0, options, &out);
  // Oldest first: the order the photos were taken, as a camera roll shows them.
  std::sort(out.files.begin(), out.files.end(), [](const ImportCandidate& a, const ImportCandidate& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
  });
  return out;
}

}  // namespace samvad::capture
