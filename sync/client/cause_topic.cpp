// cause_topic.cpp — see cause_topic.h. The table follows the order of transport.cpp's Classify,
// then the causes written by push, pull, field_sync and tus_upload.
#include "sync/client/cause_topic.h"

#include <algorithm>

namespace samvad::sync {

namespace {

struct Rule {
  std::string_view text;  // how the cause begins, or (anywhere) a phrase inside it
  std::string_view topic;
  bool anywhere = false;
};

constexpr Rule kRules[] = {
    {"central unreachable", "unreachable"},
    {"no network", "no_network"},
    {"proxy unreachable", "proxy"},
    {"link too slow", "slow"},
    {"connection dropped", "dropped"},
    {"central closed the connection", "cut_off"},
    {"central's answer was cut off", "cut_off"},
    {"stopped", "interrupted"},
    {"interrupted", "interrupted"},
    {"skipped: ", "interrupted"},
    {"secure connection to central failed", "tls"},
    {"central's key does not match the pinned key", "pin"},
    {"central's certificate is not trusted", "cert"},
    {"the CA file in the sync settings", "settings"},
    {"central's address in the sync settings", "settings"},
    {"central answered with a redirect", "settings"},
    {"network error", "network"},
    {"server busy", "busy"},
    {"central not answering properly", "busy"},
    {"central error", "central_error"},
    {"device key refused", "key"},
    {"photo refused", "refused"},
    {"photo upload out of step", "resume"},
    {"photo damaged on the way", "resend"},
    {"central has a different", "conflict"},
    {"central has another upload", "conflict"},
    {"conflict (409)", "conflict"},
    {" too large for central", "too_large", true},
    {" not found on central", "not_found", true},
    {" refused by central", "refused", true},
    {"photo file missing on this device", "photo_local"},
    {"photo file damaged on this device", "photo_local"},
    {"work photo missing or damaged", "photo_local"},
    {"device storage error", "storage"},
    {"central sent an unreadable", "unreadable"},
    {"central accepted the complaint but its answer had no id", "unreadable"},
    {"central did not say where to upload", "unreadable"},
    {"central reported an impossible offset", "unreadable"},
    {"central acknowledged an impossible offset", "unreadable"},
    {" upload has another length than the file", "unreadable", true},
};

}  // namespace

std::string_view CauseTopic(std::string_view cause) {
  // Central's own words follow ": " (Classify's `with`); a phrase inside them is the peer's to
  // choose and must not pick the topic.
  const std::string_view ours = cause.substr(0, cause.find(": "));
  for (const Rule& r : kRules) {
    if (r.anywhere ? ours.find(r.text) != std::string_view::npos : cause.substr(0, r.text.size()) == r.text)
      return r.topic;
  }
  return {};
}

std::vector<std::string_view> CauseTopics() {
  std::vector<std::string_view> out;
  for (const Rule& r : kRules)
    if (std::find(out.begin(), out.end(), r.topic) == out.end()) out.push_back(r.topic);
  return out;
}

}  // namespace samvad::sync
