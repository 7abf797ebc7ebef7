// cause_topic.h — what a sync cause is about, as a short stable name the staff screens turn
// into a sentence in the staff member's language ("sync.topic.<name>" in assets/i18n). The
// causes themselves stay English sentences with the details (a status code, an errno, central's
// own words): what a technician on the phone needs, and what the outbox keeps. Matching the
// sentences' openings here, next to nothing else, is what keeps the two in step; the tests drive
// every cause Classify can write through it (tests/sync/client_transport.tests.cpp).
#pragma once
#include <string_view>
#include <vector>

namespace samvad::sync {

// "unreachable", "busy", "key", … for a cause written by this library; "" for one it does not
// know (the screen then shows the sentence alone).
std::string_view CauseTopic(std::string_view cause);
// Every topic CauseTopic can return, each once: the catalog must say each in every language.
std::vector<std::string_view> CauseTopics();

}  // namespace samvad::sync
