// client_cause_topic.tests.cpp — every cause the transport's classifier can write has a topic
// the staff screens can say in the staff member's language (sync/client/cause_topic.h), and the
// topic is the right one. Pure: Classify over made-up results, no server.
#include <curl/curl.h>

#include <cerrno>
#include <set>
#include <string>

#include "client_rig.h"
#include "sync/client/cause_topic.h"

namespace {

using namespace samvad;
using sync::CauseTopic;
using sync::Classify;
using sync::HttpResult;
using sync::Op;

constexpr Op kOps[] = {Op::Create, Op::Feed, Op::Lookup, Op::Catalog, Op::Staff, Op::BundleKeys,
                       Op::TusCreate, Op::TusHead, Op::TusPatch, Op::WorkUpdate, Op::WorkList};

HttpResult Answer(int status, const std::string& said = "") {
  HttpResult r;
  r.status = status;
  if (!said.empty()) r.body = R"([{"code":)" + std::to_string(status) + R"(,"description":")" + said + R"("}])";
  return r;
}

HttpResult NoAnswer(CURLcode code, int os_errno = 0, bool connected = false) {
  HttpResult r;
  r.curl_code = code;
  r.os_errno = os_errno;
  r.connected = connected;
  r.curl_message = "curl's own words";
  return r;
}

}  // namespace

TEST_CASE("Every status central can answer gets a cause with a topic, for every call", "[client][classify]") {
  std::set<std::string> untopical;
  for (const Op op : kOps) {
    for (int status = 300; status < 600; ++status) {
      for (const std::string said : {"", "this upload belongs to another device"}) {
        const auto v = Classify(Answer(status, said), op, 0);
        if (v.cause.empty()) continue;  // a success
        if (CauseTopic(v.cause).empty()) untopical.insert(v.cause);
      }
    }
  }
  INFO("causes with no topic: " << untopical.size() << (untopical.empty() ? "" : ", e.g. " + *untopical.begin()));
  CHECK(untopical.empty());
}

TEST_CASE("Every failure with no answer gets a cause with a topic", "[client][classify]") {
  std::set<std::string> untopical;
  for (int code = 1; code < CURL_LAST; ++code) {
    for (const int e : {0, ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ETIMEDOUT, ECONNRESET, EPIPE, EIO}) {
      for (const bool connected : {false, true}) {
        const auto v = Classify(NoAnswer(static_cast<CURLcode>(code), e, connected), Op::Create, 0);
        if (CauseTopic(v.cause).empty()) untopical.insert(v.cause);
      }
    }
  }
  INFO("causes with no topic: " << untopical.size() << (untopical.empty() ? "" : ", e.g. " + *untopical.begin()));
  CHECK(untopical.empty());
}

TEST_CASE("A cause's topic is what the cause is about", "[client][classify]") {
  CHECK(CauseTopic(Classify(NoAnswer(CURLE_COULDNT_CONNECT, ECONNREFUSED), Op::Create, 0).cause) == "unreachable");
  CHECK(CauseTopic(Classify(NoAnswer(CURLE_COULDNT_CONNECT, ENETUNREACH), Op::Create, 0).cause) == "no_network");
  CHECK(CauseTopic(Classify(NoAnswer(CURLE_OPERATION_TIMEDOUT, 0, true), Op::TusPatch, 0).cause) == "slow");
  CHECK(CauseTopic(Classify(NoAnswer(CURLE_SEND_ERROR, ECONNRESET), Op::TusPatch, 0).cause) == "dropped");
  CHECK(CauseTopic(Classify(NoAnswer(CURLE_SSL_PINNEDPUBKEYNOTMATCH), Op::Create, 0).cause) == "pin");
  CHECK(CauseTopic(Classify(Answer(503), Op::Create, 0).cause) == "busy");
  CHECK(CauseTopic(Classify(Answer(500, "the request was not stored"), Op::Create, 0).cause) == "central_error");
  CHECK(CauseTopic(Classify(Answer(403), Op::Create, 0).cause) == "key");
  CHECK(CauseTopic(Classify(Answer(403, "this upload belongs to another device"), Op::TusPatch, 0).cause) == "refused");
  CHECK(CauseTopic(Classify(Answer(409), Op::Create, 0).cause) == "conflict");
  CHECK(CauseTopic(Classify(Answer(409), Op::TusPatch, 0).cause) == "resume");
  CHECK(CauseTopic(Classify(Answer(460), Op::TusPatch, 0).cause) == "resend");
  CHECK(CauseTopic(Classify(Answer(413), Op::TusPatch, 0).cause) == "too_large");
  CHECK(CauseTopic(Classify(Answer(404), Op::Lookup, 0).cause) == "not_found");
  // Central's own words after the colon do not decide the topic: they are the peer's, not ours.
  CHECK(CauseTopic(Classify(Answer(400, "service_code not found on central"), Op::Create, 0).cause) == "refused");
  CHECK(CauseTopic(Classify(Answer(302), Op::Create, 0).cause) == "settings");
  // The device's own problems, written outside the classifier.
  CHECK(CauseTopic("photo file missing on this device (ab.jpg)") == "photo_local");
  CHECK(CauseTopic("device storage error while saving the catalog") == "storage");
  CHECK(CauseTopic("central sent an unreadable update feed; will retry") == "unreadable");
  CHECK(CauseTopic("something nobody wrote") == "");
}
