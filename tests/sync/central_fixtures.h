// central_fixtures.h — what the central protocol tests share: the spec's error body check, and
// a central with one device and one complaint to attach tus uploads to. Catch2 assertions, so
// for test files only.
#pragma once
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness.h"
#include "sync/protocol/tus.h"

namespace samvad::testing {

// The spec's error body: exactly [{"code": status, "description": non-empty}].
inline void RequireOpen311Error(const Reply& r, int status) {
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == status);
  const protocol::JsonValue v = r.Json();
  REQUIRE(v.type == protocol::JsonValue::Type::Array);
  REQUIRE(v.items.size() == 1);
  CHECK(v.items[0].Find("code")->number == status);
  CHECK_FALSE(v.items[0].Str("description").empty());
}

struct TusFixture {
  // `serve_options`: more `serve` options, e.g. {"--sweep-days", "0"} for a test that runs the
  // sweep itself and must not race serve's own.
  explicit TusFixture(std::vector<std::string> serve_options = {}) : c({}, "", std::move(serve_options)) { Init(); }
  Central c;
  std::string key = c.EnrollDevice();
  std::string request_id;
  void Init() {
    const Reply r = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid()));
    REQUIRE(r.status == 200);
    request_id = r.Json().items.at(0).Str("service_request_id");
  }
  // A device's key alone (this fixture's, or `as_key`): for requests that are to lack (or
  // misstate) Tus-Resumable.
  Headers Auth(Headers extra = {}, const std::string& as_key = "") const {
    extra.emplace_back("Authorization", "Bearer " + (as_key.empty() ? key : as_key));
    return extra;
  }
  Headers Tus(Headers extra = {}, const std::string& as_key = "") const {
    extra.emplace_back("Tus-Resumable", "1.0.0");
    return Auth(std::move(extra), as_key);
  }
  // Upload-Metadata for a photo of this complaint.
  std::string Metadata(const std::string& kind = "photo", protocol::tus::Metadata extra = {}) const {
    protocol::tus::Metadata md{{"service_request_id", request_id}, {"kind", kind}, {"filetype", "image/jpeg"}};
    md.insert(md.end(), extra.begin(), extra.end());
    return protocol::tus::FormatMetadata(md);
  }
  // POST /media for this request; returns the upload's path ("/media/…").
  std::string Create(size_t length, const std::string& kind = "photo", protocol::tus::Metadata extra = {}) const {
    const Reply r = Http(c.port(), "POST", "/media", "",
                         Tus({{"Upload-Length", std::to_string(length)}, {"Upload-Metadata", Metadata(kind, extra)}}));
    INFO(r.body);
    REQUIRE(r.status == 201);
    CHECK(r.Header("tus-resumable") == "1.0.0");
    const std::string loc = r.Header("location");
    REQUIRE(loc.rfind(c.base_url() + "/media/", 0) == 0);
    return loc.substr(c.base_url().size());
  }
  long long Offset(const std::string& path) const {
    const Reply r = Http(c.port(), "HEAD", path, "", Tus());
    REQUIRE(r.status == 200);
    CHECK(r.Header("cache-control") == "no-store");
    return std::stoll(r.Header("upload-offset"));
  }
  // The request as anyone reads it (GET /requests/{id}.json, no key).
  protocol::JsonValue Request() const {
    const Reply r = Http(c.port(), "GET", "/requests/" + request_id + ".json");
    REQUIRE(r.status == 200);
    return r.Json().items.at(0);
  }
  Reply Patch(const std::string& path, long long offset, const std::string& bytes, const std::string& checksum = "") const {
    Headers h;
    if (!checksum.empty()) h.emplace_back("Upload-Checksum", "sha256 " + checksum);
    return PatchAt(path, std::to_string(offset), bytes, std::move(h));
  }
  // A PATCH with Upload-Offset as given (text, so it can be malformed) and `extra` headers.
  Reply PatchAt(const std::string& path, const std::string& offset, const std::string& bytes, Headers extra = {}) const {
    extra.emplace_back("Content-Type", "application/offset+octet-stream");
    extra.emplace_back("Upload-Offset", offset);
    return Http(c.port(), "PATCH", path, bytes, Tus(std::move(extra)));
  }
};

}  // namespace samvad::testing
