// catalog.tests.cpp — every key the code uses exists, and every key has a translation in every
// language (a missing one fails here, not on a kiosk). Plus the PO parser's edge cases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "app/text/catalog.h"
#include "sync/client/cause_topic.h"

using namespace samvad::text;

TEST_CASE("every key has a translation in every language", "[i18n]") {
  Catalog c;
  std::string err;
  REQUIRE(c.LoadDir(std::string(SAMVAD_SOURCE_DIR) + "/assets/i18n", &err));
  INFO(err);
  const auto missing = c.Missing();
  for (const std::string& m : missing) UNSCOPED_INFO("missing translation " << m);
  CHECK(missing.empty());
  CHECK(c.Keys().size() >= 15);
  CHECK(c.Get(Lang::Mr, "home.file") == "तक्रार नोंदवा");
  CHECK(c.Get(Lang::Hi, "home.file") != c.Get(Lang::Mr, "home.file"));
}

TEST_CASE("every key the code asks for is in the catalog", "[i18n]") {
  Catalog c;
  std::string err;
  REQUIRE(c.LoadDir(std::string(SAMVAD_SOURCE_DIR) + "/assets/i18n", &err));
  const std::set<std::string> have = [&] {
    const auto k = c.Keys();
    return std::set<std::string>(k.begin(), k.end());
  }();
  // Keys appear in code as T("a.b") or Get(lang, "a.b").
  const std::regex use(R"((?:\bT|\.Get)\((?:[^,()]*,\s*)?\"([a-z_]+\.[a-z_.]+)\")");
  int uses = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(SAMVAD_SOURCE_DIR) + "/app")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string src = ss.str();
    for (std::sregex_iterator it(src.begin(), src.end(), use), end; it != end; ++it) {
      ++uses;
      const std::string key = (*it)[1];
      INFO(e.path().filename().string() << " uses " << key);
      if (key.back() == '.') {  // a prefix completed at run time, T("sync.state." + state): some key has it
        const auto next = have.lower_bound(key);
        CHECK((next != have.end() && next->rfind(key, 0) == 0));
      } else {
        CHECK(have.count(key) == 1);
      }
    }
  }
  CHECK(uses >= 15);  // the scan found the screens' keys
}

TEST_CASE("every topic of a sync cause is said in every language", "[i18n]") {
  Catalog c;
  std::string err;
  REQUIRE(c.LoadDir(std::string(SAMVAD_SOURCE_DIR) + "/assets/i18n", &err));
  const auto keys = c.Keys();
  const std::set<std::string> have(keys.begin(), keys.end());
  const auto topics = samvad::sync::CauseTopics();
  CHECK(topics.size() >= 20);
  for (const std::string_view t : topics) {
    INFO("sync.topic." << t);
    CHECK(have.count("sync.topic." + std::string(t)) == 1);
  }
  // And nothing in the catalog under that prefix that no cause can reach.
  for (const std::string& k : have)
    if (k.rfind("sync.topic.", 0) == 0) {
      INFO(k);
      CHECK(std::find(topics.begin(), topics.end(), std::string_view(k).substr(11)) != topics.end());
    }
}

TEST_CASE("the PO parser reads continuations, escapes and fuzzy flags", "[i18n]") {
  const std::string po =
      "msgid \"\"\nmsgstr \"Language: mr\\n\"\n\n"
      "#, fuzzy\nmsgctxt \"a.fuzzy\"\nmsgid \"Old\"\nmsgstr \"जुने\"\n\n"
      "msgctxt \"a.multi\"\nmsgid \"\"\n\"Two \"\n\"parts\"\nmsgstr \"\"\n\"दोन \"\n\"भाग \\\"ok\\\"\"\n";
  std::vector<PoEntry> es;
  std::string err;
  REQUIRE(ParsePo(po, "t.po", &es, &err));
  REQUIRE(es.size() == 3);
  CHECK(es[1].fuzzy);
  CHECK(es[2].id == "Two parts");
  CHECK(es[2].str == "दोन भाग \"ok\"");
  CHECK_FALSE(ParsePo("msgctxt \"x\"\nmsgid \"y\"\nmsgstr[0] \"z\"\n", "p.po", &es, &err));
  CHECK(err.find("p.po:3") != std::string::npos);
}
