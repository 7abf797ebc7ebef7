// complaint.tests.cpp — the model's gate in front of the database: phone numbers, text limits,
// UTF-8, codes, UUIDs, and the SHA-256 that names photo files.
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>

#include "support.h"
#include "sync/model/complaint.h"
#include "sync/model/sha256.h"
#include "sync/model/utf8_check.h"

using namespace samvad::model;

TEST_CASE("an Indian mobile number is 10 digits from 6 to 9, however it was typed", "[model][phone]") {
  for (const char* ok : {"9820123456", "98201 23456", "+91 98201 23456", "+919820123456",
                         "919820123456", "09820123456", "(982) 012-3456", "6000000000",
                         "९८२०१२३४५६", "৯৮২০১২৩৪৫৬", "+९१ ९८२० १२३ ४५६"}) {
    INFO(ok);
    const auto p = NormalizeIndianMobile(ok);
    REQUIRE(p);
    CHECK(p->size() == 10);
    CHECK(p->find_first_not_of("0123456789") == std::string::npos);
  }
  CHECK(NormalizeIndianMobile("+91 98201 23456") == std::string("9820123456"));
  CHECK(NormalizeIndianMobile("६०००००००००") == std::string("6000000000"));
  for (const char* bad : {"", "5820123456", "982012345", "98201234567", "+1 9820123456",
                          "+9820123456", "0091 9820123456", "98201abc56", "9820+123456",
                          "022 2345 6789", "1234567890", "9820\xFF""123456", "++919820123456"}) {
    INFO(bad);
    CHECK_FALSE(NormalizeIndianMobile(bad));
  }
}

TEST_CASE("a phone is only ever shown masked", "[model][phone]") {
  CHECK(MaskPhone("9820123456") == "******3456");
  CHECK(NormalizeLast4("३४५६") == std::string("3456"));
  CHECK(NormalizeLast4("34 56") == std::string("3456"));
  CHECK_FALSE(NormalizeLast4("345"));
  CHECK_FALSE(NormalizeLast4("34a6"));
}

TEST_CASE("strict UTF-8: overlongs, surrogates and out-of-range sequences are refused", "[model][utf8]") {
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("क्षेत्र ক্ষেত্র 😀"));
  for (const char* bad : {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xE0\xA4", "a\xFF", "\xF0\x9F\x98"}) {
    INFO(bad);
    CHECK_FALSE(IsValidUtf8(bad));
  }
  CHECK(CountCodePoints("क्ष") == 3u);  // three code points, one grapheme: the UI counts graphemes
}

namespace {
ComplaintFields Good() {
  return {"pothole", "K/E", "  near the temple ", "\r\nरस्त्यावर खड्डा\r\nमोठा  ", "+91 98201 23456", "mr"};
}
bool Has(const std::vector<Issue>& v, Issue i) { return std::find(v.begin(), v.end(), i) != v.end(); }
}  // namespace

TEST_CASE("fields a person filled in are checked and normalised", "[model][validate]") {
  ComplaintFields f = Good();
  CHECK(ValidateFields(f).empty());
  CHECK(f.phone == "9820123456");
  CHECK(f.landmark == "near the temple");
  CHECK(f.description == "रस्त्यावर खड्डा\nमोठा");

  SECTION("the description is 1 to 500 code points") {
    f.description = "   \n ";
    CHECK(Has(ValidateFields(f), {Field::Description, Problem::Missing}));
    f.description.clear();
    for (int i = 0; i < 500; ++i) f.description.append("क");
    CHECK(ValidateFields(f).empty());
    f.description.append("क");
    CHECK(Has(ValidateFields(f), {Field::Description, Problem::TooLong}));
  }
  SECTION("invalid UTF-8 from an import never passes") {
    f.description = "ok \xC0\xAF";
    CHECK(Has(ValidateFields(f), {Field::Description, Problem::InvalidUtf8}));
    f = Good();
    f.landmark = "\xED\xA0\x80";
    CHECK(Has(ValidateFields(f), {Field::Landmark, Problem::InvalidUtf8}));
  }
  SECTION("control characters: newline only inside the description") {
    f.landmark = "gate\nno 2";
    CHECK(Has(ValidateFields(f), {Field::Landmark, Problem::ControlChar}));
    f = Good();
    f.description = "a\x01z";
    CHECK(Has(ValidateFields(f), {Field::Description, Problem::ControlChar}));
    f.description = "a\xC2\x85z";  // U+0085, a C1 control
    CHECK(Has(ValidateFields(f), {Field::Description, Problem::ControlChar}));
  }
  SECTION("codes: category spelling, known ward, known language; phone optional") {
    f.category = "Pot hole";
    f.ward_code = "Z";
    f.lang = "ta";
    f.phone = "12345";
    const auto issues = ValidateFields(f);
    CHECK(Has(issues, {Field::Category, Problem::Malformed}));
    CHECK(Has(issues, {Field::Ward, Problem::Unknown}));
    CHECK(Has(issues, {Field::Lang, Problem::Unknown}));
    CHECK(Has(issues, {Field::Phone, Problem::Malformed}));
    CHECK(IssueKey({Field::Phone, Problem::Malformed}) == "phone.malformed");
    f = Good();
    f.phone = "  ";
    CHECK(ValidateFields(f).empty());
    CHECK(f.phone.empty());
  }
}

TEST_CASE("a whole complaint from a peer is checked too", "[model][validate]") {
  Complaint c;
  c.ticket = {12, 7, 1};
  c.client_uuid = UuidV4FromBytes({});
  c.category = "garbage";
  c.ward_code = "A";
  c.description = "कचरा";
  c.lang = "hi";
  c.created_at = 1718000000;
  c.phone = "9820123456";
  PhotoRef p;
  p.sha256 = Sha256Hex("x");
  p.file = p.sha256 + ".jpg";
  p.thumb_sha256 = Sha256Hex("y");
  p.thumb_file = p.thumb_sha256 + ".jpg";
  p.bytes = p.thumb_bytes = 1;
  p.width = p.height = 10;
  c.photos = {p};
  CHECK(ValidateComplaint(c).empty());
  c.phone = "+919820123456";  // stored phones are canonical
  c.created_at = 0;           // a dead RTC battery
  c.photos[0].file = "../../etc/passwd";
  c.client_uuid = "not-a-uuid";
  const auto issues = ValidateComplaint(c);
  CHECK(Has(issues, {Field::Phone, Problem::Malformed}));
  CHECK(Has(issues, {Field::Time, Problem::Malformed}));
  CHECK(Has(issues, {Field::Photos, Problem::Malformed}));
  CHECK(Has(issues, {Field::Uuid, Problem::Malformed}));
  CHECK(ParseStatus(StatusCode(Status::InProgress)) == Status::InProgress);
  CHECK_FALSE(ParseStatus("closed"));
}

TEST_CASE("client UUIDs are RFC 4122 version 4", "[model][uuid]") {
  std::array<std::uint8_t, 16> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(0xF0 + i);
  const std::string u = UuidV4FromBytes(b);
  CHECK(u == "f0f1f2f3-f4f5-46f7-b8f9-fafbfcfdfeff");
  CHECK(IsUuidV4(u));
  CHECK_FALSE(IsUuidV4("f0f1f2f3-f4f5-16f7-b8f9-fafbfcfdfeff"));  // version 1
  CHECK_FALSE(IsUuidV4("F0F1F2F3-F4F5-46F7-B8F9-FAFBFCFDFEFF"));  // we write lower case
}

TEST_CASE("SHA-256 matches the NIST vectors and sha256sum", "[model][sha256]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  CHECK(Sha256Hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Fed in uneven pieces, the digest is the same.
  Sha256 s;
  for (size_t at = 0, step = 1; at < million.size(); at += step, step = step * 3 % 1000 + 1)
    s.Update(million.data() + at, std::min(step, million.size() - at));
  std::string hex;
  for (auto b : s.Final()) { char x[3]; std::snprintf(x, sizeof x, "%02x", b); hex.append(x); }
  CHECK(hex == Sha256Hex(million));
  // Lengths around the 64-byte block and padding boundaries, against coreutils.
  samvad::test::TempDir dir("sha");
  std::mt19937_64 rng(7);
  for (size_t n : {0, 1, 55, 56, 63, 64, 65, 119, 120, 200, 4096, 300001}) {
    const auto bytes = samvad::test::RandomBytes(rng, n);
    const std::string path = dir.str() + "/f";
    { std::ofstream f(path, std::ios::binary); f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(n)); }
    FILE* p = ::popen(("sha256sum " + path).c_str(), "r");
    REQUIRE(p);
    char out[65] = {};
    REQUIRE(std::fread(out, 1, 64, p) == 64);
    ::pclose(p);
    INFO(n);
    CHECK(Sha256Hex(bytes.data(), n) == std::string(out));
  }
  CHECK(IsSha256Hex(Sha256Hex("x")));
  CHECK_FALSE(IsSha256Hex(std::string(64, 'A')));
}
