// bundle.tests.cpp — sync/bundle: keys and their files, round trips (records, photos, nothing),
// bounded memory for multi-megabyte photos, and every way a bundle must be refused — another
// central, a forged device, a flipped byte, a cut, appended junk, an interrupted export, hostile
// lengths in a hand-made bundle — each with its reason and with no item handed out.
//
// [SECTION] Allocation counter  peak heap use, for the bounded-memory checks
// [SECTION] Helpers             temporary folders, files, a standard bundle, reading everything
// [SECTION] Hand-made bundles   FORMAT.md followed byte by byte, without the library's writer
// [SECTION] Tests
#include <catch2/catch.hpp>

#include <malloc.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <vector>

#include "sync/bundle/bundle.h"
#include "sync/model/sha256.h"

using namespace samvad::bundle;
namespace fs = std::filesystem;

// [SECTION] Allocation counter -------------------------------------------------------------------
// Every operator new in this binary is counted, so a test can say "reading a 12 MB photo never
// had more than 1 MiB of heap live" — a claim about our code, not about the page cache.

namespace {
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};

void ResetPeak() { g_peak = g_live.load(); }
std::size_t PeakAbove(std::size_t base) { return g_peak.load() - base; }
}  // namespace

void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  const std::size_t now = g_live += malloc_usable_size(p);
  std::size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  return p;
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(n);
  } catch (...) {
    return nullptr;
  }
}
// GCC sees free() inside an operator delete and assumes the pointer came from new; here it came
// from the malloc in the operator new above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  if (!p) return;
  g_live -= malloc_usable_size(p);
  std::free(p);
}
#pragma GCC diagnostic pop
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { ::operator delete(p); }

namespace {

// [SECTION] Helpers ------------------------------------------------------------------------------

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "samvad-bundle-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// A photo of `size` random bytes, written 64 KiB at a time; its SHA-256 hex.
std::string RandomFile(const std::string& path, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<char> buf(64 * 1024);
  samvad::model::Sha256 sha;
  for (std::size_t done = 0; done < size;) {
    const std::size_t n = std::min(buf.size(), size - done);
    randombytes_buf(buf.data(), n);
    sha.Update(buf.data(), n);
    out.write(buf.data(), static_cast<std::streamsize>(n));
    done += n;
  }
  REQUIRE(out.good());
  std::string hex;
  for (const std::uint8_t b : sha.Final()) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
  return hex;
}

std::string Uuid(int n) { return "6f1c2a3e-0000-4000-8000-" + std::string(12 - std::to_string(n).size(), '0') + std::to_string(n); }

struct Keys {
  CentralKeyPair central = MakeCentralKeyPair();
  DeviceKeyPair a = MakeDeviceKeyPair();
  DeviceKeyPair b = MakeDeviceKeyPair();
  int lookups = 0;
  // Central knows dev-a and dev-b.
  DeviceKeyLookup Lookup() {
    return [this](std::string_view id) -> std::optional<DevicePublicKey> {
      ++lookups;
      if (id == "dev-a") return a.pk;
      if (id == "dev-b") return b.pk;
      return std::nullopt;
    };
  }
  BundleStatus Open(const std::string& path, std::unique_ptr<BundleReader>* r) {
    return OpenBundle(path, central.pk, central.sk, Lookup(), r);
  }
};

// One item as read back: a record's payload, or a file's bytes as a SHA-256 and a length.
struct ReadItem {
  ItemType type;
  std::string kind, id, payload_or_name, sha256;
  std::uint64_t size;
};

std::vector<ReadItem> ReadEverything(BundleReader& r, BundleStatus* st) {
  std::vector<ReadItem> items;
  std::vector<std::uint8_t> buf(10000);  // not a divisor of a chunk, to cross chunk edges oddly
  BundleItem item;
  while (r.Next(&item, st)) {
    ReadItem got{item.type, item.kind, item.id, item.type == ItemType::kRecord ? item.payload : item.name, "", item.size};
    if (item.type == ItemType::kFile) {
      samvad::model::Sha256 sha;
      std::uint64_t total = 0;
      for (std::size_t n = 1; n > 0; total += n) {
        *st = r.ReadFile(buf, &n);
        if (!*st) return items;
        sha.Update(buf.data(), n);
      }
      CHECK(total == item.size);
      for (const std::uint8_t b : sha.Final()) got.sha256 += "0123456789abcdef"[b >> 4], got.sha256 += "0123456789abcdef"[b & 15];
    }
    items.push_back(got);
  }
  return items;
}

// The bundle most refusal tests start from: three records and a 200 KB photo — four chunks, so
// there is a first, a middle and a last one to damage.
std::string StandardBundle(Keys& k, const TempDir& dir) {
  const std::string photo = dir / "photo.jpg";
  RandomFile(photo, 200 * 1000);
  const std::string path = dir / "standard.samvad";
  BundleWriter w;
  REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-a", 1714550000));
  for (int i = 0; i < 3; ++i) REQUIRE(w.AddRecord("complaint", Uuid(i), R"({"description":"खड्डा )" + std::to_string(i) + "\"}"));
  REQUIRE(w.AddFile("photo", Uuid(0), "0a1b.jpg", photo));
  REQUIRE(w.Finish());
  REQUIRE(fs::file_size(path) == 202 + 4 * 65536);
  return path;
}

// [SECTION] Hand-made bundles --------------------------------------------------------------------
// Built from FORMAT.md's tables alone: if the writer and the document drift apart, the
// conformance test below fails. Also the only way to make an authentic bundle with items no
// writer would produce.

std::string Le(std::uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}
std::string Short(const std::string& s) { return static_cast<char>(s.size()) + s; }
std::string RecordFrame(const std::string& kind, const std::string& id, const std::string& payload,
                        std::uint64_t declared) {
  return "R" + Short(kind) + Short(id) + Le(declared, 4) + payload;
}
std::string RecordFrame(const std::string& kind, const std::string& id, const std::string& payload) {
  return RecordFrame(kind, id, payload, payload.size());
}
std::string FileFrame(const std::string& id, const std::string& name, const std::string& bytes, std::uint64_t declared) {
  return "F" + Short("photo") + Short(id) + Short(name) + Le(declared, 8) + bytes;
}

struct HandMade {
  std::string device_id = "dev-a";
  std::string frames;            // the items, as FORMAT.md lays them out
  bool end = true;               // the end frame and signature after them
  std::string after_signature;   // bytes between the signature and the zero padding
  bool extra_chunk = false;      // one more (zero) chunk after the signature's, which is then not final

  std::string Build(const CentralPublicKey& central, const DeviceSecretKey& device) const {
    std::string header = "SAMVADB1" + Le(1, 2) + std::string(16, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(header.data() + 10), 16, central.bytes.data(), 32, nullptr, 0);
    std::string key(32, '\0');
    crypto_secretstream_xchacha20poly1305_keygen(reinterpret_cast<unsigned char*>(key.data()));
    std::string info = Le(1714550000, 8) + Short(device_id);
    info.resize(72, '\0');
    const std::string sealed_plain = key + info;
    std::string sealed(48 + sealed_plain.size(), '\0');
    crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), reinterpret_cast<const unsigned char*>(sealed_plain.data()),
                    sealed_plain.size(), central.bytes.data());
    crypto_secretstream_xchacha20poly1305_state st;
    std::string stream_header(24, '\0');
    crypto_secretstream_xchacha20poly1305_init_push(&st, reinterpret_cast<unsigned char*>(stream_header.data()),
                                                    reinterpret_cast<const unsigned char*>(key.data()));
    const std::string prefix = header + sealed + stream_header;

    std::string plain = frames;
    if (end) {
      plain += "E";
      const std::string signed_part = header + info + plain;
      crypto_sign_state sign;
      crypto_sign_init(&sign);
      crypto_sign_update(&sign, reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size());
      std::string sig(64, '\0');
      crypto_sign_final_create(&sign, reinterpret_cast<unsigned char*>(sig.data()), nullptr, device.bytes.data());
      plain += sig + after_signature;
    }
    const std::size_t chunk = 65536 - 17;
    plain.resize(((plain.size() + chunk - 1) / chunk + (extra_chunk ? 1 : 0)) * chunk, '\0');
    std::string file = prefix;
    for (std::size_t at = 0; at < plain.size(); at += chunk) {
      std::string c(65536, '\0');
      const bool first = at == 0, last = at + chunk == plain.size();
      crypto_secretstream_xchacha20poly1305_push(
          &st, reinterpret_cast<unsigned char*>(c.data()), nullptr, reinterpret_cast<const unsigned char*>(plain.data() + at),
          chunk, first ? reinterpret_cast<const unsigned char*>(prefix.data()) : nullptr, first ? prefix.size() : 0,
          last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
      file += c;
    }
    return file;
  }
};

bool Mentions(const BundleStatus& st, const std::string& s) { return st.message.find(s) != std::string::npos; }

}  // namespace

// [SECTION] Tests --------------------------------------------------------------------------------

TEST_CASE("Keys are made, written as labelled text and read back; kinds cannot be mixed up", "[bundle][keys]") {
  TempDir dir;
  const CentralKeyPair c = MakeCentralKeyPair();
  const DeviceKeyPair d = MakeDeviceKeyPair();
  CHECK(KeysMatch(c.pk, c.sk));
  CHECK_FALSE(KeysMatch(MakeCentralKeyPair().pk, c.sk));

  SECTION("as text") {
    const std::string text = KeyToText(c.pk);
    CHECK(text.rfind("samvad-central-box-public-v1 ", 0) == 0);
    CHECK(text.size() == 29 + 64 + 1);
    CentralPublicKey back;
    REQUIRE(KeyFromText(text, &back));
    CHECK(back.bytes == c.pk.bytes);
    DevicePublicKey wrong_kind;
    CHECK_FALSE(KeyFromText(text, &wrong_kind));
    std::string upper = text;  // hex is written lower-case, and only that is read
    const std::size_t letter = upper.find_first_of("abcdef", 29);
    REQUIRE(letter != std::string::npos);
    upper[letter] = static_cast<char>(upper[letter] - 'a' + 'A');
    CHECK_FALSE(KeyFromText(upper, &back));
    CHECK_FALSE(KeyFromText(text.substr(0, text.size() - 3), &back));
    DeviceSecretKey dsk;
    REQUIRE(KeyFromText(KeyToText(d.sk), &dsk));
    CHECK(dsk.bytes == d.sk.bytes);
  }
  SECTION("as files: secret halves are 0600 and never overwritten") {
    const std::string path = dir / "central.key";
    REQUIRE(SaveKeyFile(path, c.sk));
    struct stat sb {};
    REQUIRE(::stat(path.c_str(), &sb) == 0);
    CHECK((sb.st_mode & 0777) == 0600);
    CentralSecretKey back;
    REQUIRE(LoadKeyFile(path, &back));
    CHECK(back.bytes == c.sk.bytes);

    const BundleStatus again = SaveKeyFile(path, MakeCentralKeyPair().sk);
    CHECK(again.code == BundleError::kInvalidArgument);
    CHECK(Mentions(again, "never overwritten"));
    REQUIRE(LoadKeyFile(path, &back));
    CHECK(back.bytes == c.sk.bytes);

    REQUIRE(SaveKeyFile(dir / "device.key", d.sk));
    CentralSecretKey not_central;
    const BundleStatus mixed = LoadKeyFile(dir / "device.key", &not_central);
    CHECK(mixed.code == BundleError::kInvalidArgument);
    CHECK(Mentions(mixed, "is not a samvad-central-box-secret-v1 key file"));
    CHECK(LoadKeyFile(dir / "missing.key", &back).code == BundleError::kIo);
    for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("Records and photos come out of a bundle exactly as they went in", "[bundle][roundtrip]") {
  Keys k;
  TempDir dir;
  const std::string small = RandomFile(dir / "thumb.jpg", 3000);
  const std::string big = RandomFile(dir / "photo.jpg", 300 * 1000);
  const std::string empty = RandomFile(dir / "empty.jpg", 0);
  const std::string path = dir / "out.samvad";
  {
    BundleWriter w;
    REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-a", 1714550000));
    REQUIRE(w.AddRecord("complaint", Uuid(1), R"({"description":"गड्ढा রাস্তা","ward":"8"})"));
    REQUIRE(w.AddFile("photo", Uuid(1), "aa11.jpg", dir / "photo.jpg"));
    REQUIRE(w.AddFile("thumb", Uuid(1), "aa11.thumb.jpg", dir / "thumb.jpg"));
    REQUIRE(w.AddRecord("update", Uuid(2), ""));
    REQUIRE(w.AddFile("photo", Uuid(2), "empty.jpg", dir / "empty.jpg"));
    REQUIRE(w.AddRecord("complaint", Uuid(3), std::string(200 * 1000, 'x')));
    CHECK_FALSE(fs::exists(path));  // only Finish makes the real name
    CHECK(fs::exists(path + ".part"));
    REQUIRE(w.Finish());
  }
  CHECK(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".part"));
  CHECK((fs::file_size(path) - 202) % 65536 == 0);

  std::unique_ptr<BundleReader> r;
  REQUIRE(k.Open(path, &r));
  REQUIRE(r);
  CHECK(r->device_id() == "dev-a");
  CHECK(r->created_at() == 1714550000);
  CHECK(r->item_count() == 6);

  SECTION("every item, every byte") {
    BundleStatus st;
    const std::vector<ReadItem> items = ReadEverything(*r, &st);
    REQUIRE(st);
    REQUIRE(items.size() == 6);
    CHECK(items[0].type == ItemType::kRecord);
    CHECK(items[0].kind == "complaint");
    CHECK(items[0].id == Uuid(1));
    CHECK(items[0].payload_or_name == R"({"description":"गड्ढा রাস্তা","ward":"8"})");
    CHECK(items[1].type == ItemType::kFile);
    CHECK(items[1].payload_or_name == "aa11.jpg");
    CHECK(items[1].size == 300 * 1000);
    CHECK(items[1].sha256 == big);
    CHECK(items[2].kind == "thumb");
    CHECK(items[2].sha256 == small);
    CHECK(items[3].kind == "update");
    CHECK(items[3].payload_or_name.empty());
    CHECK(items[4].size == 0);
    CHECK(items[4].sha256 == empty);
    CHECK(items[5].payload_or_name == std::string(200 * 1000, 'x'));
    BundleItem more;
    CHECK_FALSE(r->Next(&more, &st));  // stays at the end
    CHECK(st);
  }
  SECTION("a photo not read is skipped, and the next item is intact") {
    BundleItem item;
    BundleStatus st;
    REQUIRE(r->Next(&item, &st));
    REQUIRE(r->Next(&item, &st));
    CHECK(item.name == "aa11.jpg");
    std::vector<std::uint8_t> few(10);
    std::size_t got = 0;
    REQUIRE(r->ReadFile(few, &got));
    CHECK(got == 10);
    REQUIRE(r->Next(&item, &st));
    CHECK(item.name == "aa11.thumb.jpg");
    REQUIRE(r->Next(&item, &st));
    CHECK(item.kind == "update");
    REQUIRE(r->ReadFile(few, &got));  // a record has no file bytes
    CHECK(got == 0);
  }
  SECTION("reading it twice gives the same items: deduplication is the importer's, by id") {
    BundleStatus st;
    const auto first = ReadEverything(*r, &st);
    std::unique_ptr<BundleReader> again;
    REQUIRE(k.Open(path, &again));
    const auto second = ReadEverything(*again, &st);
    REQUIRE(first.size() == second.size());
    for (std::size_t i = 0; i < first.size(); ++i) CHECK((first[i].id == second[i].id && first[i].sha256 == second[i].sha256));
  }
}

TEST_CASE("A bundle with no items round-trips", "[bundle][roundtrip]") {
  Keys k;
  TempDir dir;
  const std::string path = dir / "empty.samvad";
  BundleWriter w;
  REQUIRE(w.Open(path, k.central.pk, k.b.sk, "dev-b", 0));
  REQUIRE(w.Finish());
  CHECK(fs::file_size(path) == 202 + 65536);
  std::unique_ptr<BundleReader> r;
  REQUIRE(k.Open(path, &r));
  CHECK(r->device_id() == "dev-b");
  CHECK(r->item_count() == 0);
  BundleItem item;
  BundleStatus st;
  CHECK_FALSE(r->Next(&item, &st));
  CHECK(st);
}

TEST_CASE("Multi-megabyte photos stream through writer and reader in bounded memory", "[bundle][memory]") {
  Keys k;
  TempDir dir;
  const std::size_t sizes[] = {3u << 20, 7u << 20, 12u << 20};
  std::vector<std::string> shas;
  for (std::size_t i = 0; i < 3; ++i) shas.push_back(RandomFile(dir / ("p" + std::to_string(i) + ".jpg"), sizes[i]));
  const std::string path = dir / "big.samvad";

  const std::size_t base = g_live.load();
  ResetPeak();
  {
    BundleWriter w;
    REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-a", 1));
    for (std::size_t i = 0; i < 3; ++i) REQUIRE(w.AddFile("photo", Uuid(static_cast<int>(i)), "p" + std::to_string(i) + ".jpg", dir / ("p" + std::to_string(i) + ".jpg")));
    REQUIRE(w.Finish());
  }
  const std::size_t writer_peak = PeakAbove(base);
  CHECK(fs::file_size(path) > (22u << 20));
  CHECK(writer_peak < (1u << 20));

  ResetPeak();
  std::unique_ptr<BundleReader> r;
  REQUIRE(k.Open(path, &r));
  const std::size_t verify_peak = PeakAbove(base);
  BundleStatus st;
  const auto items = ReadEverything(*r, &st);
  const std::size_t read_peak = PeakAbove(base);
  REQUIRE(st);
  REQUIRE(items.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(items[i].size == sizes[i]);
    CHECK(items[i].sha256 == shas[i]);
  }
  INFO("peak heap above the start: writer " << writer_peak << ", verify " << verify_peak << ", read " << read_peak);
  CHECK(verify_peak < (1u << 20));
  CHECK(read_peak < (1u << 20));
}

TEST_CASE("Files that are not bundles are refused as such", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  std::unique_ptr<BundleReader> r;
  WriteAll(dir / "notes.txt", "Ward 8 complaints, handwritten list\n");
  BundleStatus st = k.Open(dir / "notes.txt", &r);
  CHECK(st.code == BundleError::kNotABundle);
  CHECK(Mentions(st, "not a Samvad bundle: it does not start with SAMVADB1"));
  REQUIRE(::mkfifo((dir / "pipe").c_str(), 0600) == 0);
  CHECK(k.Open(dir / "pipe", &r).code == BundleError::kNotABundle);
  CHECK(k.Open(dir.path.string(), &r).code == BundleError::kNotABundle);
  st = k.Open(dir / "missing.samvad", &r);
  CHECK(st.code == BundleError::kIo);
  CHECK(Mentions(st, "No such file or directory"));
  WriteAll(dir / "future.samvad", std::string("SAMVADB1\x02\x00", 10));  // a newer header may be longer
  st = k.Open(dir / "future.samvad", &r);
  CHECK(st.code == BundleError::kVersionTooNew);
  CHECK(Mentions(st, "bundle format 2, and this program reads format 1; update samvad-central"));
  CHECK_FALSE(r);
  CHECK(k.lookups == 0);
}

TEST_CASE("A bundle sealed to another central is refused as not addressed to it", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  const std::string path = StandardBundle(k, dir);
  const CentralKeyPair other = MakeCentralKeyPair();
  std::unique_ptr<BundleReader> r;
  const BundleStatus st = OpenBundle(path, other.pk, other.sk, k.Lookup(), &r);
  CHECK(st.code == BundleError::kNotForThisCentral);
  CHECK(Mentions(st, "addressed to another central"));
  CHECK_FALSE(r);

  SECTION("and central's halves of two different pairs are a configuration error, not tampering") {
    const BundleStatus mixed = OpenBundle(path, k.central.pk, other.sk, k.Lookup(), &r);
    CHECK(mixed.code == BundleError::kInvalidArgument);
    CHECK(Mentions(mixed, "not one pair"));
  }
}

TEST_CASE("A bundle signed by one device but naming another is refused", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  const std::string path = dir / "forged.samvad";
  BundleWriter w;
  REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-b", 1));  // device A's key, device B's name
  REQUIRE(w.AddRecord("complaint", Uuid(1), "{}"));
  REQUIRE(w.Finish());
  std::unique_ptr<BundleReader> r;
  BundleStatus st = k.Open(path, &r);
  CHECK(st.code == BundleError::kBadSignature);
  CHECK(Mentions(st, "says it comes from device dev-b, but is not signed with that device's key"));
  CHECK_FALSE(r);

  SECTION("and one from a device central does not know is refused before its stream is read") {
    const std::string stranger = dir / "stranger.samvad";
    BundleWriter s;
    REQUIRE(s.Open(stranger, k.central.pk, MakeDeviceKeyPair().sk, "dev-zz", 1));
    REQUIRE(s.Finish());
    st = k.Open(stranger, &r);
    CHECK(st.code == BundleError::kUnknownDevice);
    CHECK(Mentions(st, "device dev-zz, which this central does not know"));
    CHECK_FALSE(r);
  }
}

TEST_CASE("A flipped byte is refused with the reason for where it is, and no item is handed out", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  const std::string path = StandardBundle(k, dir);
  const std::string good = ReadAll(path);
  const std::size_t size = good.size();
  const std::string bad = dir / "flipped.samvad";

  const auto expected = [&](std::size_t pos) {
    if (pos < 8) return BundleError::kNotABundle;
    if (pos < 10) return BundleError::kVersionTooNew;  // 0x80 makes any version byte larger
    if (pos < 26) return BundleError::kNotForThisCentral;
    return BundleError::kTampered;  // key block, stream header, any chunk
  };
  const auto check = [&](std::size_t pos) {
    std::string bytes = good;
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x80);
    WriteAll(bad, bytes);
    std::unique_ptr<BundleReader> r;
    const BundleStatus st = k.Open(bad, &r);
    INFO("byte " << pos << ": " << st.message);
    CHECK(st.code == expected(pos));
    CHECK_FALSE(r);
  };

  SECTION("chosen positions: header, key block, stream header, first, middle and last chunk") {
    for (const std::size_t pos : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{9}, std::size_t{10}, std::size_t{25},
                                  std::size_t{26}, std::size_t{57}, std::size_t{120}, std::size_t{177}, std::size_t{178},
                                  std::size_t{201}, std::size_t{202}, std::size_t{202 + 65535}, size / 2, size - 65536,
                                  size - 30000, size - 17, size - 1})
      check(pos);
    std::string bytes = good;
    bytes[202 + 2 * 65536 + 5] ^= 1;
    WriteAll(bad, bytes);
    std::unique_ptr<BundleReader> r;
    const BundleStatus st = k.Open(bad, &r);
    CHECK(Mentions(st, "tampered or damaged: chunk 3 of its encrypted stream (at byte 131274) fails authentication"));
  }
  SECTION("every 1021st byte of the file") {
    for (std::size_t pos = 0; pos < size; pos += 1021) check(pos);
  }
}

TEST_CASE("A bundle cut short at any length is refused as truncated", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  const std::string path = StandardBundle(k, dir);
  const std::string good = ReadAll(path);
  const std::size_t size = good.size();
  const std::string cut = dir / "cut.samvad";
  const auto check = [&](std::size_t len) {
    WriteAll(cut, good.substr(0, len));
    std::unique_ptr<BundleReader> r;
    const BundleStatus st = k.Open(cut, &r);
    INFO("length " << len << ": " << st.message);
    CHECK(st.code == BundleError::kTruncated);
    CHECK_FALSE(r);
  };
  SECTION("at the edges that matter") {
    // Empty, inside the magic, after the header, inside the key block, after the whole prefix,
    // inside the first chunk, just before the final chunk, inside it, and one byte short.
    for (const std::size_t len : {std::size_t{0}, std::size_t{7}, std::size_t{26}, std::size_t{100}, std::size_t{202},
                                  std::size_t{202 + 1000}, size - 65536, size - 65535, size - 1000, size - 1})
      check(len);
    WriteAll(cut, good.substr(0, size - 65536));
    std::unique_ptr<BundleReader> r;
    CHECK(Mentions(k.Open(cut, &r), "ends after 3 chunks of its encrypted stream, without the final one"));
    WriteAll(cut, good.substr(0, size - 1));
    CHECK(Mentions(k.Open(cut, &r), "chunk 4 of its encrypted stream (at byte 196810) has 65535 of its 65536 bytes"));
    WriteAll(cut, "");
    CHECK(Mentions(k.Open(cut, &r), "truncated: the file is empty"));
  }
  SECTION("every 4099th length") {
    for (std::size_t len = 1; len < size; len += 4099) check(len);
  }
}

TEST_CASE("Bytes appended after the final chunk are refused", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  const std::string path = StandardBundle(k, dir);
  const std::string good = ReadAll(path);
  for (const std::size_t extra : {std::size_t{1}, std::size_t{17}, std::size_t{65536}}) {
    WriteAll(path, good + std::string(extra, '\x5a'));
    std::unique_ptr<BundleReader> r;
    const BundleStatus st = k.Open(path, &r);
    INFO(st.message);
    CHECK(st.code == BundleError::kTampered);
    CHECK(Mentions(st, std::to_string(extra) + " bytes follow its final chunk"));
    CHECK_FALSE(r);
  }
}

TEST_CASE("An interrupted export leaves only a .part, which is never accepted", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  RandomFile(dir / "photo.jpg", 400 * 1000);
  const std::string path = dir / "usb.samvad";

  SECTION("the process dies mid-export") {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {  // the child writes half a bundle and dies without unwinding anything
      BundleWriter w;
      const bool ok = w.Open(path, k.central.pk, k.a.sk, "dev-a", 1) && w.AddRecord("complaint", Uuid(1), "{}") &&
                      w.AddFile("photo", Uuid(1), "p.jpg", dir / "photo.jpg");
      ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK_FALSE(fs::exists(path));
    REQUIRE(fs::exists(path + ".part"));
    CHECK(fs::file_size(path + ".part") > 202);

    std::unique_ptr<BundleReader> r;
    BundleStatus st = k.Open(path + ".part", &r);
    CHECK(st.code == BundleError::kTruncated);
    CHECK(Mentions(st, "an unfinished bundle: its export was interrupted"));
    CHECK_FALSE(r);
    // Renamed by hand, its content still gives it away: the stream has no final chunk.
    fs::rename(path + ".part", dir / "renamed.samvad");
    st = k.Open(dir / "renamed.samvad", &r);
    CHECK(st.code == BundleError::kTruncated);
    CHECK_FALSE(r);
  }
  SECTION("a .part is refused by its name even when every byte is there") {
    const std::string done = StandardBundle(k, dir);
    fs::copy_file(done, done + ".part");
    std::unique_ptr<BundleReader> r;
    CHECK(k.Open(done + ".part", &r).code == BundleError::kTruncated);
    CHECK_FALSE(r);
  }
  SECTION("a writer dropped without Finish removes its .part") {
    {
      BundleWriter w;
      REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-a", 1));
      REQUIRE(w.AddFile("photo", Uuid(1), "p.jpg", dir / "photo.jpg"));
      CHECK(fs::exists(path + ".part"));
    }
    CHECK_FALSE(fs::exists(path + ".part"));
    CHECK_FALSE(fs::exists(path));
  }
}

TEST_CASE("A file that changes after it was verified fails the second pass, which says so", "[bundle][refuse]") {
  Keys k;
  TempDir dir;
  const std::string path = StandardBundle(k, dir);
  std::unique_ptr<BundleReader> r;
  REQUIRE(k.Open(path, &r));
  fs::resize_file(path, 202 + 65536 + 100);  // the stick is pulled; the rest of the file is gone
  BundleStatus st;
  ReadEverything(*r, &st);
  CHECK(st.code == BundleError::kTruncated);
  CHECK(Mentions(st, "after it was verified: keep nothing imported from it"));
  BundleItem item;
  CHECK_FALSE(r->Next(&item, &st));  // and keeps saying so
  CHECK(st.code == BundleError::kTruncated);
}

TEST_CASE("The writer refuses bad arguments and carries on; an I/O failure abandons the bundle", "[bundle][writer]") {
  Keys k;
  TempDir dir;
  const std::string path = dir / "out.samvad";
  BundleWriter w;
  SECTION("opening") {
    CHECK(w.Open(dir / "x.part", k.central.pk, k.a.sk, "dev-a", 1).code == BundleError::kInvalidArgument);
    BundleWriter w2, w3, w4;
    CHECK(w2.Open(path, k.central.pk, k.a.sk, std::string(64, 'd'), 1).code == BundleError::kInvalidArgument);
    CHECK(w3.Open(path, k.central.pk, k.a.sk, "dev a", 1).code == BundleError::kInvalidArgument);
    CHECK(w4.Open(dir / "no-such-folder/out.samvad", k.central.pk, k.a.sk, "dev-a", 1).code == BundleError::kIo);
    CHECK_FALSE(fs::exists(path + ".part"));
  }
  SECTION("items") {
    REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-a", 1));
    fs::create_directory(dir / "folder");
    CHECK(w.AddRecord("Complaint", Uuid(1), "{}").code == BundleError::kInvalidArgument);
    CHECK(w.AddRecord("complaint", "", "{}").code == BundleError::kInvalidArgument);
    CHECK(w.AddRecord("complaint", "has space", "{}").code == BundleError::kInvalidArgument);
    CHECK(w.AddRecord("complaint", Uuid(1), "bad \xff").code == BundleError::kInvalidArgument);
    CHECK(w.AddRecord("complaint", Uuid(1), std::string(kMaxRecordBytes + 1, 'x')).code == BundleError::kInvalidArgument);
    for (const char* name : {"../up.jpg", "a/b.jpg", ".hidden", "", "sp ace.jpg"})
      CHECK(w.AddFile("photo", Uuid(1), name, dir / "folder").code == BundleError::kInvalidArgument);
    CHECK(w.AddFile("photo", Uuid(1), "p.jpg", dir / "folder").code == BundleError::kInvalidArgument);
    CHECK(w.AddFile("photo", Uuid(1), "p.jpg", dir / "missing.jpg").code == BundleError::kIo);
    REQUIRE(::mkfifo((dir / "pipe").c_str(), 0600) == 0);  // refused at once, not waited on
    CHECK(w.AddFile("photo", Uuid(1), "p.jpg", dir / "pipe").code == BundleError::kInvalidArgument);
    // None of those wrote a byte: the bundle carries on and holds only what was accepted.
    REQUIRE(w.AddRecord("complaint", Uuid(1), "{}"));
    REQUIRE(w.Finish());
    std::unique_ptr<BundleReader> r;
    REQUIRE(k.Open(path, &r));
    CHECK(r->item_count() == 1);
  }
  SECTION("a full stick") {
    // A child with a 100 KB file size limit: its writes past that fail (EFBIG), as they do on a
    // full stick (ENOSPC), without filling a real disk.
    RandomFile(dir / "photo.jpg", 400 * 1000);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{100 * 1000, 100 * 1000};
      ::setrlimit(RLIMIT_FSIZE, &limit);
      BundleWriter full;
      if (!full.Open(path, k.central.pk, k.a.sk, "dev-a", 1)) ::_exit(10);
      const BundleStatus st = full.AddFile("photo", Uuid(1), "p.jpg", dir / "photo.jpg");
      const bool io = st.code == BundleError::kIo && Mentions(st, "File too large");
      const bool sticky = full.AddRecord("complaint", Uuid(2), "{}").code == BundleError::kIo &&
                          full.Finish().code == BundleError::kIo;
      const bool gone = !fs::exists(path + ".part") && !fs::exists(path);
      ::_exit(io && sticky && gone ? 0 : 20);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK_FALSE(fs::exists(path));
  }
  SECTION("a symlink planted where the .part goes is replaced, not followed") {
    WriteAll(dir / "victim.db", "precious");
    fs::create_symlink(dir / "victim.db", path + ".part");
    REQUIRE(w.Open(path, k.central.pk, k.a.sk, "dev-a", 1));
    REQUIRE(w.Finish());
    CHECK(ReadAll(dir / "victim.db") == "precious");
    CHECK_FALSE(fs::is_symlink(path));
    std::unique_ptr<BundleReader> r;
    CHECK(k.Open(path, &r));
  }
}

TEST_CASE("A bundle made by hand from FORMAT.md reads; hostile contents are malformed, not crashes", "[bundle][format]") {
  Keys k;
  TempDir dir;
  const std::string path = dir / "hand.samvad";
  const auto open = [&](const HandMade& h, std::unique_ptr<BundleReader>* r) {
    WriteAll(path, h.Build(k.central.pk, k.a.sk));
    return k.Open(path, r);
  };
  std::unique_ptr<BundleReader> r;

  SECTION("a conforming bundle, items spanning chunk edges") {
    HandMade h;
    const std::string photo(100 * 1000, 'p');
    h.frames = RecordFrame("complaint", Uuid(1), "{\"a\":1}") + FileFrame(Uuid(1), "p.jpg", photo, photo.size()) +
               RecordFrame("update", Uuid(1), "ok");
    REQUIRE(open(h, &r));
    BundleStatus st;
    const auto items = ReadEverything(*r, &st);
    REQUIRE(st);
    REQUIRE(items.size() == 3);
    CHECK(items[0].payload_or_name == "{\"a\":1}");
    CHECK(items[1].sha256 == samvad::model::Sha256Hex(photo));
    CHECK(items[2].payload_or_name == "ok");
  }
  SECTION("hostile lengths are refused before anything is allocated for them") {
    HandMade h;
    h.frames = RecordFrame("complaint", Uuid(1), "", 0xFFFFFFFFu);
    const std::size_t base = g_live.load();
    ResetPeak();
    const BundleStatus st = open(h, &r);
    // The hand-made file itself is ~64 KiB of this test's heap; a 4 GiB record would be far more.
    CHECK(PeakAbove(base) < (1u << 20));
    CHECK(st.code == BundleError::kMalformed);
    CHECK(Mentions(st, "item 1: a record of 4294967295 bytes; at most 1048576"));
    h.frames = FileFrame(Uuid(1), "p.jpg", "", ~std::uint64_t{0});
    CHECK(open(h, &r).code == BundleError::kMalformed);
    CHECK_FALSE(r);
  }
  SECTION("items no writer makes") {
    for (const std::string& frames :
         {std::string("X"), RecordFrame("Complaint", Uuid(1), "{}"), RecordFrame("complaint", "a b", "{}"),
          RecordFrame("complaint", Uuid(1), "bad \xff"), FileFrame(Uuid(1), "../../etc/passwd", "x", 1),
          FileFrame(Uuid(1), ".hidden", "x", 1), RecordFrame("complaint", Uuid(1), "{}") + "\x01"}) {
      HandMade h;
      h.frames = frames;
      const BundleStatus st = open(h, &r);
      INFO(st.message);
      CHECK(st.code == BundleError::kMalformed);
      CHECK_FALSE(r);
    }
  }
  SECTION("an end that is not where it belongs") {
    HandMade inside;  // the stream's final chunk ends in the middle of a record
    inside.frames = RecordFrame("complaint", Uuid(1), "", 70000);
    inside.end = false;
    BundleStatus st = open(inside, &r);
    CHECK(st.code == BundleError::kMalformed);
    CHECK(Mentions(st, "ends inside an item"));
    HandMade trailing;
    trailing.after_signature = "x";
    st = open(trailing, &r);
    CHECK(Mentions(st, "bytes follow its signature"));
    HandMade not_final;
    not_final.extra_chunk = true;
    st = open(not_final, &r);
    CHECK(Mentions(st, "its signature is not in its final chunk"));
    HandMade bad_device;
    bad_device.device_id = "dev a";
    st = open(bad_device, &r);
    CHECK(st.code == BundleError::kMalformed);
    CHECK_FALSE(r);
  }
}
