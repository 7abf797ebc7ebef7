// import.tests.cpp — listing a USB stick's photos: by name (any case), oldest first, hidden
// files, symlinks and names that are not UTF-8 skipped, depth and count limits kept.
#include <catch2/catch.hpp>

#include <filesystem>

#include "app/capture/import.h"
#include "tests/capture/fixtures.h"

using namespace samvad::capture;
namespace fs = std::filesystem;
namespace fx = samvad::capture::fixtures;

namespace {

struct Stick {
  fx::TempDir dir{"capture-stick"};
  fs::path root = dir.path;
  Stick() {
    fs::create_directories(root / "DCIM" / "100ANDRO");
    fs::create_directories(root / "a" / "b" / "c" / "d");
  }
  void File(const fs::path& rel, int age_minutes) {
    fx::WriteFile((root / rel).string(), {0xFF, 0xD8, 0xFF});
    fs::last_write_time(root / rel, fs::file_time_type::clock::now() - std::chrono::minutes(age_minutes));
  }
};

std::vector<std::string> Names(const ImportListing& l) {
  std::vector<std::string> v;
  for (const auto& f : l.files) v.push_back(f.display_name);
  return v;
}

}  // namespace

TEST_CASE("photos on a stick are listed oldest first, matched by extension in any case", "[capture][import]") {
  Stick s;
  s.File("newest.PNG", 1);
  s.File("DCIM/100ANDRO/IMG_0002.JPG", 10);
  s.File("DCIM/100ANDRO/IMG_0001.jpeg", 20);
  s.File("oldest.Jpg", 30);
  s.File("notes.txt", 5);
  s.File("jpg", 5);                 // a name that is only the extension's letters
  s.File("archive.jpg.zip", 5);
  s.File("._oldest.Jpg", 40);       // macOS resource fork
  s.File("a/b/c/d/too-deep.jpg", 50);
  s.File("a/b/c/deep-enough.jpg", 25);
  fs::create_symlink(s.root / "oldest.Jpg", s.root / "link.jpg");
  fs::create_directory_symlink(s.root, s.root / "DCIM" / "loop");
  s.File(std::string("bad-\xff\xfe-name.jpg"), 3);

  const ImportListing l = ListImportablePhotos(s.root);
  REQUIRE(l.ok);
  CHECK(Names(l) == std::vector<std::string>{"oldest.Jpg", "deep-enough.jpg", "IMG_0001.jpeg", "IMG_0002.JPG", "newest.PNG"});
  CHECK(l.skipped_names == 1);
  CHECK_FALSE(l.truncated);
  for (const auto& f : l.files) CHECK(f.size == 3);

  SECTION("depth 0 is the folder alone") {
    ImportOptions o;
    o.max_depth = 0;
    CHECK(Names(ListImportablePhotos(s.root, o)) == std::vector<std::string>{"oldest.Jpg", "newest.PNG"});
  }
  SECTION("max_files stops the walk and says so") {
    ImportOptions o;
    o.max_files = 2;
    const ImportListing cut = ListImportablePhotos(s.root, o);
    CHECK(cut.files.size() == 2);
    CHECK(cut.truncated);
  }
}

TEST_CASE("a missing folder is an environment failure, not an empty stick", "[capture][import]") {
  const ImportListing l = ListImportablePhotos("/nonexistent/samvad/usb");
  CHECK_FALSE(l.ok);
  CHECK_FALSE(l.error.empty());
  CHECK(l.files.empty());
}

TEST_CASE("strict UTF-8", "[capture][import]") {
  CHECK(IsValidUtf8("IMG_0001.jpg"));
  CHECK(IsValidUtf8("खड्डा-रस्ता.jpg"));
  CHECK(IsValidUtf8("রাস্তা.png"));
  CHECK_FALSE(IsValidUtf8("\xff.jpg"));
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xe0\xa4"));          // cut short
}
