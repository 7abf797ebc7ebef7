// central_media.tests.cpp — tus 1.0.0 uploads of a complaint's photo: creation, HEAD offsets,
// PATCH with sha256 checksums, resuming after an interrupted PATCH, the spec's refusals (409
// wrong offset, 460 checksum mismatch, 412, 415, 404, 403, 413), the photo served at the
// request's media_url, and when a field-work photo was taken (taken_at → work_photos).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "central_fixtures.h"
#include "harness.h"
#include "sync/protocol/tus.h"
#include "tests/support/fault_proxy.h"

using namespace samvad::testing;
using samvad::protocol::JsonValue;
namespace tus = samvad::protocol::tus;

namespace {

// Bytes that look nothing like their neighbours, so an offset mistake changes the content.
std::string PhotoBytes(size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xFF);
  }
  return s;
}

using Fixture = TusFixture;

}  // namespace

TEST_CASE("OPTIONS /media advertises tus 1.0.0 with creation (also with upload) and sha256 checksums", "[central][tus]") {
  Central c;
  const Reply r = Http(c.port(), "OPTIONS", "/media");
  CHECK(r.status == 204);
  CHECK(r.Header("tus-version") == "1.0.0");
  CHECK(r.Header("tus-extension") == "creation,creation-with-upload,checksum");
  CHECK(r.Header("tus-checksum-algorithm") == "sha256");
  CHECK(std::stoll(r.Header("tus-max-size")) > 1000000);
}

TEST_CASE("A photo uploaded with tus is served at its request's media_url", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(200000);
  const std::string path = f.Create(photo.size());
  CHECK(f.Offset(path) == 0);
  // Two PATCHes, each with its own checksum, as a client on a slow link would send.
  Reply r = f.Patch(path, 0, photo.substr(0, 120000), Sha256Base64(photo.substr(0, 120000)));
  REQUIRE(r.status == 204);
  CHECK(r.Header("upload-offset") == "120000");
  CHECK(f.Offset(path) == 120000);
  // Not served while incomplete.
  CHECK(Http(f.c.port(), "GET", path).status == 404);
  r = f.Patch(path, 120000, photo.substr(120000), Sha256Base64(photo.substr(120000)));
  REQUIRE(r.status == 204);
  CHECK(r.Header("upload-offset") == std::to_string(photo.size()));

  const Reply req = Http(f.c.port(), "GET", "/requests/" + f.request_id + ".json");
  const std::string media_url = req.Json().items.at(0).Str("media_url");
  CHECK(media_url == f.c.base_url() + path);
  const Reply got = Http(f.c.port(), "GET", media_url.substr(f.c.base_url().size()));
  REQUIRE(got.status == 200);
  CHECK(got.Header("content-type") == "image/jpeg");
  CHECK(got.body == photo);
}

TEST_CASE("creation-with-upload: the POST carries the photo, and a cut or repeated one resumes", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(120000);
  const auto post = [&](const std::string& body, tus::Metadata md, Headers extra = {}) {
    md.insert(md.begin(), {{"service_request_id", f.request_id}, {"sha256", Sha256Hex(photo)}});
    Headers h{{"Upload-Length", std::to_string(photo.size())}, {"Upload-Metadata", tus::FormatMetadata(md)},
              {"Content-Type", "application/offset+octet-stream"}};
    h.insert(h.end(), extra.begin(), extra.end());
    return Http(f.c.port(), "POST", "/media", body, f.Tus(h));
  };

  SECTION("the whole photo in one request: 201, its Location and the full offset; served") {
    const Reply r = post(photo, {});
    REQUIRE(r.status == 201);
    CHECK(r.Header("upload-offset") == std::to_string(photo.size()));
    const std::string path = r.Header("location").substr(f.c.base_url().size());
    CHECK(Http(f.c.port(), "GET", path).body == photo);
    // The same POST again (its answer was lost): the same upload, nothing rewritten.
    const Reply again = post(photo, {});
    CHECK(again.status == 201);
    CHECK(again.Header("location") == r.Header("location"));
    CHECK(again.Header("upload-offset") == std::to_string(photo.size()));
    CHECK(Http(f.c.port(), "GET", path).body == photo);
  }
  SECTION("part of it: the offset says where PATCH goes on") {
    const Reply r = post(photo.substr(0, 50000), {});
    REQUIRE(r.status == 201);
    CHECK(r.Header("upload-offset") == "50000");
    const std::string path = r.Header("location").substr(f.c.base_url().size());
    // A repeated POST with a body does not write over what is there; it reports the offset.
    const Reply again = post(std::string(50000, 'x'), {});
    CHECK(again.Header("upload-offset") == "50000");
    REQUIRE(f.Patch(path, 50000, photo.substr(50000)).status == 204);
    CHECK(Http(f.c.port(), "GET", path).body == photo);
  }
  SECTION("a body whose checksum does not match: the upload exists at offset 0") {
    const Reply r = post(photo, {}, {{"Upload-Checksum", "sha256 " + Sha256Base64("something else")}});
    REQUIRE(r.status == 201);
    CHECK(r.Header("upload-offset") == "0");
    CHECK(f.Offset(r.Header("location").substr(f.c.base_url().size())) == 0);
  }
  SECTION("a body that is not application/offset+octet-stream: 415, nothing made") {
    const Reply r = Http(f.c.port(), "POST", "/media", photo,
                         f.Tus({{"Upload-Length", std::to_string(photo.size())},
                                {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id}})},
                                {"Content-Type", "image/jpeg"}}));
    CHECK(r.status == 415);
    CHECK(post("", {}).Header("upload-offset").empty());  // an empty creation: new, nothing received
  }
}

TEST_CASE("A complaint's three photos are each an upload, listed in order in media_urls", "[central][tus]") {
  Fixture f;
  std::vector<std::string> photos, paths;
  for (int k = 0; k < 3; ++k) {
    photos.push_back(PhotoBytes(50000 + 1000 * static_cast<size_t>(k)).substr(static_cast<size_t>(k)));
    tus::Metadata md;
    if (k > 0) md.emplace_back("index", std::to_string(k));
    md.emplace_back("sha256", Sha256Hex(photos.back()));
    paths.push_back(f.Create(photos.back().size(), "photo", md));
  }
  CHECK(paths[0] != paths[1]);
  CHECK(paths[1] != paths[2]);
  // Upload them out of order: the list follows the index, not the arrival.
  for (const int k : {2, 0, 1})
    REQUIRE(f.Patch(paths[static_cast<size_t>(k)], 0, photos[static_cast<size_t>(k)]).status == 204);
  const auto json = Http(f.c.port(), "GET", "/requests/" + f.request_id + ".json").Json();
  const auto& req = json.items.at(0);
  CHECK(req.Str("media_url") == f.c.base_url() + paths[0]);
  const auto* urls = req.Find("media_urls");
  REQUIRE(urls);
  REQUIRE(urls->items.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(urls->items[k].text == f.c.base_url() + paths[k]);
    CHECK(Http(f.c.port(), "GET", paths[k]).body == photos[k]);
  }
  // The list of requests carries them too.
  const auto list = Http(f.c.port(), "GET", "/requests.json").Json();
  CHECK(list.items.at(0).Find("media_urls")->items.size() == 3);

  SECTION("an index past the third photo, or not a number, is a 400") {
    for (const char* bad : {"3", "-1", "x"}) {
      const Reply r = Http(f.c.port(), "POST", "/media", "",
                           f.Tus({{"Upload-Length", "10"},
                                  {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id},
                                                                           {"index", bad}})}}));
      CHECK(r.status == 400);
    }
  }
}

TEST_CASE("The finished file must match the sha256 declared at creation, whatever the PATCHes carried", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(90000);
  std::string wrong = photo;
  wrong[70000] = static_cast<char>(wrong[70000] ^ 0x20);  // one bit, in the second PATCH's half
  const std::string path = f.Create(photo.size(), "photo", {{"sha256", Sha256Hex(photo)}});

  // Two PATCHes without per-PATCH checksums (what a device sends on a flaky link), the second
  // carrying a damaged byte: the last one is refused with 460 and the upload starts again.
  REQUIRE(f.Patch(path, 0, wrong.substr(0, 45000)).status == 204);
  const Reply bad = f.Patch(path, 45000, wrong.substr(45000));
  CHECK(bad.status == 460);
  CHECK(bad.body.find("sha256") != std::string::npos);
  CHECK(f.Offset(path) == 0);
  CHECK(Http(f.c.port(), "GET", path).status == 404);  // never served
  CHECK(Http(f.c.port(), "GET", "/requests/" + f.request_id + ".json").Json().items.at(0).Str("media_url").empty());

  // The right bytes complete it.
  REQUIRE(f.Patch(path, 0, photo.substr(0, 45000)).status == 204);
  REQUIRE(f.Patch(path, 45000, photo.substr(45000)).status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);

  SECTION("a sha256 that is not 64 hex digits is a 400 at creation") {
    const Reply r = Http(f.c.port(), "POST", "/media", "",
                         f.Tus({{"Upload-Length", "10"},
                                {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id},
                                                                         {"kind", "thumb"},
                                                                         {"sha256", "abc"}})}}));
    CHECK(r.status == 400);
  }
}

TEST_CASE("An interrupted PATCH keeps what arrived, and the upload resumes from HEAD's offset", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(100000);
  const std::string path = f.Create(photo.size());
  // Send the headers and the first 40000 bytes of a 100000-byte PATCH, then hang up.
  const int fd = ConnectLoopback(f.c.port());
  REQUIRE(fd >= 0);
  std::string head = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer " +
                     f.key + "\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n" +
                     "Content-Length: " + std::to_string(photo.size()) + "\r\n\r\n";
  REQUIRE(SendAll(fd, head + photo.substr(0, 40000)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  close(fd);
  // The server stores the partial body once it sees the connection end.
  long long offset = 0;
  for (int i = 0; i < 100 && offset == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    offset = f.Offset(path);
  }
  REQUIRE(offset == 40000);
  const Reply r = f.Patch(path, offset, photo.substr(static_cast<size_t>(offset)));
  REQUIRE(r.status == 204);
  CHECK(r.Header("upload-offset") == "100000");
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

TEST_CASE("creation-with-upload takes a body sent in chunks, as one with a Content-Length", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(30000);
  // "Chunked" in any case: transfer-coding names are case-insensitive.
  const int fd = ConnectLoopback(f.c.port());
  REQUIRE(fd >= 0);
  const auto chunk = [](std::string_view bytes) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return std::string(size) + std::string(bytes) + "\r\n";
  };
  const std::string request =
      "POST /media HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer " + f.key +
      "\r\nUpload-Length: " + std::to_string(photo.size()) + "\r\nUpload-Metadata: " + f.Metadata() +
      "\r\nContent-Type: application/offset+octet-stream\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n" +
      chunk(std::string_view(photo).substr(0, 12345)) + chunk(std::string_view(photo).substr(12345)) + "0\r\n\r\n";
  REQUIRE(SendAll(fd, request));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  INFO(answer);
  REQUIRE(answer.rfind("HTTP/1.1 201", 0) == 0);
  // Header names are case-insensitive; libmicrohttpd sends them as we wrote them.
  CHECK(answer.find("Upload-Offset: " + std::to_string(photo.size()) + "\r\n") != std::string::npos);
  const size_t at = answer.find("Location: ");
  REQUIRE(at != std::string::npos);
  const std::string location = answer.substr(at + 10, answer.find("\r\n", at) - at - 10);
  REQUIRE(location.rfind(f.c.base_url(), 0) == 0);
  CHECK(Http(f.c.port(), "GET", location.substr(f.c.base_url().size())).body == photo);
}

TEST_CASE("A PATCH whose checksum does not match is refused with 460 and moves nothing", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(5000);
  const std::string path = f.Create(photo.size());
  std::string corrupted = photo;
  corrupted[2500] ^= 0x01;
  const Reply bad = f.Patch(path, 0, corrupted, Sha256Base64(photo));
  REQUIRE(bad.status == 460);
  CHECK(bad.Header("tus-resumable") == "1.0.0");
  CHECK(f.Offset(path) == 0);
  REQUIRE(f.Patch(path, 0, photo, Sha256Base64(photo)).status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
  SECTION("an algorithm we do not offer is a 400") {
    Fixture g;
    const std::string p = g.Create(10);
    const Reply r = Http(g.c.port(), "PATCH", p, "0123456789",
                         g.Tus({{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "0"},
                                {"Upload-Checksum", "md5 " + tus::Base64Encode("0123456789abcdef")}}));
    CHECK(r.status == 400);
    CHECK(g.Offset(p) == 0);
  }
}

TEST_CASE("A PATCH at the wrong offset is refused with 409", "[central][tus]") {
  Fixture f;
  const std::string photo = PhotoBytes(3000);
  const std::string path = f.Create(photo.size());
  REQUIRE(f.Patch(path, 0, photo.substr(0, 1000)).status == 204);
  CHECK(f.Patch(path, 0, photo.substr(0, 1000)).status == 409);     // behind
  CHECK(f.Patch(path, 2000, photo.substr(2000)).status == 409);     // ahead
  CHECK(f.Offset(path) == 1000);
  REQUIRE(f.Patch(path, 1000, photo.substr(1000)).status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

TEST_CASE("tus refuses what the spec refuses", "[central][tus]") {
  Fixture f;
  const std::string path = f.Create(100);
  SECTION("no Tus-Resumable: 412 naming the version we speak") {
    const Reply r = Http(f.c.port(), "HEAD", path, "", {{"Authorization", "Bearer " + f.key}});
    CHECK(r.status == 412);
    CHECK(r.Header("tus-version") == "1.0.0");
  }
  SECTION("a PATCH that is not application/offset+octet-stream: 415") {
    CHECK(Http(f.c.port(), "PATCH", path, "x", f.Tus({{"Content-Type", "image/jpeg"}, {"Upload-Offset", "0"}})).status == 415);
  }
  SECTION("an unknown upload: 404") {
    CHECK(Http(f.c.port(), "HEAD", "/media/00000000000000000000000000000000", "", f.Tus()).status == 404);
    CHECK(f.Patch("/media/nonsense", 0, "x").status == 404);
  }
  SECTION("no key or a revoked key: 403") {
    CHECK(Http(f.c.port(), "HEAD", path, "", {{"Tus-Resumable", "1.0.0"}}).status == 403);
    std::string other_device;
    const std::string other = f.c.EnrollDevice("other", &other_device);
    CHECK(Http(f.c.port(), "HEAD", path, "", {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + other}}).status == 403);
  }
  SECTION("more bytes than Upload-Length: 400, and nothing moves") {
    CHECK(f.Patch(path, 0, std::string(101, 'x')).status == 400);
    CHECK(f.Offset(path) == 0);
  }
  SECTION("an upload larger than Tus-Max-Size: 413") {
    const Reply r = Http(f.c.port(), "POST", "/media", "",
                         f.Tus({{"Upload-Length", "999999999"},
                                {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id}})}}));
    CHECK(r.status == 413);
  }
  SECTION("metadata longer than central keeps for HEAD: 400") {
    const Reply r = Http(f.c.port(), "POST", "/media", "",
                         f.Tus({{"Upload-Length", "10"},
                                {"Upload-Metadata", f.Metadata("thumb", {{"filename", std::string(3500, 'x')}})}}));
    CHECK(r.status == 400);
    CHECK(r.body.find("Upload-Metadata is longer than 4096 bytes") != std::string::npos);
  }
  SECTION("metadata naming no request, or an unknown one: 400") {
    CHECK(Http(f.c.port(), "POST", "/media", "", f.Tus({{"Upload-Length", "10"}})).status == 400);
    CHECK(Http(f.c.port(), "POST", "/media", "",
               f.Tus({{"Upload-Length", "10"}, {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", "987654"}})}}))
              .status == 400);
  }
  SECTION("creating the same kind for the same request again returns the same upload to resume") {
    CHECK(f.Create(100) == path);
    CHECK(f.Create(100, "thumb") != path);
  }
}

TEST_CASE("HEAD repeats the Upload-Metadata the upload was created with, byte for byte", "[central][tus]") {
  // tus creation: "responses to HEAD requests MUST include the Upload-Metadata header and its
  // value as specified by the Client during the creation".
  Fixture f;
  const std::string path = f.Create(100, "thumb");
  const std::string sent =
      tus::FormatMetadata({{"service_request_id", f.request_id}, {"kind", "thumb"}, {"filetype", "image/jpeg"}});
  Reply r = Http(f.c.port(), "HEAD", path, "", f.Tus());
  REQUIRE(r.status == 200);
  CHECK(r.Header("upload-metadata") == sent);
  // Still so once bytes arrived, and once the upload is finished.
  REQUIRE(f.Patch(path, 0, std::string(100, 'x')).status == 204);
  r = Http(f.c.port(), "HEAD", path, "", f.Tus());
  CHECK(r.Header("upload-offset") == "100");
  CHECK(r.Header("upload-metadata") == sent);
  // A repeated creation (a device that lost the 201) finds the same upload, which keeps the
  // header of the POST that made it.
  const Reply again = Http(f.c.port(), "POST", "/media", "",
                           f.Tus({{"Upload-Length", "100"},
                                  {"Upload-Metadata", tus::FormatMetadata({{"kind", "thumb"},
                                                                           {"service_request_id", f.request_id}})}}));
  REQUIRE(again.status == 201);
  CHECK(Http(f.c.port(), "HEAD", path, "", f.Tus()).Header("upload-metadata") == sent);
}

TEST_CASE("X-HTTP-Method-Override is the request's method, as tus core asks", "[central][tus]") {
  // For a client behind a proxy that passes only GET and POST.
  Fixture f;
  const std::string photo = PhotoBytes(5000);
  const std::string path = f.Create(photo.size());
  Reply r = Http(f.c.port(), "POST", path, photo.substr(0, 2000),
                 f.Tus({{"X-HTTP-Method-Override", "PATCH"}, {"Content-Type", "application/offset+octet-stream"},
                        {"Upload-Offset", "0"}}));
  INFO(r.body);
  REQUIRE(r.status == 204);
  CHECK(r.Header("upload-offset") == "2000");
  r = Http(f.c.port(), "POST", path, "", f.Tus({{"X-HTTP-Method-Override", "HEAD"}}));
  CHECK(r.status == 200);
  CHECK(r.Header("upload-offset") == "2000");
  CHECK(r.body.empty());
  r = Http(f.c.port(), "POST", path, "", f.Tus({{"X-HTTP-Method-Override", "DELETE"}}));
  CHECK(r.status == 405);
  // Only a POST is overridden: a GET stays a safe request a proxy may repeat, here the photo's
  // GET, which finds it unfinished — and writes nothing.
  r = Http(f.c.port(), "GET", path, "", f.Tus({{"X-HTTP-Method-Override", "PATCH"}, {"Upload-Offset", "2000"}}));
  CHECK(r.status == 404);
  CHECK(f.Offset(path) == 2000);
  REQUIRE(f.Patch(path, 2000, photo.substr(2000)).status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

TEST_CASE("Every tus answer but OPTIONS carries Tus-Resumable, refusals included", "[central][tus]") {
  // tus 1.0.0: "The Tus-Resumable header MUST be included in every request and response except
  // for OPTIONS requests" — a client that checks it must not mistake a refusal for another server.
  Fixture f;
  const std::string path = f.Create(100);
  std::string revoked_id;
  const std::string revoked = f.c.EnrollDevice("revoked", &revoked_id);
  REQUIRE(f.c.Cli({"revoke", revoked_id}).exit_code == 0);
  struct Answer {
    const char* what;
    int status;
    Reply reply;
  };
  const std::vector<Answer> answers = {
      {"PUT /media", 405, Http(f.c.port(), "PUT", "/media", "x", f.Tus())},
      {"DELETE /media/{id}", 405, Http(f.c.port(), "DELETE", path, "", f.Tus())},
      {"HEAD without a key", 403, Http(f.c.port(), "HEAD", path, "", {{"Tus-Resumable", "1.0.0"}})},
      {"POST by a revoked device", 403,
       Http(f.c.port(), "POST", "/media", "",
            f.Tus({{"Upload-Length", "10"}, {"Upload-Metadata", f.Metadata("thumb")}}, revoked))},
      {"PATCH by a revoked device", 403, Http(f.c.port(), "PATCH", path, "x",
                                               f.Tus({{"Content-Type", "application/offset+octet-stream"},
                                                      {"Upload-Offset", "0"}}, revoked))},
      {"HEAD of no upload", 404, Http(f.c.port(), "HEAD", "/media/00000000000000000000000000000000", "", f.Tus())},
      {"PATCH of the wrong type", 415,
       Http(f.c.port(), "PATCH", path, "x", f.Tus({{"Content-Type", "image/jpeg"}, {"Upload-Offset", "0"}}))},
      {"PATCH at the wrong offset", 409, f.Patch(path, 7, "x")},
      {"PATCH past Upload-Length", 400, f.Patch(path, 0, std::string(101, 'x'))},
      {"POST larger than Tus-Max-Size", 413,
       Http(f.c.port(), "POST", "/media", "",
            f.Tus({{"Upload-Length", "999999999"},
                   {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id}})}}))},
      {"PATCH", 204, f.Patch(path, 0, "abc")},
      {"HEAD", 200, Http(f.c.port(), "HEAD", path, "", f.Tus())},
  };
  for (const Answer& a : answers) {
    INFO(a.what << ": " << a.reply.status << " " << a.reply.body);
    CHECK(a.reply.status == a.status);
    CHECK(a.reply.Header("tus-resumable") == "1.0.0");
  }
  CHECK(answers[0].reply.Header("allow") == "OPTIONS, POST");
}

TEST_CASE("A thumbnail can be linked by the device's client UUID alone", "[central][tus]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string uuid = NewUuid();
  const Reply created = PostForm(c.port(), "/requests.json", CreateForm(key, uuid));
  REQUIRE(created.status == 200);
  const std::string thumb = PhotoBytes(777);
  const Reply r = Http(c.port(), "POST", "/media", "",
                       {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}, {"Upload-Length", "777"},
                        {"Upload-Metadata", tus::FormatMetadata({{"client_uuid", uuid}, {"kind", "thumb"}, {"filetype", "image/png"}})}});
  REQUIRE(r.status == 201);
  const std::string path = r.Header("location").substr(c.base_url().size());
  REQUIRE(Http(c.port(), "PATCH", path, thumb,
               {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key},
                {"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "0"}})
              .status == 204);
  const std::string id = created.Json().items.at(0).Str("service_request_id");
  const auto q = Http(c.port(), "GET", "/requests/" + id + ".json").Json().items.at(0);
  CHECK(q.Str("thumbnail_url") == c.base_url() + path);
  CHECK(q.Str("media_url").empty());  // the photo itself has not come yet
  const Reply got = Http(c.port(), "GET", path);
  CHECK(got.Header("content-type") == "image/png");
  CHECK(got.body == thumb);
}

TEST_CASE("A field-work photo keeps when the device says it was taken, and the request publishes it in work_photos",
          "[central][tus][taken_at]") {
  Fixture f;
  // A POST /media for this request with these metadata and no body: the raw reply.
  const auto post = [&f](size_t length, tus::Metadata md) {
    md.insert(md.begin(), {"service_request_id", f.request_id});
    return Http(f.c.port(), "POST", "/media", "",
                f.Tus({{"Upload-Length", std::to_string(length)}, {"Upload-Metadata", tus::FormatMetadata(md)}}));
  };
  const auto require_refusal = [](const Reply& r, const std::string& words) {
    INFO(r.body);
    REQUIRE(r.status == 400);
    CHECK(r.Header("tus-resumable") == "1.0.0");
    const JsonValue v = r.Json();
    REQUIRE(v.items.size() == 1);
    CHECK(v.items[0].Find("code")->number == 400);
    CHECK(v.items[0].Str("description").find(words) != std::string::npos);
  };

  SECTION("the time sent comes back in UTC; none sent is null; a reset clock's 1970 is kept, not taken for none") {
    const std::string before = PhotoBytes(20000).substr(1), after = PhotoBytes(30000).substr(2),
                      after1 = PhotoBytes(25000).substr(3);
    const std::string before_path = f.Create(before.size(), "before");
    const std::string after_path = f.Create(after.size(), "after", {{"taken_at", "2026-11-24T10:20:30+05:30"}});
    const std::string after1_path =
        f.Create(after1.size(), "after", {{"index", "1"}, {"taken_at", "1970-01-01T00:00:00Z"}});
    // Nothing is listed before it is finished (U6).
    CHECK(f.Request().Find("work_photos")->items.empty());
    for (const auto& [path, bytes] : {std::pair{after1_path, after1}, std::pair{after_path, after}, std::pair{before_path, before}})
      REQUIRE(f.Patch(path, 0, bytes).status == 204);

    // The public view (no key): a work photo's time is the record of the work, not personal data.
    const JsonValue q = f.Request();
    const JsonValue* photos = q.Find("work_photos");
    REQUIRE(photos);
    REQUIRE(photos->items.size() == 3);  // befores first, then afters, in index order
    const struct {
      const char* kind;
      int index;
      std::string path;
      const char* taken;  // nullptr: null
    } want[] = {{"before", 0, before_path, nullptr},
                {"after", 0, after_path, "2026-11-24T04:50:30Z"},
                {"after", 1, after1_path, "1970-01-01T00:00:00Z"}};
    for (size_t i = 0; i < 3; ++i) {
      INFO("work_photos[" << i << "]");
      const JsonValue& p = photos->items[i];
      CHECK(p.members.size() == 4);  // kind, index, media_url, taken_datetime: nothing else of the upload
      CHECK(p.Str("kind") == want[i].kind);
      CHECK(p.Find("index")->number == want[i].index);
      CHECK(p.Str("media_url") == f.c.base_url() + want[i].path);
      REQUIRE(p.Find("taken_datetime"));
      if (want[i].taken) {
        CHECK(p.Str("taken_datetime") == want[i].taken);
      } else {
        CHECK(p.Find("taken_datetime")->is_null());
      }
    }
    // The lists devices read before work_photos are as they were.
    REQUIRE(q.Find("before_media_urls")->items.size() == 1);
    CHECK(q.Find("before_media_urls")->items[0].text == f.c.base_url() + before_path);
    REQUIRE(q.Find("after_media_urls")->items.size() == 2);
    CHECK(q.Find("after_media_urls")->items[0].text == f.c.base_url() + after_path);
    CHECK(q.Find("after_media_urls")->items[1].text == f.c.base_url() + after1_path);
    // A list of requests, read with a device key, says the same.
    const Reply list = Http(f.c.port(), "GET", "/requests.json?service_request_id=" + f.request_id, "", f.Tus());
    REQUIRE(list.status == 200);
    const JsonValue listing = list.Json();
    const JsonValue* listed = listing.items.at(0).Find("work_photos");
    REQUIRE(listed);
    REQUIRE(listed->items.size() == 3);
    CHECK(listed->items[1].Str("taken_datetime") == "2026-11-24T04:50:30Z");
    CHECK(listed->items[0].Find("taken_datetime")->is_null());
  }
  SECTION("a malformed taken_at is a 400 that says so, and no upload is made") {
    for (const char* bad : {"2026-11-24 10:20:30+05:30", "2026-11-24T10:20:30", "2026-02-30T10:00:00Z", "yesterday",
                            "1732443630", ""}) {
      INFO(bad);
      require_refusal(post(10, {{"kind", "after"}, {"taken_at", bad}}), "taken_at");
    }
    // Had one of them made the (request, after, 0) upload, another length would be a 409 (U4).
    const std::string made = f.Create(20, "after");
    CHECK(f.Create(20, "after") == made);
  }
  SECTION("the citizen's photos carry no taken_at: 400, and no upload is made") {
    require_refusal(post(10, {{"kind", "photo"}, {"taken_at", "2026-11-24T10:20:30+05:30"}}), "taken_at");
    require_refusal(post(10, {{"kind", "thumb"}, {"taken_at", "2026-11-24T10:20:30+05:30"}}), "taken_at");
    require_refusal(post(10, {{"index", "1"}, {"taken_at", "2026-11-24T10:20:30+05:30"}}), "taken_at");  // photo by default
    // Had a refusal made one of them, another length would now be a 409 (U4).
    f.Create(20, "photo");
    CHECK(post(11, {{"kind", "thumb"}}).status == 201);
    CHECK(post(11, {{"kind", "photo"}, {"index", "1"}}).status == 201);
  }
  SECTION("a repeated POST resumes the same upload whatever time it declares; the first one stored stays") {
    const std::string after = PhotoBytes(40000);
    const tus::Metadata same{{"sha256", Sha256Hex(after)}};
    tus::Metadata first = same, second = same;
    first.emplace_back("taken_at", "2026-11-24T10:20:30+05:30");
    second.emplace_back("taken_at", "2026-11-25T08:00:00Z");
    const std::string path = f.Create(after.size(), "after", first);
    CHECK(f.Create(after.size(), "after", second) == path);
    CHECK(f.Create(after.size(), "after", same) == path);  // none declared this time
    // Once bytes have arrived too (the device lost the PATCH's answer and starts over).
    REQUIRE(f.Patch(path, 0, after.substr(0, 10000)).status == 204);
    const Reply again = post(after.size(), {{"kind", "after"}, {"sha256", Sha256Hex(after)}, {"taken_at", "2030-01-01T00:00:00Z"}});
    REQUIRE(again.status == 201);
    CHECK(again.Header("location") == f.c.base_url() + path);
    REQUIRE(f.Patch(path, 10000, after.substr(10000)).status == 204);
    const JsonValue q = f.Request();
    const JsonValue* photos = q.Find("work_photos");
    REQUIRE(photos->items.size() == 1);
    CHECK(photos->items[0].Str("taken_datetime") == "2026-11-24T04:50:30Z");
  }
}

TEST_CASE("A PATCH cut by a network reset loses nothing that was acknowledged, and resuming from HEAD completes the photo",
          "[central][tus][faults]") {
  Fixture f;
  const std::string photo = PhotoBytes(150000);
  const std::string path = f.Create(photo.size());
  FaultProxy proxy(f.c.port());
  Faults cut;
  cut.up.reset_after = 60000;  // the headers and some 59 KB of the body, then RST both ways
  proxy.SetFaults(cut);
  std::string error;
  REQUIRE(proxy.Start(&error));
  const Reply broken = Http(proxy.port(), "PATCH", path, photo,
                            f.Tus({{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "0"}}));
  CHECK(broken.status == 0);
  // However much the server kept, HEAD says so, and the rest from there makes the exact photo.
  // Central may still be finishing the cut PATCH (it notices the reset when it next reads) and
  // then answers 409 — upload busy, or the offset moved — which means: ask HEAD again, as a
  // device does.
  Reply r;
  long long offset = -1;
  for (int attempt = 0; attempt < 50; ++attempt) {
    offset = f.Offset(path);
    REQUIRE(offset >= 0);
    REQUIRE(offset < 60000);
    r = f.Patch(path, offset, photo.substr(static_cast<size_t>(offset)), Sha256Base64(photo.substr(static_cast<size_t>(offset))));
    if (r.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(r.status == 204);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

TEST_CASE("A second PATCH to an upload while one is in flight is refused with 409", "[central][tus][concurrency]") {
  Fixture f;
  const std::string photo = PhotoBytes(20000);
  const std::string path = f.Create(photo.size());
  const int fd = ConnectLoopback(f.c.port());
  REQUIRE(fd >= 0);
  const std::string head = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer " +
                           f.key + "\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n" +
                           "Content-Length: " + std::to_string(photo.size()) + "\r\nConnection: close\r\n\r\n";
  REQUIRE(SendAll(fd, head + photo.substr(0, 5000)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the first PATCH now holds the upload
  CHECK(f.Patch(path, 0, photo).status == 409);
  REQUIRE(SendAll(fd, photo.substr(5000)));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  CHECK(answer.rfind("HTTP/1.1 204", 0) == 0);
  CHECK(Http(f.c.port(), "GET", path).body == photo);
}

// ---- Flushing later (PROTOCOL.md; invariant U8 in sync/central/DESIGN.md)

namespace {

// POST /media/sync for these upload paths ("/media/<id>"); the answer as upload id → offset.
std::map<std::string, long long> Seal(const Fixture& f, const std::vector<std::string>& paths, const std::string& key) {
  samvad::protocol::Form form;
  for (const std::string& p : paths) form.push_back({"upload_id", p.substr(p.rfind('/') + 1)});
  const Reply r = PostForm(f.c.port(), "/media/sync", form, {{"Authorization", "Bearer " + key}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Header("cache-control") == "no-store");
  std::map<std::string, long long> out;
  for (const auto& u : r.Json().items) {
    CHECK(u.Find("length") != nullptr);
    out["/media/" + u.Str("upload_id")] = std::stoll(u.Find("offset")->text);
  }
  return out;
}

}  // namespace

TEST_CASE("Flushing later: answers say 'later' until POST /media/sync, which reports each upload's durable offset",
          "[central][tus][flush]") {
  Fixture f;
  const std::string photo = PhotoBytes(120000);
  const auto post = [&](const std::string& body, bool later, const std::string& index = "0") {
    Headers h{{"Upload-Length", std::to_string(photo.size())},
              {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id},
                                                       {"index", index},
                                                       {"sha256", Sha256Hex(photo)}})},
              {"Content-Type", "application/offset+octet-stream"}};
    if (later) h.emplace_back("Samvad-Durable", "later");
    const Reply r = Http(f.c.port(), "POST", "/media", body, f.Tus(h));
    REQUIRE(r.status == 201);
    return r;
  };
  // Whole, asked to flush later: acknowledged and marked so on every answer, but not published
  // (U6): not served, not the request's media_url, until a flush makes it durable.
  const Reply whole = post(photo, true);
  CHECK(whole.Header("upload-offset") == std::to_string(photo.size()));
  CHECK(whole.Header("samvad-durable") == "later");
  const std::string a = whole.Header("location").substr(f.c.base_url().size());
  CHECK(Http(f.c.port(), "HEAD", a, "", f.Tus()).Header("samvad-durable") == "later");
  CHECK(Http(f.c.port(), "GET", a).status == 404);
  CHECK(f.Request().Str("media_url").empty());
  // The same POST again (its answer lost): the same upload, still not flushed.
  CHECK(post(photo, true).Header("samvad-durable") == "later");
  // Part of one, later: the PATCH that goes on is also answered 'later'.
  const Reply part = post(photo.substr(0, 50000), true, "1");
  const std::string b = part.Header("location").substr(f.c.base_url().size());
  CHECK(part.Header("samvad-durable") == "later");
  // A whole one sent the ordinary way: flushed before its answer, which says nothing more.
  const Reply plain = Http(f.c.port(), "POST", "/media", photo,
                           f.Tus({{"Upload-Length", std::to_string(photo.size())},
                                  {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id},
                                                                           {"kind", "thumb"},
                                                                           {"sha256", Sha256Hex(photo)}})},
                                  {"Content-Type", "application/offset+octet-stream"}}));
  REQUIRE(plain.status == 201);
  CHECK(plain.Header("samvad-durable").empty());
  const std::string c = plain.Header("location").substr(f.c.base_url().size());
  CHECK(Http(f.c.port(), "GET", c).body == photo);  // flushed before its answer: published at once
  CHECK(f.Request().Str("thumbnail_url") == f.c.base_url() + c);

  // Another device is told nothing about this device's uploads; an unknown id is left out too.
  const std::string other = f.c.EnrollDevice("another device");
  CHECK(Seal(f, {a, b, c}, other).empty());

  const auto durable = Seal(f, {a, b, c, "/media/0123456789abcdef0123456789abcdef"}, f.key);
  CHECK(durable.size() == 3);
  CHECK(durable.at(a) == static_cast<long long>(photo.size()));
  CHECK(durable.at(b) == 50000);
  CHECK(durable.at(c) == static_cast<long long>(photo.size()));
  CHECK(Http(f.c.port(), "HEAD", a, "", f.Tus()).Header("samvad-durable").empty());
  CHECK(Http(f.c.port(), "HEAD", b, "", f.Tus()).Header("samvad-durable").empty());
  // Durable now: a is published; b is not finished.
  CHECK(Http(f.c.port(), "GET", a).body == photo);
  CHECK(f.Request().Str("media_url") == f.c.base_url() + a);
  CHECK(f.Request().Find("media_urls")->items.size() == 1);

  // The rest of b, later again: 'later' until the next flush, which needs no list (204).
  Headers h{{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "50000"}, {"Samvad-Durable", "later"}};
  const Reply rest = Http(f.c.port(), "PATCH", b, photo.substr(50000), f.Tus(h));
  REQUIRE(rest.status == 204);
  CHECK(rest.Header("samvad-durable") == "later");
  CHECK(Http(f.c.port(), "HEAD", b, "", f.Tus()).Header("samvad-durable") == "later");
  CHECK(Http(f.c.port(), "GET", b).status == 404);
  CHECK(Http(f.c.port(), "POST", "/media/sync", "", {{"Authorization", "Bearer " + f.key}}).status == 204);
  CHECK(Http(f.c.port(), "HEAD", b, "", f.Tus()).Header("samvad-durable").empty());
  CHECK(Http(f.c.port(), "GET", b).body == photo);
  CHECK(f.Request().Find("media_urls")->items.size() == 2);

  // The spec's error cases.
  CHECK(Http(f.c.port(), "POST", "/media/sync", "").status == 403);
  CHECK(Http(f.c.port(), "POST", "/media/sync", "", {{"Authorization", "Bearer not-a-key"}}).status == 403);
  const Reply get = Http(f.c.port(), "GET", "/media/sync", "", {{"Authorization", "Bearer " + f.key}});
  CHECK(get.status == 405);
  CHECK(get.Header("allow") == "POST");
  const Reply odd = PostForm(f.c.port(), "/media/sync", {{"photo", "x"}}, {{"Authorization", "Bearer " + f.key}});
  CHECK(odd.status == 400);
  CHECK(odd.Json().items.at(0).Str("description").find("upload_id") != std::string::npos);
}

// A device that never seals (lost on the way back from a site, or a tus client that does not know
// the extension) must not leave its photo unpublished until central's next start: serve seals
// by itself every --seal-every seconds (300 by default; 1 here).
TEST_CASE("serve seals by itself what no device sealed, and publishes it", "[central][tus][flush]") {
  Fixture f({"--seal-every", "1"});
  const std::string photo = PhotoBytes(120000);
  const Reply r = Http(f.c.port(), "POST", "/media", photo,
                       f.Tus({{"Upload-Length", std::to_string(photo.size())},
                              {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id},
                                                                       {"index", "0"},
                                                                       {"sha256", Sha256Hex(photo)}})},
                              {"Content-Type", "application/offset+octet-stream"},
                              {"Samvad-Durable", "later"}}));
  REQUIRE(r.status == 201);
  REQUIRE(r.Header("samvad-durable") == "later");
  const std::string path = r.Header("location").substr(f.c.base_url().size());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (Http(f.c.port(), "GET", path).status != 200 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(Http(f.c.port(), "GET", path).body == photo);
  CHECK(Http(f.c.port(), "HEAD", path, "", f.Tus()).Header("samvad-durable").empty());
  CHECK(f.Request().Str("media_url") == f.c.base_url() + path);
  // The device, back at last, seals and is told the photo is on the disk.
  CHECK(Seal(f, {path}, f.key).at(path) == static_cast<long long>(photo.size()));
  // The option is checked like every other.
  const RunResult bad = f.c.Cli({"serve", "--seal-every", "x"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("--seal-every must be 0 to 86400 seconds (0: never)") != std::string::npos);
}

TEST_CASE("Uploads acknowledged before a flush survive a killed central; after a machine restart only checked ones are kept",
          "[central][tus][flush]") {
  Fixture f;
  const std::string photo = PhotoBytes(90000);
  const auto post = [&](const std::string& body, const std::string& kind, const std::string& index = "0") {
    const Reply r = Http(f.c.port(), "POST", "/media", body,
                         f.Tus({{"Upload-Length", std::to_string(photo.size())},
                                {"Upload-Metadata", tus::FormatMetadata({{"service_request_id", f.request_id},
                                                                         {"kind", kind},
                                                                         {"index", index},
                                                                         {"sha256", Sha256Hex(photo)}})},
                                {"Content-Type", "application/offset+octet-stream"},
                                {"Samvad-Durable", "later"}}));
    REQUIRE(r.status == 201);
    REQUIRE(r.Header("samvad-durable") == "later");
    return r.Header("location").substr(f.c.base_url().size());
  };
  std::string why;
  SECTION("killed with -9 on the same machine: the page cache held every byte; the restart flushes and keeps all") {
    const std::string part = post(photo.substr(0, 40000), "photo");
    const std::string whole = post(photo, "thumb");
    f.c.Kill9();
    REQUIRE(f.c.Restart(&why));
    CHECK(f.Offset(part) == 40000);
    CHECK(f.Offset(whole) == static_cast<long long>(photo.size()));
    CHECK(Http(f.c.port(), "HEAD", part, "", f.Tus()).Header("samvad-durable").empty());
    CHECK(Http(f.c.port(), "GET", whole).body == photo);
  }
  SECTION("after a machine restart: an intact finished upload is kept, a damaged or unfinished one starts again at 0") {
    const std::string part = post(photo.substr(0, 40000), "photo");
    const std::string intact = post(photo, "thumb");
    const std::string damaged = post(photo, "photo", "1");
    // Not flushed yet, so nothing of it is published: no URL can point at a photo the power cut
    // below sends back to 0.
    CHECK(f.Request().Str("thumbnail_url").empty());
    CHECK(f.Request().Find("media_urls")->items.empty());
    f.c.Kill9();
    // What a power cut can leave: the file's last pages never reached the disk.
    REQUIRE(truncate((f.c.dir() + "/media" + damaged.substr(6)).c_str(), 60000) == 0);
    ExecSql(f.c.db_url(), "UPDATE samvad_meta SET value = 'a-boot-before-the-power-cut' WHERE name = 'media_boot_id'");
    REQUIRE(f.c.Restart(&why));
    CHECK(f.Offset(part) == 0);
    CHECK(f.Offset(damaged) == 0);
    CHECK(f.Offset(intact) == static_cast<long long>(photo.size()));
    CHECK(Http(f.c.port(), "GET", intact).body == photo);
    CHECK(Http(f.c.port(), "GET", damaged).status == 404);
    CHECK(f.Request().Str("thumbnail_url") == f.c.base_url() + intact);  // kept: published at the start's flush
    CHECK(f.Request().Find("media_urls")->items.empty());
    // The device's seal tells it which to send again.
    const auto durable = Seal(f, {part, intact, damaged}, f.key);
    CHECK(durable.at(part) == 0);
    CHECK(durable.at(intact) == static_cast<long long>(photo.size()));
    CHECK(durable.at(damaged) == 0);
    // And the resend completes it.
    REQUIRE(f.Patch(damaged, 0, photo).status == 204);
    CHECK(Http(f.c.port(), "GET", damaged).body == photo);
  }
}

// A full disk, for real (as tests/store/diskfull.tests.cpp does for the device): central runs in
// a user and mount namespace of its own (`unshare`, no root needed on Debian 12) with a 2 MB
// tmpfs as its media folder, 1 MB of it taken by a filler. The kernel answers ENOSPC to the
// photo's writes. Central must refuse what it could not store, say why, and promise nothing it
// does not have; once space is freed the upload resumes from what central has.
TEST_CASE("A full media disk: the upload is refused with 503 and a reason, nothing is promised, and it resumes later",
          "[central][tus][diskfull]") {
  // Run on SQLite only (CMakeLists.txt): PostgreSQL's socket is out of reach from the namespace.
  REQUIRE_FALSE(UsingPostgres());
  if (!CanMountSmallTmpfs()) return;
  const std::string parent = MakeTempDir("samvad-full-media");  // central keeps its bundle key beside media/
  const std::string media = parent + "/media";
  REQUIRE(::mkdir(media.c_str(), 0700) == 0);
  const std::string setup =
      "mount -t tmpfs -o size=2m tmpfs \"$0\" && head -c 1048576 /dev/zero > \"$0/filler\" && exec \"$@\"";
  Central c({"unshare", "-Urm", "sh", "-c", setup, media}, media);
  const std::string key = c.EnrollDevice();
  const Reply created = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid()));
  REQUIRE(created.status == 200);
  const std::string request_id = created.Json().items.at(0).Str("service_request_id");
  const Headers bearer = {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}};
  const auto post = [&](const std::string& photo, const std::string& index) {
    Headers h = bearer;
    h.push_back({"Upload-Length", std::to_string(photo.size())});
    h.push_back({"Upload-Metadata", tus::FormatMetadata({{"service_request_id", request_id},
                                                         {"index", index},
                                                         {"sha256", Sha256Hex(photo)}})});
    h.push_back({"Content-Type", "application/offset+octet-stream"});
    return Http(c.port(), "POST", "/media", photo, h);
  };
  // Two photos fit in the megabyte left; the third does not.
  const std::string first = NoiseBytes(400000, 1), second = NoiseBytes(400000, 2), third = NoiseBytes(400000, 3);
  REQUIRE(post(first, "0").Header("upload-offset") == "400000");
  REQUIRE(post(second, "1").Header("upload-offset") == "400000");
  const Reply full = post(third, "2");
  INFO(full.body);
  // The upload exists (creation-with-upload), and its answer says it holds nothing of the body.
  REQUIRE(full.status == 201);
  CHECK(full.Header("upload-offset") == "0");
  const std::string path = full.Header("location").substr(c.base_url().size());
  Headers patch = bearer;
  patch.push_back({"Content-Type", "application/offset+octet-stream"});
  patch.push_back({"Upload-Offset", "0"});
  const Reply refused = Http(c.port(), "PATCH", path, third, patch);
  INFO(refused.body);
  REQUIRE(refused.status == 503);
  CHECK(refused.Header("retry-after") != "");  // a full disk is not cleared in a moment
  CHECK(refused.Json().items.at(0).Str("description").find("full") != std::string::npos);
  CHECK(Http(c.port(), "HEAD", path, "", bearer).Header("upload-offset") == "0");
  CHECK(Http(c.port(), "GET", path).status == 404);
  // Nothing stored before is touched.
  const JsonValue request = [&] {
    const Reply r = Http(c.port(), "GET", "/requests/" + request_id + ".json");
    REQUIRE(r.status == 200);
    return r.Json().items.at(0);
  }();
  REQUIRE(request.Find("media_urls")->items.size() == 2);
  CHECK(Http(c.port(), "GET", request.Find("media_urls")->items[0].text.substr(c.base_url().size())).body == first);

  // An operator frees space (in central's own view of its media folder); the device resumes.
  REQUIRE(::unlink(("/proc/" + std::to_string(c.pid()) + "/root" + media + "/filler").c_str()) == 0);
  const Reply resumed = Http(c.port(), "PATCH", path, third, patch);
  INFO(resumed.body);
  REQUIRE(resumed.status == 204);
  CHECK(Http(c.port(), "GET", path).body == third);
  RemoveTree(parent);
}

namespace {

// For the sweep: an upload begun 40 days ago and never finished (50 KB of `photo` sent), and one
// finished 40 days ago. Returns their paths, "/media/<id>".
std::pair<std::string, std::string> AbandonedAndFinished(const Fixture& f, const std::string& photo) {
  const std::string abandoned = f.Create(photo.size(), "photo");
  REQUIRE(f.Patch(abandoned, 0, photo.substr(0, 50000)).status == 204);
  const std::string finished = f.Create(photo.size(), "photo", {{"index", "1"}});
  REQUIRE(f.Patch(finished, 0, photo).status == 204);
  ExecSql(f.c.db_url(), "UPDATE uploads SET created_at = created_at - 40 * 86400 WHERE upload_id IN ('" +
                            abandoned.substr(7) + "', '" + finished.substr(7) + "')");
  return {abandoned, finished};
}

}  // namespace

TEST_CASE("sweep forgets uploads never finished within N days and removes files no upload names, and nothing else",
          "[central][tus][sweep]") {
  Fixture f({"--sweep-days", "0"});  // only the command sweeps here
  const std::string media = f.c.dir() + "/media";
  const std::string photo = PhotoBytes(120000);
  const auto file_of = [&](const std::string& path) { return media + path.substr(6); };  // "/media/<id>"
  // Begun 40 days ago and never finished: swept. Finished 40 days ago: kept, and still served.
  const auto [abandoned, finished] = AbandonedAndFinished(f, photo);
  // Begun just now, half sent: kept (the device is on its way).
  const std::string recent = f.Create(photo.size(), "thumb");
  REQUIRE(f.Patch(recent, 0, photo.substr(0, 30000)).status == 204);
  // Files no row names: one two days old (a crash's leftover), one just written (maybe an import
  // in progress), and a file that is not an upload's at all.
  const auto write = [](const std::string& path, std::int64_t age_s) {
    { std::ofstream(path) << "leftover"; }
    const timeval when[2] = {{time(nullptr) - age_s, 0}, {time(nullptr) - age_s, 0}};
    REQUIRE(::utimes(path.c_str(), when) == 0);
  };
  const std::string old_orphan = media + "/0123456789abcdef0123456789abcdef";
  const std::string new_orphan = media + "/fedcba9876543210fedcba9876543210";
  const std::string not_ours = media + "/README.txt";
  write(old_orphan, 2 * 86400);
  write(new_orphan, 60);
  write(not_ours, 2 * 86400);

  CHECK(f.c.Cli({"sweep", "--media", media, "--days", "0"}).exit_code == 2);
  const RunResult r = f.c.Cli({"sweep", "--media", media, "--days", "30"});
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("swept 1 upload(s) not finished within 30 days") != std::string::npos);
  CHECK(r.out.find("and 1 file(s) no upload names") != std::string::npos);

  CHECK(Http(f.c.port(), "HEAD", abandoned, "", f.Tus()).status == 404);
  CHECK_FALSE(std::filesystem::exists(file_of(abandoned)));
  CHECK(f.Offset(recent) == 30000);
  CHECK(Http(f.c.port(), "GET", finished).body == photo);
  CHECK_FALSE(std::filesystem::exists(old_orphan));
  CHECK(std::filesystem::exists(new_orphan));
  CHECK(std::filesystem::exists(not_ours));
  // The device that comes back to the forgotten upload makes it again and sends its photo.
  const std::string again = f.Create(photo.size(), "photo");
  CHECK(again != abandoned);
  REQUIRE(f.Patch(again, 0, photo).status == 204);
  CHECK(Http(f.c.port(), "GET", again).body == photo);
  // A second sweep finds nothing more.
  CHECK(f.c.Cli({"sweep", "--media", media}).out.find("swept 0 upload(s)") != std::string::npos);
}

// No operator has to remember the sweep: serve runs it at start and then every day
// (--sweep-days, default 30). Shown at start, after a restart; the daily repeat is the same call.
TEST_CASE("serve sweeps the media folder by itself when it starts", "[central][tus][sweep]") {
  Fixture f;
  const std::string media = f.c.dir() + "/media";
  const std::string photo = PhotoBytes(120000);
  const auto [abandoned, finished] = AbandonedAndFinished(f, photo);
  const std::string orphan = media + "/0123456789abcdef0123456789abcdef";
  { std::ofstream(orphan) << "leftover"; }
  const timeval two_days_ago[2] = {{time(nullptr) - 2 * 86400, 0}, {time(nullptr) - 2 * 86400, 0}};
  REQUIRE(::utimes(orphan.c_str(), two_days_ago) == 0);
  f.c.Kill9();
  std::string why;
  REQUIRE(f.c.Restart(&why));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while ((std::filesystem::exists(orphan) || Http(f.c.port(), "HEAD", abandoned, "", f.Tus()).status != 404) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(Http(f.c.port(), "HEAD", abandoned, "", f.Tus()).status == 404);
  CHECK_FALSE(std::filesystem::exists(orphan));
  CHECK(Http(f.c.port(), "GET", finished).body == photo);
  // The schedule's one option is checked like every other.
  for (const char* wrong : {"-1", "3O", "", "99999"}) {  // "3O" (a letter O) is not 3 days
    const RunResult bad = f.c.Cli({"serve", "--sweep-days", wrong});
    INFO(wrong);
    CHECK(bad.exit_code == 2);
    CHECK(bad.out.find("--sweep-days must be 0 to 3650 (0: never)") != std::string::npos);
  }
}
