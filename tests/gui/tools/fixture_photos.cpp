// fixture_photos.cpp — writes the photos a GUI test imports "from a USB stick": a 12 MP
// street photo taken sideways (EXIF orientation 6) with a GPS position planted in its EXIF, and
// the bad inputs of the kiosk issue (a truncated JPEG, corrupt bytes, a 0-byte file, a text file
// named .jpg, a PNG claiming 16000×16000), and the street photo again under another name. Built from tests/capture/fixtures (shared helpers).
//   fixture_photos DIR good|bad|work
// work: the street photo (before the repair), a second, different one (after; its EXIF says it
// was taken 2025-03-14 09:26:53 +05:30), the street photo again under another name, and
// citizen.jpg / citizen_thumb.jpg for a complaint a rig files on central directly.
// File times are set so the import list (newest first or by name) is in a known order.
#include <sys/stat.h>
#include <utime.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/capture/fixtures.h"

namespace {

bool Write(const std::string& path, const std::vector<std::uint8_t>& b, long mtime) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  f.close();
  if (!f) return false;
  const utimbuf t{mtime, mtime};
  return utime(path.c_str(), &t) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fixture_photos DIR good|bad|work\n");
    return 2;
  }
  const std::string dir = argv[1], kind = argv[2];
  mkdir(dir.c_str(), 0755);
  using namespace samvad::capture::fixtures;
  // Sideways 4000×3000 with orientation 6 and GPS: the kiosk must store it upright (1200×1600)
  // and with no metadata at all.
  const Bytes street = InsertAfterSoi(MakeJpeg(4000, 3000, 90, true), ExifApp1(6, false, true));
  long t = 1700000000;
  bool ok = Write(dir + "/street.jpg", street, t);
  if (kind == "bad") {
    const Bytes cut(street.begin(), street.begin() + static_cast<long>(street.size() * 6 / 10));
    Bytes corrupt = street;
    for (size_t i = corrupt.size() / 3; i < corrupt.size() / 3 + 4096 && i < corrupt.size(); ++i) corrupt[i] ^= 0x5A;
    const std::string text = "This is a shopping list, not a photo.\n";
    ok = ok && Write(dir + "/cut.jpg", cut, t - 10) && Write(dir + "/corrupt.jpg", corrupt, t - 20) &&
         Write(dir + "/empty.jpg", {}, t - 30) &&
         Write(dir + "/notes.jpg", Bytes(text.begin(), text.end()), t - 40) &&
         Write(dir + "/bomb.png", PngBomb(16000, 16000, 1 << 16), t - 50) &&
         Write(dir + "/street copy.jpg", street, t + 10);  // the same picture under another name
  }
  if (kind == "work") {
    // The repaired street as a phone's camera wrote it: with the time it was taken (EXIF), which
    // the work log keeps with the photo and sends to central.
    const Bytes repaired = InsertAfterSoi(MakeJpeg(2000, 1500, 90, false, 1), ExifTakenApp1("2025:03:14 09:26:53", "+05:30"));
    ok = ok && Write(dir + "/repaired.jpg", repaired, t - 10) &&
         Write(dir + "/street copy.jpg", street, t + 10);  // the same picture under another name
    const std::string citizen = dir + "/../citizen";
    mkdir(citizen.c_str(), 0755);
    ok = ok && Write(citizen + "/photo.jpg", MakeJpeg(1600, 1200, 85, true, 2), t) &&
         Write(citizen + "/thumb.jpg", MakeJpeg(320, 240, 80, true, 2), t);
  }
  if (!ok) {
    std::fprintf(stderr, "fixture_photos: cannot write into %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
