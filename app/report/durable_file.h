// durable_file.h — writing export files (CSV, PNG pages) so that a file under its final name is
// always complete: each is written as `<path>.part`, fsynced, renamed over `<path>`, and the
// folder is fsynced. Exports go to USB sticks that staff pull out whenever they like; a stick
// pulled mid-write leaves at most a `.part` file, never a short file that looks finished.
//
// Not app/store's files.h (content-addressed photo names, internal to the store): here the
// caller chooses the name. POSIX only.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace samvad::report {

struct OutFile {
  std::string path;                 // the final name
  std::vector<std::uint8_t> bytes;  // the whole content
};

// Writes every file, all or nothing as far as the final names go: every `.part` is written and
// fsynced before the first rename, so a full disk or an unwritable folder is found while no
// final name has been touched. On failure returns false with `*error` in English for the log
// and for staff ("… the disk is full …"), removes every `.part` it made, and removes any final
// name it had already renamed into place (so a set of pages is never left half there) — with
// one exception: when only the last step, the folder's fsync, fails, every file is complete
// and stays, and the error asks staff to export again. An existing file of the same name is
// replaced atomically.
bool WriteFilesDurably(const std::vector<OutFile>& files, std::string* error);

}  // namespace samvad::report
