// shaping.tests.cpp — what the app draws is what HarfBuzz's own hb-shape says: for every line
// of the five seed articles and for tricky words of our own, the glyph ids, clusters and
// positions of every run equal hb-shape's for the same font, language, script and context.
// Also: itemisation by script, and the --shape-dump format.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/text/fonts.h"
#include "app/text/shaper.h"
#include "tests/support/run_capture.h"

using namespace samvad::text;

namespace {

std::vector<Glyph> ParseHbJson(const std::string& json) {
  std::vector<Glyph> out;
  for (size_t at = json.find('{'); at != std::string::npos; at = json.find('{', at + 1)) {
    Glyph g;
    int n = std::sscanf(json.c_str() + at, "{\"g\":%u,\"cl\":%u,\"dx\":%d,\"dy\":%d,\"ax\":%d,\"ay\":%d}",
                        &g.gid, &g.cluster, &g.dx, &g.dy, &g.ax, &g.ay);
    if (n == 6) out.push_back(g);
  }
  return out;
}

std::string Describe(const std::vector<Glyph>& gs) {
  std::string s;
  for (const Glyph& g : gs)
    s += "(" + std::to_string(g.gid) + " cl" + std::to_string(g.cluster) + " " + std::to_string(g.dx) +
         "," + std::to_string(g.dy) + " +" + std::to_string(g.ax) + ") ";
  return s;
}

// Shapes `text` with the app's shaper and checks every run against hb-shape.
void CheckAgainstHbShape(Shaper& shaper, const std::string& text, Lang lang) {
  const ShapedText shaped = shaper.Shape(text, lang);
  for (const Run& run : shaped.runs) {
    char script_tag[5] = {};
    hb_tag_to_string(hb_script_to_iso15924_tag(run.script), script_tag);
    const std::vector<std::string> argv = {
        "hb-shape", "--output-format=json", "--no-glyph-names", "--utf8-clusters",
        "--direction=ltr", std::string("--script=") + script_tag,
        std::string("--language=") + hb_language_to_string(run.language),
        "--text-before=" + text.substr(0, run.start), "--text-after=" + text.substr(run.end),
        // As --name=value: a run may begin with '-' and must not be read as an option.
        "--font-file=" + shaper.fonts().at(run.font).path,
        "--text=" + text.substr(run.start, run.end - run.start)};
    std::string out;
    INFO("hb-shape on: " << text.substr(run.start, run.end - run.start));
    // hb-shape 6.0 echoes --text-before on stderr; its verdict is the exit status and stdout.
    REQUIRE(samvad::testing::RunCapture(argv, &out, nullptr, true));
    std::vector<Glyph> ref = ParseHbJson(out);
    for (Glyph& g : ref) g.cluster += run.start;  // hb-shape counts from the run's start
    INFO("text: " << text << "\nrun " << run.start << "-" << run.end << " font "
                  << shaper.fonts().at(run.font).path << "\napp:      " << Describe(run.glyphs)
                  << "\nhb-shape: " << Describe(ref));
    REQUIRE(run.glyphs.size() == ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
      CHECK(run.glyphs[i].gid == ref[i].gid);
      CHECK(run.glyphs[i].cluster == ref[i].cluster);
      CHECK(run.glyphs[i].dx == ref[i].dx);
      CHECK(run.glyphs[i].dy == ref[i].dy);
      CHECK(run.glyphs[i].ax == ref[i].ax);
      CHECK(run.glyphs[i].ay == ref[i].ay);
    }
  }
}

struct Fixture {
  FontSet fonts;
  Fixture() {
    std::string err;
    if (!fonts.Load(std::string(SAMVAD_SOURCE_DIR) + "/fonts/fonts.txt", &err)) FAIL(err);
  }
};

}  // namespace

TEST_CASE("every line of the seed articles shapes exactly as hb-shape shapes it", "[shaping]") {
  Fixture f;
  Shaper shaper(f.fonts);
  const std::filesystem::path seeds = std::filesystem::path(SAMVAD_SOURCE_DIR) / ".." / "shared" / "seeds";
  if (!std::filesystem::exists(seeds)) FAIL("the seed articles are missing: " << seeds);
  // The articles' languages, from seeds/README.md.
  const std::vector<std::pair<std::string, Lang>> files = {
      {"000_096c63f75ad7edbc.txt", Lang::Mr}, {"001_731c4ccba0ab96fa.txt", Lang::Mr},
      {"002_afd839fdfcab0d02.txt", Lang::Mr}, {"003_3bc03614d17efb6c.txt", Lang::Hi},
      {"004_2e8d59fba2ee77f7.txt", Lang::Bn}};
  int lines = 0;
  for (const auto& [name, lang] : files) {
    std::ifstream in(seeds / name);
    REQUIRE(in);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      CheckAgainstHbShape(shaper, line, lang);
      ++lines;
    }
  }
  CHECK(lines > 40);  // the five articles, not an empty folder
}

TEST_CASE("tricky words shape exactly as hb-shape shapes them", "[shaping]") {
  Fixture f;
  Shaper shaper(f.fonts);
  const std::vector<std::pair<std::string, Lang>> words = {
      // Devanagari conjunct stacks, reph, rakar, nukta, eyelash ra, ZWJ/ZWNJ, Latin and digits.
      {"क्षेत्र", Lang::Mr}, {"प्रभाग कार्यालय", Lang::Mr}, {"तक्रार नोंदवा", Lang::Mr},
      {"ज्ञ श्र त्र क्ष", Lang::Hi}, {"स्त्री द्ध द्व ह्म क्त्र", Lang::Hi}, {"हृदय श्रृंगार", Lang::Hi},
      {"क़ ज़िंदगी ड़ ढ़", Lang::Hi}, {"र्‍हास दर्‍या", Lang::Mr}, {"क्‍ष क्‌ष", Lang::Hi},
      {"शाळा लहान श्लोक", Lang::Mr}, {"शाळा लहान श्लोक", Lang::Hi},
      {"BMC चे ट्विटर हँडल @mybmc वॉर्ड 12 मध्ये", Lang::Mr}, {"२४ विभाग कार्यालये", Lang::Mr},
      // Bengali: ya-phala, reph, ra-phala, conjuncts, khanda ta, nukta letters, ZWJ ra-ya.
      {"শিকায়েত জানান", Lang::Bn}, {"ব্যবস্থা ন্যায্য", Lang::Bn}, {"কর্মী আবর্জনা", Lang::Bn},
      {"ক্ষ জ্ঞ স্ত্র শ্রী", Lang::Bn}, {"উৎসব হঠাৎ", Lang::Bn}, {"রাস্তা পড়ে আষাঢ়", Lang::Bn},
      {"র‍্যাব র্যাব", Lang::Bn}, {"KMC-র কমিশনার ১২ নম্বর ওয়ার্ড", Lang::Bn},
      {"Ward 12, Pune — 411001", Lang::En}};
  for (const auto& [w, lang] : words) CheckAgainstHbShape(shaper, w, lang);
}

TEST_CASE("text is split into runs by script, digits and spaces staying with their run", "[shaping]") {
  Fixture f;
  Shaper shaper(f.fonts);
  const std::string s = "BMC चे 24 वॉर्ड";
  const auto runs = shaper.Itemize(s, Lang::Mr);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].script == HB_SCRIPT_LATIN);
  CHECK(runs[0].end == 4);  // "BMC " — the space joins the Latin run before it
  CHECK(runs[1].script == HB_SCRIPT_DEVANAGARI);
  CHECK(runs[1].end == s.size());
  CHECK(f.fonts.at(runs[1].font).path.find("Devanagari") != std::string::npos);
  SECTION("Marathi is shaped as mr and Hindi as hi: the fonts' Marathi forms are selected") {
    CHECK(std::string(hb_language_to_string(Shaper::LanguageFor(HB_SCRIPT_DEVANAGARI, Lang::Mr))) == "mr");
    CHECK(std::string(hb_language_to_string(Shaper::LanguageFor(HB_SCRIPT_DEVANAGARI, Lang::Hi))) == "hi");
    // ळ/श/ल differ between the two languages in Noto Sans Devanagari.
    const auto mr = shaper.Shape("शाळा लहान", Lang::Mr), hi = shaper.Shape("शाळा लहान", Lang::Hi);
    bool differs = false;
    for (size_t i = 0; i < mr.runs[0].glyphs.size() && i < hi.runs[0].glyphs.size(); ++i)
      differs |= mr.runs[0].glyphs[i].gid != hi.runs[0].glyphs[i].gid;
    CHECK(differs);
  }
}

TEST_CASE("the shaping dump prints font, byte range and hb-shape's JSON per run", "[shaping]") {
  Fixture f;
  Shaper shaper(f.fonts);
  const std::string dump = shaper.Dump("Ward 12 प्रभाग", Lang::Mr);
  std::vector<std::string> lines;
  for (size_t a = 0, b; (b = dump.find('\n', a)) != std::string::npos; a = b + 1) lines.push_back(dump.substr(a, b - a));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf\t0 8\t[{\"g\":", 0) == 0);
  CHECK(lines[1].find("NotoSansDevanagari-Regular.ttf\t8 26\t[{\"g\":") != std::string::npos);
  CHECK(lines[1].back() == ']');
  SECTION("and the samvad program prints the same") {
    std::string out;
    REQUIRE(samvad::testing::RunCapture({SAMVAD_BINARY, "--shape-dump", "--lang", "mr", "Ward 12 प्रभाग"}, &out));
    CHECK(out == dump);
  }
}
