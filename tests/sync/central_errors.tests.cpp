// central_errors.tests.cpp — the refusals central makes that no other test pins down against the
// live endpoint: tus requests that break the header rules of tus 1.0.0 (412, 400, 403, 404, 405),
// POST /media/sync with too many ids, and GET/POST /requests.json with bad dates, id lists, pages
// or fields. Each asserts the status, the Open311 error body and, where a person reads it in a
// device's log, the reason — and, for the writes, that nothing moved or was stored.
#include <catch2/catch.hpp>
#include <string>

#include "central_fixtures.h"
#include "harness.h"
#include "sync/protocol/tus.h"

using namespace samvad::testing;
using samvad::protocol::JsonValue;
namespace tus = samvad::protocol::tus;

namespace {

// The same, and the description says `phrase`: what the person reading a device's log needs.
void RequireRefusal(const Reply& r, int status, const std::string& phrase) {
  RequireOpen311Error(r, status);
  CHECK_THAT(r.Json().items[0].Str("description"), Catch::Matchers::Contains(phrase));
}

// A tus refusal: the Open311 body, and Tus-Resumable as tus asks of every answer but OPTIONS'.
void RequireTusRefusal(const Reply& r, int status, const std::string& phrase) {
  RequireRefusal(r, status, phrase);
  CHECK(r.Header("tus-resumable") == "1.0.0");
}

}  // namespace

// ---- tus (/media)

TEST_CASE("A tus POST or PATCH without Tus-Resumable 1.0.0 is refused with 412 naming the version central speaks",
          "[central][tus][errors]") {
  TusFixture f;
  const std::string photo = NoiseBytes(10, 1);
  const std::string path = f.Create(photo.size());
  // Absent, and a version central does not speak: the spec answers both the same way.
  for (const char* version : {"", "0.2.2"}) {
    INFO("Tus-Resumable: " << version);
    const auto with = [&](Headers h) {
      if (*version) h.emplace_back("Tus-Resumable", version);
      return f.Auth(std::move(h));
    };
    const Reply post = Http(f.c.port(), "POST", "/media", "",
                            with({{"Upload-Length", "10"}, {"Upload-Metadata", f.Metadata("thumb")}}));
    RequireTusRefusal(post, 412, "Tus-Resumable: 1.0.0");
    CHECK(post.Header("tus-version") == "1.0.0");
    CHECK(post.Header("location").empty());
    const Reply patch = Http(f.c.port(), "PATCH", path, photo,
                             with({{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "0"}}));
    RequireTusRefusal(patch, 412, "Tus-Resumable: 1.0.0");
    CHECK(patch.Header("tus-version") == "1.0.0");
    CHECK(patch.Header("upload-offset").empty());
    CHECK(f.Offset(path) == 0);  // the refused PATCH wrote nothing
  }
}

TEST_CASE("A tus POST without a positive whole Upload-Length is refused with 400, and Upload-Defer-Length is not offered",
          "[central][tus][errors]") {
  TusFixture f;
  const Headers md{{"Upload-Metadata", f.Metadata()}};
  const auto post = [&](Headers h) {
    h.insert(h.end(), md.begin(), md.end());
    return Http(f.c.port(), "POST", "/media", "", f.Tus(std::move(h)));
  };
  RequireTusRefusal(post({}), 400, "Upload-Length must be a positive whole number");
  // A lenient parser would read "-5" or "1e3" as a number; the length is compared with a file.
  for (const char* bad : {"abc", "0", "-5", "1e3", "10abc"}) {
    INFO("Upload-Length: " << bad);
    const Reply r = post({{"Upload-Length", bad}});
    RequireTusRefusal(r, 400, "Upload-Length must be a positive whole number");
    CHECK(r.Header("location").empty());
  }
  // Deferring the length is a tus extension central does not list (Tus-Extension): 400 whether
  // or not an Upload-Length comes with it.
  RequireTusRefusal(post({{"Upload-Defer-Length", "1"}}), 400, "Upload-Defer-Length is not supported");
  RequireTusRefusal(post({{"Upload-Defer-Length", "1"}, {"Upload-Length", "10"}}), 400,
                    "Upload-Defer-Length is not supported");
  // The same POST with a good length is taken: the refusals above were about the length alone.
  CHECK(f.Create(10).rfind("/media/", 0) == 0);
}

TEST_CASE("A PATCH without a well-formed Upload-Offset is refused with 400 and the offset stays where it was",
          "[central][tus][errors]") {
  TusFixture f;
  const std::string photo = NoiseBytes(20, 1);
  const std::string path = f.Create(photo.size());
  REQUIRE(f.PatchAt(path, "0", photo.substr(0, 10)).status == 204);
  REQUIRE(f.Offset(path) == 10);

  // No Upload-Offset at all: central must not guess where the bytes go.
  const Reply none = Http(f.c.port(), "PATCH", path, photo.substr(10),
                          f.Tus({{"Content-Type", "application/offset+octet-stream"}}));
  RequireTusRefusal(none, 400, "Upload-Offset must be a whole number");
  CHECK(none.Header("upload-offset").empty());
  CHECK(f.Offset(path) == 10);
  // strtoll would take "+10" and "10abc" for 10: these must not write at an offset nobody meant.
  for (const char* bad : {"abc", "-1", "+10", "10abc"}) {
    INFO("Upload-Offset: " << bad);
    const Reply r = f.PatchAt(path, bad, photo.substr(10));
    RequireTusRefusal(r, 400, "Upload-Offset must be a whole number");
    CHECK(f.Offset(path) == 10);
  }
  // The rest, at the right offset, completes the file as it was meant: nothing refused was written.
  REQUIRE(f.PatchAt(path, "10", photo.substr(10)).status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

TEST_CASE("A PATCH with a malformed Upload-Checksum is refused with 400 and the offset stays where it was",
          "[central][tus][errors]") {
  TusFixture f;
  const std::string photo = NoiseBytes(10, 1);
  const std::string path = f.Create(photo.size());
  const std::string digest = Sha256Base64(photo);
  // No space between the algorithm and the digest.
  RequireTusRefusal(f.PatchAt(path, "0", photo, {{"Upload-Checksum", "sha256" + digest}}), 400,
                    "Upload-Checksum must be '<algorithm> <base64 digest>'");
  CHECK(f.Offset(path) == 0);
  // A digest that is not base64: a character outside the alphabet, and a length not a multiple of 4.
  for (const std::string& bad : {std::string("sha256 not*base64!!"), "sha256 " + digest.substr(1)}) {
    INFO("Upload-Checksum: " << bad);
    RequireTusRefusal(f.PatchAt(path, "0", photo, {{"Upload-Checksum", bad}}), 400, "Upload-Checksum digest is not base64");
    CHECK(f.Offset(path) == 0);
  }
  // The same bytes with the checksum well formed are taken.
  REQUIRE(f.PatchAt(path, "0", photo, {{"Upload-Checksum", "sha256 " + digest}}).status == 204);
  CHECK(f.Offset(path) == 10);
}

TEST_CASE("HEAD reports the declared Upload-Length and is never cached; HEAD of an unknown upload is 404 with no offset",
          "[central][tus][errors]") {
  TusFixture f;
  const std::string path = f.Create(12345);
  const auto head = [&](const std::string& p) { return Http(f.c.port(), "HEAD", p, "", f.Tus()); };
  Reply r = head(path);
  REQUIRE(r.status == 200);
  CHECK(r.Header("upload-length") == "12345");
  CHECK(r.Header("upload-offset") == "0");
  CHECK(r.Header("cache-control") == "no-store");  // tus: an offset must never come from a cache
  CHECK(r.Header("tus-resumable") == "1.0.0");
  // After some bytes the length is still the declared one, not what has arrived.
  REQUIRE(f.PatchAt(path, "0", NoiseBytes(1000, 1)).status == 204);
  r = head(path);
  REQUIRE(r.status == 200);
  CHECK(r.Header("upload-length") == "12345");
  CHECK(r.Header("upload-offset") == "1000");
  CHECK(r.Header("cache-control") == "no-store");

  // tus: a missing resource is answered without Upload-Offset, so no client resumes into nothing.
  // A well-formed id no upload has, and one that is not an upload id at all.
  for (const std::string& unknown : {std::string("/media/0123456789abcdef0123456789abcdef"), std::string("/media/nonsense")}) {
    INFO(unknown);
    const Reply u = head(unknown);
    CHECK(u.status == 404);
    CHECK(u.headers.count("upload-offset") == 0);
    CHECK(u.headers.count("upload-length") == 0);
  }
}

TEST_CASE("A PATCH to another device's upload is refused with 403 and the owner's offset and bytes are untouched",
          "[central][tus][errors]") {
  TusFixture f;
  const std::string photo = NoiseBytes(20, 1);
  const std::string path = f.Create(photo.size());
  REQUIRE(f.PatchAt(path, "0", photo.substr(0, 10)).status == 204);
  const std::string other = f.c.EnrollDevice("another device");
  // At the right offset, with bytes of its own: only the device that made the upload writes to it.
  const Reply r = Http(f.c.port(), "PATCH", path, NoiseBytes(10, 99),
                       f.Tus({{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "10"}}, other));
  RequireTusRefusal(r, 403, "another device");
  CHECK(r.Header("upload-offset").empty());
  CHECK(f.Offset(path) == 10);
  REQUIRE(f.PatchAt(path, "10", photo.substr(10)).status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

TEST_CASE("OPTIONS /media/{id} answers as OPTIONS /media does, and other methods on /media are 405 with Allow",
          "[central][tus][errors]") {
  TusFixture f;
  const std::string path = f.Create(10);
  // A tus client may ask at the upload's own URL what the server offers; the answer is the same.
  const Reply at_media = Http(f.c.port(), "OPTIONS", "/media");
  REQUIRE(at_media.status == 204);
  for (const std::string& p : {path, std::string("/media/0123456789abcdef0123456789abcdef")}) {
    INFO(p);
    const Reply r = Http(f.c.port(), "OPTIONS", p);
    CHECK(r.status == 204);
    CHECK(r.Header("tus-version") == "1.0.0");
    CHECK(r.Header("tus-extension") == "creation,creation-with-upload,checksum");
    CHECK(r.Header("tus-checksum-algorithm") == "sha256");
    for (const char* h : {"tus-version", "tus-extension", "tus-checksum-algorithm", "tus-max-size"}) {
      INFO(h);
      CHECK(r.Header(h) == at_media.Header(h));
    }
  }

  for (const char* method : {"PUT", "DELETE"}) {
    INFO(method << " /media");
    const Reply r = Http(f.c.port(), method, "/media", method == std::string("PUT") ? "x" : "", f.Tus());
    RequireRefusal(r, 405, "method not allowed");
    CHECK(r.Header("allow") == "OPTIONS, POST");
  }
  // No termination extension: a DELETE of an upload is refused and the upload stays.
  const Reply del = Http(f.c.port(), "DELETE", path, "", f.Tus());
  RequireRefusal(del, 405, "method not allowed");
  CHECK(del.Header("allow") == "GET, HEAD, PATCH, OPTIONS");
  CHECK(f.Offset(path) == 0);
}

TEST_CASE("POST /media/sync takes at most 1000 upload_id fields", "[central][tus][flush][errors]") {
  TusFixture f;
  // Api::kMaxSyncIds (private) and PROTOCOL.md's "(at most 1000)".
  constexpr size_t kMax = 1000;
  const auto sync = [&](size_t n) {
    samvad::protocol::Form form;
    for (size_t i = 0; i < n; ++i) {
      std::string id = std::to_string(i);
      form.push_back({"upload_id", std::string(32 - id.size(), 'a') + id});  // well formed, no upload has it
    }
    return PostForm(f.c.port(), "/media/sync", form, f.Auth());
  };
  // The limit itself is taken (ids no upload has are left out of the answer)…
  const Reply at_limit = sync(kMax);
  INFO(at_limit.body);
  REQUIRE(at_limit.status == 200);
  CHECK(at_limit.Json().items.empty());
  // …one more is not.
  RequireRefusal(sync(kMax + 1), 400, "at most 1000 upload_id fields");
}

// ---- Open311 (/requests.json)

TEST_CASE("GET /requests.json refuses a malformed end_date, a range that ends before it starts, and a time without a zone",
          "[central][open311][errors]") {
  Central c;
  const std::string key = c.EnrollDevice();
  REQUIRE(PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid())).status == 200);
  const auto get = [&](const std::string& query) { return Http(c.port(), "GET", "/requests.json?" + query); };

  for (const char* bad : {"tomorrow", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-05-31T23:59:59+0530x"}) {
    INFO("end_date=" << bad);
    RequireRefusal(get(std::string("end_date=") + bad), 400, "end_date must be a W3C datetime");
  }
  RequireRefusal(get("start_date=2024-05-02T00:00:00Z&end_date=2024-05-01T00:00:00Z"), 400, "end_date is before start_date");
  // Compared as instants, not as text: 05:29:59 in India is before midnight UTC's 05:30.
  RequireRefusal(get("start_date=2024-05-01T00:00:00Z&end_date=2024-05-01T05:29:59%2B05:30"), 400,
                 "end_date is before start_date");
  CHECK(get("start_date=2024-05-01T00:00:00Z&end_date=2024-05-01T05:30:00%2B05:30").status == 200);
  // A time with no zone is a different instant at a kiosk in IST and on a server in UTC.
  RequireRefusal(get("start_date=2024-05-01T00:00:00"), 400, "start_date must be a W3C datetime");
  RequireRefusal(get("start_date=2024-05-01T00:00:00Z&end_date=2024-05-31T00:00:00"), 400,
                 "end_date must be a W3C datetime");
  // The same start with a zone is taken and finds the request made today.
  const Reply ok = get("start_date=2024-05-01T00:00:00Z");
  REQUIRE(ok.status == 200);
  CHECK(ok.Json().items.size() == 1);
}

TEST_CASE("GET /requests.json lists at most 200 ids in service_request_id", "[central][open311][errors]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const Reply made = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid()));
  REQUIRE(made.status == 200);
  const std::string id = made.Json().items.at(0).Str("service_request_id");
  // `id` first, then other ids up to `n` in all.
  const auto ids = [&](size_t n) {
    std::string list = id;
    for (size_t i = 1; i < n; ++i) list += "," + std::to_string(100000 + i);
    return list;
  };
  const Reply at_limit = Http(c.port(), "GET", "/requests.json?service_request_id=" + ids(200));
  REQUIRE(at_limit.status == 200);
  CHECK(at_limit.Json().items.size() == 1);
  RequireRefusal(Http(c.port(), "GET", "/requests.json?service_request_id=" + ids(201)), 400, "1 to 200 ids");
}

TEST_CASE("GET /requests.json refuses a page or page_size outside its range", "[central][open311][pagination][errors]") {
  Central c;
  const auto get = [&](const std::string& query) { return Http(c.port(), "GET", "/requests.json?" + query); };
  for (const char* bad : {"0", "abc", "-1", "1.5"}) {
    INFO("page=" << bad);
    RequireRefusal(get(std::string("page=") + bad), 400, "page must be a whole number from 1");
  }
  // A page far past any data would make the database skip millions of rows for nothing.
  RequireRefusal(get("page=2000000"), 400, "page is too large");
  RequireRefusal(get("page=1000001"), 400, "page is too large");
  CHECK(get("page=1000000").status == 200);  // the last page allowed: an empty one
  for (const char* bad : {"0", "201", "abc"}) {
    INFO("page_size=" << bad);
    RequireRefusal(get(std::string("page_size=") + bad), 400, "page_size must be a whole number from 1 to 200");
  }
  CHECK(get("page_size=200").status == 200);
  CHECK(get("page_size=200&page=1000000").status == 200);  // the largest offset: still answered
}

TEST_CASE("POST /requests.json refuses an unknown attribute, a repeated field, no client UUID or an unknown ward, and stores nothing",
          "[central][open311][errors]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string uuid = NewUuid();
  // What the device reads back with its key: everything it made in the last 90 days.
  const auto stored = [&] {
    const Reply r = Http(c.port(), "GET", "/requests.json", "", {{"Authorization", "Bearer " + key}});
    REQUIRE(r.status == 200);
    return r.Json().items.size();
  };
  const auto refused = [&](const samvad::protocol::Form& form, const std::string& phrase) {
    RequireRefusal(PostForm(c.port(), "/requests.json", form), 400, phrase);
    CHECK(stored() == 0);
  };
  SECTION("an attribute the service definition does not declare") {
    auto f = CreateForm(key, uuid);
    f.push_back({"attribute[colour]", "red"});
    refused(f, "unknown attribute attribute[colour]");
  }
  SECTION("a field sent twice, even a repeat that agrees with itself") {
    auto f = CreateForm(key, uuid);
    f.push_back({"description", "Another description"});
    refused(f, "description was sent more than once");
    f = CreateForm(key, uuid);
    f.push_back({"attribute[client_uuid]", uuid});
    refused(f, "attribute[client_uuid] was sent more than once");
  }
  SECTION("no client UUID, as the attribute or the Idempotency-Key header") {
    auto f = CreateForm(key, uuid);
    std::erase_if(f, [](const samvad::protocol::FormField& x) { return x.name == "attribute[client_uuid]"; });
    refused(f, "attribute[client_uuid] (or an Idempotency-Key header) is required");
    // Either alone is enough (PROTOCOL.md, Extension 1): the header stands in for the attribute.
    const Reply r = PostForm(c.port(), "/requests.json", f, {{"Idempotency-Key", uuid}});
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(stored() == 1);
  }
  SECTION("a ward that is not one of the corporation's") {
    auto f = CreateForm(key, uuid);
    for (auto& x : f)
      if (x.name == "attribute[ward]") x.value = "99";
    refused(f, "attribute[ward] '99' is not a ward of this corporation");
  }
  // The same form without its fault is taken, once: the count above could have seen a request.
  if (stored() == 0) {
    REQUIRE(PostForm(c.port(), "/requests.json", CreateForm(key, uuid)).status == 200);
    CHECK(stored() == 1);
  }
}

// Not here: GET /bundle-key.json's 404 "this central has no bundle key". `serve` makes the key on
// its first start and will not start without one, so no running central can answer it.
