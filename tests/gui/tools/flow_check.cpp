// flow_check.cpp — after a scripted complaint flow, checks what the kiosk stored: exactly one
// complaint with the expected fields, an outbox entry and a first status event; each photo file
// present, its SHA-256 equal to the row's, upright (the fixture was sideways), at most 1600 px,
// and carrying no metadata at all (no APPn segment but JFIF, no comment, no "Exif", no GPS).
//   flow_check DATA_DIR key=value...   keys: lang category landmark description phone photos
//   flow_check DATA_DIR complaints=0   nothing stored: no complaint row, no file in photos/ or
//                                      session/ (after an idle reset, say)
#include <sodium.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;
void Expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "flow_check: FAILED: %s\n", what.c_str());
    ++failures;
  }
}

std::vector<unsigned char> Read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::string Hex(const unsigned char* d, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) { s.push_back(k[d[i] >> 4]); s.push_back(k[d[i] & 15]); }
  return s;
}

// Walks the JPEG's segments up to the scan: returns its size from SOF, and every marker seen.
bool JpegInfo(const std::vector<unsigned char>& b, int* w, int* h, std::vector<int>* markers) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return false;
    const int m = b[i + 1];
    markers->push_back(m);
    const size_t len = (static_cast<size_t>(b[i + 2]) << 8) | b[i + 3];
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && i + 9 <= b.size()) {
      *h = (b[i + 5] << 8) | b[i + 6];
      *w = (b[i + 7] << 8) | b[i + 8];
    }
    if (m == 0xDA) return true;  // start of scan: the headers are over
    i += 2 + len;
  }
  return false;
}

bool Contains(const std::vector<unsigned char>& b, const char* s) {
  const size_t n = std::strlen(s);
  for (size_t i = 0; i + n <= b.size(); ++i)
    if (std::memcmp(&b[i], s, n) == 0) return true;
  return false;
}

std::string Col(sqlite3_stmt* st, int i) {
  const unsigned char* t = sqlite3_column_text(st, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || sodium_init() < 0) {
    std::fprintf(stderr, "usage: flow_check DATA_DIR key=value...\n");
    return 2;
  }
  const std::string data = argv[1];
  std::map<std::string, std::string> want;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const size_t eq = a.find('=');
    if (eq != std::string::npos) want[a.substr(0, eq)] = a.substr(eq + 1);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((data + "/samvad.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "flow_check: cannot open %s/samvad.db\n", data.c_str());
    return 1;
  }
  sqlite3_stmt* st = nullptr;
  if (want.count("complaints") && want["complaints"] == "0") {
    sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM complaints) + (SELECT count(*) FROM photos) + "
                           "(SELECT count(*) FROM outbox)", -1, &st, nullptr);
    Expect(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0, "no complaint, photo or outbox row");
    sqlite3_finalize(st);
    sqlite3_close(db);
    // Nor any file: photos/, session/ and the data folder's temporaries.
    int files = 0;
    for (const char* sub : {"/photos", "/session"}) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(data + sub, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file()) { ++files; std::fprintf(stderr, "flow_check: left behind: %s\n", it->path().c_str()); }
    }
    Expect(files == 0, "no photo or session file left");
    // The database file and its WAL hold no trace of what was typed.
    for (const char* f : {"/samvad.db", "/samvad.db-wal"}) {
      const std::vector<unsigned char> b = Read(data + f);
      if (want.count("absent")) Expect(!Contains(b, want["absent"].c_str()), std::string(f) + " holds no '" + want["absent"] + "'");
    }
    std::printf("flow_check: nothing stored: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
  }
  sqlite3_prepare_v2(db, "SELECT ticket, lang, category, landmark, description, ifnull(phone,''), status, "
                         "(SELECT count(*) FROM outbox o WHERE o.ticket = c.ticket), "
                         "(SELECT count(*) FROM status_events e WHERE e.ticket = c.ticket) FROM complaints c", -1, &st, nullptr);
  int rows = 0;
  std::string ticket;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ++rows;
    ticket = Col(st, 0);
    const char* names[] = {"ticket", "lang", "category", "landmark", "description", "phone"};
    for (int c = 1; c <= 5; ++c)
      if (want.count(names[c])) Expect(Col(st, c) == want[names[c]], std::string(names[c]) + " is '" + Col(st, c) + "', expected '" + want[names[c]] + "'");
    Expect(Col(st, 6) == "filed", "status is filed");
    Expect(sqlite3_column_int(st, 7) == 1, "one outbox entry");
    Expect(sqlite3_column_int(st, 8) == 1, "one status event");
  }
  sqlite3_finalize(st);
  Expect(rows == 1, "exactly one complaint (found " + std::to_string(rows) + ")");

  sqlite3_prepare_v2(db, "SELECT sha256, width, height, file, thumb_file, thumb_sha256 FROM photos WHERE ticket = ? ORDER BY idx", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, ticket.c_str(), -1, SQLITE_TRANSIENT);
  int photos = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ++photos;
    for (int which = 0; which < 2; ++which) {
      const std::string file = data + "/photos/" + Col(st, which == 0 ? 3 : 4);
      const std::vector<unsigned char> b = Read(file);
      Expect(!b.empty(), "photo file present: " + file);
      unsigned char d[crypto_hash_sha256_BYTES];
      crypto_hash_sha256(d, b.data(), b.size());
      Expect(Hex(d, sizeof d) == Col(st, which == 0 ? 0 : 5), "sha256 matches the row: " + file);
      int w = 0, h = 0;
      std::vector<int> markers;
      Expect(JpegInfo(b, &w, &h, &markers), "a readable JPEG: " + file);
      for (int m : markers) {
        Expect(!(m >= 0xE1 && m <= 0xEF), "no APPn metadata segment (found FF" + std::to_string(m) + ") in " + file);
        Expect(m != 0xFE, "no comment segment in " + file);
      }
      Expect(!Contains(b, "Exif") && !Contains(b, "GPS"), "no Exif/GPS bytes in " + file);
      if (which == 0) {
        Expect(w == sqlite3_column_int(st, 1) && h == sqlite3_column_int(st, 2), "dimensions match the row");
        Expect(std::max(w, h) <= 1600, "long edge at most 1600 px (" + std::to_string(w) + "x" + std::to_string(h) + ")");
        if (want.count("upright")) Expect(h > w, "stored upright: the sideways fixture (EXIF 6) is taller than wide");
        std::printf("flow_check: photo %d: %dx%d, %zu bytes, markers:", photos, w, h, b.size());
        for (int m : markers) std::printf(" FF%02X", m);
        std::printf("\n");
      } else {
        Expect(std::max(w, h) <= 320, "thumbnail long edge at most 320 px");
      }
    }
  }
  sqlite3_finalize(st);
  if (want.count("photos")) Expect(photos == std::stoi(want["photos"]), "photo count " + std::to_string(photos));
  sqlite3_stmt* ic = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &ic, nullptr);
  Expect(sqlite3_step(ic) == SQLITE_ROW && Col(ic, 0) == "ok", "integrity_check ok");
  sqlite3_finalize(ic);
  sqlite3_close(db);
  std::printf("flow_check: ticket %s, %d photo(s): %s\n", ticket.c_str(), photos, failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
