// protocol.tests.cpp — sync/protocol on its own: JSON writing and parsing, UTF-8 validation,
// form decoding, tus header grammar, Open311 datetimes, cursors, tickets and create validation.
#include <catch2/catch.hpp>
#include <limits>

#include "sync/protocol/form.h"
#include "sync/protocol/json.h"
#include "sync/protocol/open311.h"
#include "sync/protocol/tus.h"

using namespace samvad::protocol;

TEST_CASE("The JSON writer escapes quotes, backslashes and control characters", "[protocol][json]") {
  JsonWriter w;
  w.BeginObject().Field("k", std::string("a\"b\\c\n\t\x01\x1f\x7f", 10)).EndObject();
  CHECK(w.str() == R"({"k":"a\"b\\c\n\t\u0001\u001f\u007f"})");
}

TEST_CASE("The JSON writer passes UTF-8 through untouched and replaces invalid bytes", "[protocol][json]") {
  JsonWriter w;
  w.BeginArray().String("खड्डा গর্ত").String("bad\xff").EndArray();
  CHECK(w.str() == "[\"खड्डा গর্ত\",\"bad\xEF\xBF\xBD\"]");
}

TEST_CASE("The JSON writer separates members and nested containers", "[protocol][json]") {
  JsonWriter w;
  w.BeginObject().Key("a").BeginArray().Int(1).Int(-2).Double(0.5).Bool(true).Null().EndArray();
  w.Key("b").BeginObject().EndObject().Key("n").Double(std::numeric_limits<double>::infinity()).EndObject();
  CHECK(w.str() == R"({"a":[1,-2,0.5,true,null],"b":{},"n":null})");
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates, truncation and values past U+10FFFF", "[protocol][utf8]") {
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("मराठी বাংলা 😀"));
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800
  CHECK_FALSE(IsValidUtf8("\xE0\xA4"));          // truncated
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(IsValidUtf8("\x80"));
}

TEST_CASE("The JSON parser reads what the writer writes, escapes and surrogate pairs included", "[protocol][json]") {
  std::string error;
  auto v = ParseJson(R"( [{"a":"x\u0041\n\ud83d\ude00","b":[1,2.5e1,-0],"c":true,"d":null}] )", &error);
  REQUIRE(v);
  REQUIRE(v->items.size() == 1);
  const JsonValue& o = v->items[0];
  CHECK(o.Str("a") == "xA\n😀");
  REQUIRE(o.Find("b")->items.size() == 3);
  CHECK(o.Find("b")->items[1].number == 25);
  CHECK(o.Find("c")->boolean);
  CHECK(o.Find("d")->is_null());
}

TEST_CASE("The JSON parser refuses malformed documents with a position", "[protocol][json]") {
  std::string error;
  for (const char* bad : {"", "[1,]", "{\"a\" 1}", "[\"\x01\"]", "\"\\ud800\"", "01", "[1] x", "\"\xff\""}) {
    INFO(bad);
    CHECK_FALSE(ParseJson(bad, &error));
    CHECK(error.find("at byte") != std::string::npos);
  }
  CHECK_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']'), &error));  // too deep
}

TEST_CASE("Forms decode %-escapes and '+' and refuse bad escapes and invalid UTF-8", "[protocol][form]") {
  Form f;
  std::string error;
  REQUIRE(DecodeForm("a=1&b=x+y%2Bz&&c&attribute%5Bticket%5D=08-001&d=%E0%A4%96", &f, &error));
  REQUIRE(f.size() == 5);
  CHECK(*FormGet(f, "b") == "x y+z");
  CHECK(*FormGet(f, "c") == "");
  CHECK(*FormGet(f, "attribute[ticket]") == "08-001");
  CHECK(*FormGet(f, "d") == "ख");
  CHECK_FALSE(DecodeForm("a=%zz", &f, &error));
  CHECK_FALSE(DecodeForm("a=%4", &f, &error));
  CHECK_FALSE(DecodeForm("a=%FF", &f, &error));
  CHECK(error.find("UTF-8") != std::string::npos);
  CHECK(EncodeForm({{"a b", "ख&="}}) == "a%20b=%E0%A4%96%26%3D");
}

TEST_CASE("tus integers, base64, metadata and checksums parse strictly", "[protocol][tus]") {
  std::uint64_t n = 0;
  CHECK(tus::ParseUint("0", &n));
  CHECK(tus::ParseUint("123456", &n));
  CHECK(n == 123456);
  CHECK_FALSE(tus::ParseUint("-1", &n));
  CHECK_FALSE(tus::ParseUint("+1", &n));
  CHECK_FALSE(tus::ParseUint(" 1", &n));
  CHECK_FALSE(tus::ParseUint("9999999999999999999", &n));
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string back;
    REQUIRE(tus::Base64Decode(tus::Base64Encode(s), &back));
    CHECK(back == s);
  }
  CHECK(tus::Base64Encode("foobar") == "Zm9vYmFy");
  std::string junk;
  CHECK_FALSE(tus::Base64Decode("Zm9=v", &junk));
  CHECK_FALSE(tus::Base64Decode("Z=9v", &junk));

  tus::Metadata md;
  std::string error;
  REQUIRE(tus::ParseMetadata("service_request_id MTI=,kind cGhvdG8=,is_confidential", &md, &error));
  CHECK(*tus::MetadataGet(md, "service_request_id") == "12");
  CHECK(*tus::MetadataGet(md, "kind") == "photo");
  CHECK(tus::MetadataGet(md, "is_confidential")->empty());
  CHECK_FALSE(tus::ParseMetadata("kind cGhvdG8=,kind dGh1bWI=", &md, &error));
  CHECK_FALSE(tus::ParseMetadata("kind not*base64", &md, &error));
  CHECK(tus::FormatMetadata({{"kind", "thumb"}}) == "kind dGh1bWI=");

  tus::Checksum cs;
  REQUIRE(tus::ParseChecksum("sha256 " + tus::Base64Encode(std::string(32, 'x')), &cs, &error));
  CHECK(cs.algorithm == "sha256");
  CHECK(cs.digest == std::string(32, 'x'));
  CHECK_FALSE(tus::ParseChecksum("sha256", &cs, &error));
  CHECK_FALSE(tus::ParseChecksum("sha256 ***", &cs, &error));
}

TEST_CASE("W3C datetimes round-trip and honour their offsets", "[protocol][open311]") {
  std::int64_t t = 0;
  REQUIRE(open311::ParseDatetime("2024-05-01T10:20:30Z", &t));
  CHECK(t == 1714558830);
  CHECK(open311::FormatDatetime(t) == "2024-05-01T10:20:30Z");
  std::int64_t ist = 0;
  REQUIRE(open311::ParseDatetime("2024-05-01T15:50:30.123+05:30", &ist));
  CHECK(ist == t);
  REQUIRE(open311::ParseDatetime("2024-02-29T00:00:00-0800", &t));
  CHECK(open311::FormatDatetime(t) == "2024-02-29T08:00:00Z");
  for (const char* bad : {"2024-05-01", "2024-05-01T10:20:30", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                          "2024-05-01T24:00:00Z", "2024-05-01T10:20:30Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(open311::ParseDatetime(bad, &t));
  }
}

TEST_CASE("Cursors are opaque, sort as strings in update order, and refuse anything else", "[protocol][open311]") {
  CHECK(open311::FormatCursor(0) < open311::FormatCursor(9));
  CHECK(open311::FormatCursor(9) < open311::FormatCursor(10));
  CHECK(open311::FormatCursor(255) < open311::FormatCursor(4096));
  std::int64_t v = -1;
  REQUIRE(open311::ParseCursor(open311::FormatCursor(4096), &v));
  CHECK(v == 4096);
  CHECK_FALSE(open311::ParseCursor("4096", &v));
  CHECK_FALSE(open311::ParseCursor("c1-000000000000000G", &v));
  CHECK_FALSE(open311::ParseCursor("c1-ffffffffffffffff", &v));
}

TEST_CASE("Tickets are matched by their digits, in any script", "[protocol][open311]") {
  std::string d;
  REQUIRE(open311::TicketDigits("08-001-00042-9", &d));
  CHECK(d == "08001000429");
  REQUIRE(open311::TicketDigits("०८-००१-०००४२-९", &d));
  CHECK(d == "08001000429");
  CHECK_FALSE(open311::TicketDigits("08-001-0004x-9", &d));
  CHECK_FALSE(open311::TicketDigits("123", &d));
}

TEST_CASE("A create needs a service, a client UUID that agrees with Idempotency-Key, and a location",
          "[protocol][open311]") {
  const std::vector<open311::Ward> wards{{"08", "G/N", "Dadar"}};
  const std::string uuid = "0F8FAD5B-D9CB-469F-A165-70867728950E";
  Form ok{{"service_code", "pothole"}, {"lat", "19.0176"}, {"long", "72.8562"}, {"attribute[client_uuid]", uuid},
          {"attribute[ward]", "08"}, {"attribute[ticket]", "08-001-00042-9"}};
  open311::NewServiceRequest r;
  open311::ApiError err;
  REQUIRE(open311::ParseCreate(ok, nullptr, wards, &r, &err));
  CHECK(r.client_uuid == "0f8fad5b-d9cb-469f-a165-70867728950e");
  CHECK(r.ticket_digits == "08001000429");
  CHECK(r.has_location);
  const std::string lower = r.client_uuid;
  CHECK(open311::ParseCreate(ok, &lower, wards, &r, &err));

  const auto refused = [&](Form f, const std::string* key, const char* says) {
    INFO(says);
    CHECK_FALSE(open311::ParseCreate(f, key, wards, &r, &err));
    CHECK(err.status == 400);
    CHECK(err.description.find(says) != std::string::npos);
  };
  const std::string other = "11111111-2222-3333-4444-555555555555";
  refused({{"lat", "1"}, {"long", "2"}, {"attribute[client_uuid]", uuid}}, nullptr, "service_code");
  refused({{"service_code", "pothole"}, {"lat", "1"}, {"long", "2"}}, nullptr, "client_uuid");
  refused(ok, &other, "Idempotency-Key");
  refused({{"service_code", "pothole"}, {"attribute[client_uuid]", uuid}}, nullptr, "location");
  refused({{"service_code", "pothole"}, {"lat", "91"}, {"long", "2"}, {"attribute[client_uuid]", uuid}}, nullptr, "lat");
  refused({{"service_code", "pothole"}, {"lat", "1"}, {"long", "2"}, {"attribute[client_uuid]", uuid},
           {"attribute[colour]", "red"}}, nullptr, "unknown attribute");
  refused({{"service_code", "pothole"}, {"address_string", "x"}, {"attribute[client_uuid]", uuid},
           {"attribute[ward]", "99"}}, nullptr, "ward");
  refused({{"service_code", "pothole"}, {"service_code", "garbage"}, {"address_string", "x"},
           {"attribute[client_uuid]", uuid}}, nullptr, "more than once");
}

TEST_CASE("The canonical form ignores api_key and field order", "[protocol][open311]") {
  CHECK(open311::CanonicalForm({{"b", "2"}, {"api_key", "k1"}, {"a", "1"}}) ==
        open311::CanonicalForm({{"a", "1"}, {"b", "2"}, {"api_key", "k2"}}));
  CHECK(open311::CanonicalForm({{"a", "1"}}) != open311::CanonicalForm({{"a", "2"}}));
}

TEST_CASE("The error body is the spec's array of code and description", "[protocol][open311]") {
  std::string error;
  auto v = ParseJson(open311::ErrorBody(403, "api_key is not valid"), &error);
  REQUIRE(v);
  REQUIRE(v->items.size() == 1);
  CHECK(v->items[0].Find("code")->number == 403);
  CHECK(v->items[0].Str("description") == "api_key is not valid");
}
