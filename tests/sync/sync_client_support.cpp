// sync_client_support.cpp — see sync_client_support.h.
//
// [SECTION] samvad-central, enrolled
// [SECTION] HTTP
// [SECTION] Device and central contents
#include "sync_client_support.h"

#include <curl/curl.h>

#include <cstdio>
#include <mutex>

#include "sync/model/sha256.h"
#include "sync/protocol/json.h"

namespace samvad::testing::client {

// =============================================================================================
// [SECTION] samvad-central, enrolled
// =============================================================================================

std::string CentralServer::EnrollDevice(std::string* why) const {
  const std::string code = NewEnrolmentCode("sync client test", why);
  if (code.empty()) return {};
  const Got g = HttpPostForm(url() + "/devices/enroll.json", "code=" + code);
  std::string err;
  const auto json = protocol::ParseJson(g.body, &err);
  if (g.status != 200 || !json || json->items.empty()) {
    *why = "enrol answered " + std::to_string(g.status) + ": " + g.body;
    return {};
  }
  return json->items[0].Str("api_key");
}

// =============================================================================================
// [SECTION] HTTP
// =============================================================================================

namespace {

size_t Append(char* d, size_t s, size_t n, void* u) {
  static_cast<std::string*>(u)->append(d, s * n);
  return s * n;
}

size_t Header(char* d, size_t s, size_t n, void* u) {
  std::string line(d, s * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string k = line.substr(0, colon);
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string v = line.substr(colon + 1);
    v.erase(0, v.find_first_not_of(' '));
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(u))[k] = v;
  }
  return s * n;
}

Got Perform(const std::string& url, const std::string* post, const std::vector<std::string>& headers) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Got g;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &g.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &g.headers);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  if (post) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(post->size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post->data());
  }
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  g.status = static_cast<int>(status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return g;
}

}  // namespace

Got HttpGet(const std::string& url) { return Perform(url, nullptr, {}); }

Got HttpPostForm(const std::string& url, const std::string& form_body, const std::vector<std::string>& headers) {
  std::vector<std::string> h = headers;
  h.push_back("Content-Type: application/x-www-form-urlencoded");
  return Perform(url, &form_body, h);
}

std::string Sha256Hex(std::string_view bytes) { return model::Sha256Hex(bytes); }

// =============================================================================================
// [SECTION] Device and central contents
// =============================================================================================

Device::Device(const std::string& tag, int ward, int device) : dir_(tag) {
  std::string why;
  if (store_.Open(dir_.str(), &why) == store::OpenStatus::Failed) std::fprintf(stderr, "device store: %s\n", why.c_str());
  store_.Enrol(ward, device);
}

bool Device::File(std::mt19937_64& rng, std::int64_t photo_bytes, std::int64_t thumb_bytes, Filed* out,
                  std::string* why, int photos) {
  store::ComplaintDraft d;
  static const char* kCategories[] = {"pothole", "garbage", "streetlight", "water", "drainage"};
  static const char* kWards[] = {"K/E", "G/N", "A", "F/N"};
  d.fields.category = kCategories[rng() % 5];
  d.fields.ward_code = kWards[rng() % 4];
  d.fields.landmark = "near the temple, lane " + std::to_string(rng() % 100);
  d.fields.description = "रस्त्यावर मोठा खड्डा आहे — complaint " + std::to_string(rng() % 100000);
  d.fields.phone = rng() % 2 ? "98201 23456" : "";
  d.fields.lang = "mr";
  const auto random = [&rng](std::int64_t n) {
    std::vector<std::uint8_t> v(static_cast<size_t>(n));
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
  };
  out->photo_sha256.clear();
  out->thumb_sha256.clear();
  out->photos_sha256.clear();
  for (int k = 0; photo_bytes > 0 && k < photos; ++k) {
    store::PhotoDraft p;
    p.jpeg = random(photo_bytes - k * 1000);  // not the same size either
    p.thumb = random(thumb_bytes);
    p.width = 1600;
    p.height = 1200;
    out->photos_sha256.push_back(Sha256Hex(std::string_view(reinterpret_cast<const char*>(p.jpeg.data()), p.jpeg.size())));
    if (k == 0) {
      out->photo_sha256 = out->photos_sha256.back();
      out->thumb_sha256 = Sha256Hex(std::string_view(reinterpret_cast<const char*>(p.thumb.data()), p.thumb.size()));
    }
    d.photos.push_back(std::move(p));
  }
  out->result = store_.Submit(d);
  if (out->result.status != store::SubmitStatus::Ok) {
    *why = std::string("submit: ") + store::SubmitStatusName(out->result.status) + " " + out->result.detail;
    return false;
  }
  return true;
}

namespace {

// media_url as central wrote it may name a proxy; fetch it from central itself.
std::string Direct(const std::string& central_url, const std::string& media_url) {
  const size_t scheme = media_url.find("://");
  const size_t path = scheme == std::string::npos ? std::string::npos : media_url.find('/', scheme + 3);
  return path == std::string::npos ? media_url : central_url + media_url.substr(path);
}

}  // namespace

bool ReadAllRequests(const std::string& central_url, bool with_media, std::vector<CentralRequest>* out,
                     std::string* why) {
  out->clear();
  for (int page = 1;; ++page) {
    const Got g = HttpGet(central_url + "/requests.json?page_size=200&page=" + std::to_string(page));
    std::string err;
    const auto json = protocol::ParseJson(g.body, &err);
    if (g.status != 200 || !json || json->type != protocol::JsonValue::Type::Array) {
      *why = "GET /requests.json answered " + std::to_string(g.status) + ": " + g.body.substr(0, 200);
      return false;
    }
    if (json->items.empty()) return true;
    for (const auto& r : json->items) {
      CentralRequest q{r.Str("service_request_id"), r.Str("ticket"), r.Str("status"), {}, {}, {}, {}};
      if (const protocol::JsonValue* urls = r.Find("media_urls"); with_media && urls) {
        for (const auto& u : urls->items) {
          const Got m = HttpGet(Direct(central_url, u.text));
          if (m.status != 200) {
            *why = "media_urls entry " + u.text + " answered " + std::to_string(m.status);
            return false;
          }
          q.photos_sha256.push_back(Sha256Hex(m.body));
          q.uploads.push_back(Direct(central_url, u.text));
        }
      }
      if (with_media) {
        for (const auto& [field, sha] : {std::pair{"media_url", &q.photo_sha256}, std::pair{"thumbnail_url", &q.thumb_sha256}}) {
          const std::string u = r.Str(field);
          if (u.empty()) continue;
          const Got m = HttpGet(Direct(central_url, u));
          if (m.status != 200) {
            *why = std::string(field) + " " + u + " answered " + std::to_string(m.status);
            return false;
          }
          *sha = Sha256Hex(m.body);
          q.uploads.push_back(Direct(central_url, u));
        }
      }
      out->push_back(std::move(q));
    }
  }
}

}  // namespace samvad::testing::client
