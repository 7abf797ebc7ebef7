// page.tests.cpp — the printed pages: A4 at 150 dpi, lossless grayscale PNG that says its dpi,
// ink where every row was drawn and none past the last, numbered pages that carry every row once;
// and the point of the project, the shaped text on them: the layout step puts HarfBuzz's glyphs
// where hb-shape says, and a label drawn by the report matches what hb-view draws for the same
// font, size and language.
//
// Why two checks for text. Comparing glyph ids and positions with hb-shape is exact (integers,
// no anti-aliasing) and robust, and it is what catches broken shaping; but it cannot see the
// rasterising. Comparing pixels with hb-view sees everything, but hb-view draws with cairo
// (unhinted, sub-pixel positions) and we with FreeType's light hinting at whole pixels, so it
// needs a tolerance: ink boxes within 2 px, and at least 97 % of each drawing's ink within 1 px
// of the other's (measured: equal widths, heights 1 px apart, agreement 99.9–100 %). A negative
// control, the same word with its conjunct broken by ZWNJ, must fail that comparison (measured:
// 15 px wider, agreement 74 %), so the tolerance is known to be tight enough to see it.
#include <catch2/catch.hpp>
#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "app/report/page.h"
#include "app/report/typeset.h"
#include "report_support.h"
#include "tests/support/run_capture.h"

using namespace samvad;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kT0 = 1795000000;
constexpr int kMargin = 90;  // page.cpp's margin: no ink outside it but the footer

store::OutboxRow Row(int seq, model::OutboxState state, const char* category, std::string cause,
                     int attempts) {
  store::OutboxRow r;
  r.ticket = model::CanonicalTicket({12, 7, seq});
  r.category = category;
  r.state = state;
  r.attempts = attempts;
  r.last_error = std::move(cause);
  r.created_at = kT0 + seq * 1800;
  if (state == model::OutboxState::Sent) {
    r.central_id = "BMC/KE/2026/" + std::to_string(40000 + seq);
    r.sent_at = r.created_at + 240;
  }
  return r;
}

// What a ward office would see after a bad week: refusals, retries, one in flight, the rest in.
report::Reconciliation Week(int acknowledged) {
  using S = model::OutboxState;
  std::vector<store::OutboxRow> rows = {
      Row(3, S::Failed, "garbage", "central refused it: category \"garbage\" is closed, ask the ward", 1),
      Row(9, S::Failed, "water", "HTTP 413: a photo is larger than central accepts (12.4 MB)", 2),
      Row(11, S::Pending, "drainage", "", 0),
      Row(7, S::Pending, "streetlight", "network: could not connect to central (timed out after 30 s)", 4),
      Row(12, S::Sending, "tree", "", 1),
  };
  const char* cats[] = {"pothole", "mosquito", "encroachment", "toilet", "animals", "new_kind"};
  for (int i = 0; i < acknowledged; ++i)
    rows.push_back(Row(20 + i, S::Sent, cats[i % 6], "", 1));
  return report::BuildReconciliation(rows, {12, "K/E", 7}, kT0 + 7 * 86400);
}

struct Decoded {
  int w = 0, h = 0, channels = 0;
  std::vector<std::uint8_t> px;
  bool Ink(int x0, int y0, int x1, int y1, int below = 128) const {
    for (int y = std::max(y0, 0); y < std::min(y1, h); ++y)
      for (int x = std::max(x0, 0); x < std::min(x1, w); ++x)
        if (px[static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)] < below) return true;
    return false;
  }
};

Decoded Decode(const std::string& path) {
  Decoded d;
  stbi_uc* p = stbi_load(path.c_str(), &d.w, &d.h, &d.channels, 1);
  REQUIRE(p);
  d.px.assign(p, p + static_cast<size_t>(d.w) * static_cast<size_t>(d.h));
  stbi_image_free(p);
  return d;
}

// The checks every page must pass: its rows have ink, nothing is drawn in the margins but the
// footer; and on the last page, between the last row and the footer the paper is blank.
void CheckPage(const Decoded& img, const report::Page& page, bool last) {
  REQUIRE(img.w == report::kPageWidth);
  REQUIRE(img.h == report::kPageHeight);
  CHECK(img.px == page.image.px);  // PNG is lossless: the file is what was drawn
  CHECK_FALSE(img.Ink(0, 0, kMargin - 2, img.h));
  CHECK_FALSE(img.Ink(img.w - kMargin + 2, 0, img.w, img.h));
  CHECK_FALSE(img.Ink(0, 0, img.w, kMargin - 2));
  for (const report::RowBand& b : page.rows) {
    INFO("row " << b.row << " at y " << b.y0 << "–" << b.y1);
    CHECK(b.y0 >= kMargin);
    CHECK(b.y1 <= report::kPageHeight - kMargin);
    CHECK(img.Ink(kMargin, b.y0, kMargin + 170, b.y1 - 1));           // the ticket number
    CHECK(img.Ink(kMargin + 170, b.y0, img.w - kMargin, b.y1 - 1));  // the rest of the row
  }
  if (last && !page.rows.empty())
    CHECK_FALSE(img.Ink(0, page.rows.back().y1 + 1, img.w, report::kPageHeight - kMargin, 250));
}

bool HasPhys150(const std::string& path) {
  const std::string png = test::ReadFile(path);
  const size_t at = png.find("pHYs");
  // 5906 dots per metre (= 150 dpi) on both axes, unit 1 (metre), before the image data.
  return at != std::string::npos && at < png.find("IDAT") &&
         png.compare(at + 4, 9, std::string("\x00\x00\x17\x12\x00\x00\x17\x12\x01", 9)) == 0;
}

}  // namespace

TEST_CASE("a short reconciliation prints on one A4 page in every language, with ink where every row is",
          "[report][png]") {
  test::UseIndianTime();
  const report::Reconciliation rec = Week(9);
  fs::create_directories(REPORT_OUT_DIR);
  for (text::Lang lang : text::kAllLangs) {
    const std::string path = std::string(REPORT_OUT_DIR) + "/reconciliation-" +
                             std::string(text::LangCode(lang)) + ".png";
    INFO(path);
    std::vector<std::string> written;
    std::string why;
    REQUIRE(report::RenderReconciliationPng(rec, lang, test::ShippedFonts(), test::ShippedCatalog(),
                                            path, &written, &why));
    CHECK(written == std::vector<std::string>{path});
    CHECK_FALSE(fs::exists(path + ".part"));
    CHECK(HasPhys150(path));
    std::vector<report::Page> pages;
    REQUIRE(report::RenderReconciliationPages(rec, lang, test::ShippedFonts(), test::ShippedCatalog(),
                                              &pages, &why));
    REQUIRE(pages.size() == 1);
    const Decoded img = Decode(path);
    CHECK(img.channels == 1);  // grayscale: a third of RGB's size, and it prints the same
    CheckPage(img, pages[0], true);
    REQUIRE(pages[0].rows.size() == rec.rows.size());
    for (size_t i = 0; i < rec.rows.size(); ++i) CHECK(pages[0].rows[i].row == i);
  }
}

TEST_CASE("more rows than a page holds make numbered pages, each row on exactly one",
          "[report][png]") {
  test::UseIndianTime();
  const report::Reconciliation rec = Week(95);  // 100 rows
  const std::string path = std::string(REPORT_OUT_DIR) + "/long-mr.png";
  std::vector<std::string> written;
  std::string why;
  REQUIRE(report::RenderReconciliationPng(rec, text::Lang::Mr, test::ShippedFonts(),
                                          test::ShippedCatalog(), path, &written, &why));
  std::vector<report::Page> pages;
  REQUIRE(report::RenderReconciliationPages(rec, text::Lang::Mr, test::ShippedFonts(),
                                            test::ShippedCatalog(), &pages, &why));
  REQUIRE(pages.size() >= 3);
  REQUIRE(written.size() == pages.size());
  CHECK(written == report::PagePaths(path, pages.size()));
  CHECK(written[0] == std::string(REPORT_OUT_DIR) + "/long-mr-1.png");
  std::multiset<size_t> seen;
  for (size_t p = 0; p < pages.size(); ++p) {
    INFO("page " << p + 1);
    const Decoded img = Decode(written[p]);
    CheckPage(img, pages[p], p + 1 == pages.size());
    for (const report::RowBand& b : pages[p].rows) seen.insert(b.row);
    // A page that continues a table opens with its column heads again, under the running title.
    if (p > 0 && !pages[p].rows.empty()) CHECK(img.Ink(kMargin, kMargin + 40, img.w - kMargin, pages[p].rows[0].y0));
  }
  CHECK(seen.size() == rec.rows.size());
  for (size_t i = 0; i < rec.rows.size(); ++i) CHECK(seen.count(i) == 1);
}

// =====================================================================================
// Shaped text against HarfBuzz's own tools
// =====================================================================================

namespace {

struct HbGlyph {
  unsigned gid = 0;
  int dx = 0, dy = 0, ax = 0;
};

std::vector<HbGlyph> HbShape(const std::string& font, const std::string& lang, const std::string& script,
                             const std::string& text) {
  std::string out;
  REQUIRE(testing::RunCapture({"hb-shape", "--output-format=json", "--no-glyph-names", "--direction=ltr",
                               "--script=" + script, "--language=" + lang, "--font-file=" + font,
                               "--text=" + text},
                              &out, nullptr, true));
  std::vector<HbGlyph> gs;
  for (size_t at = out.find('{'); at != std::string::npos; at = out.find('{', at + 1)) {
    HbGlyph g;
    unsigned cl = 0;
    int ay = 0;
    if (std::sscanf(out.c_str() + at, "{\"g\":%u,\"cl\":%u,\"dx\":%d,\"dy\":%d,\"ax\":%d,\"ay\":%d}", &g.gid,
                    &cl, &g.dx, &g.dy, &g.ax, &ay) == 6)
      gs.push_back(g);
  }
  return gs;
}

struct Label {
  std::string text;
  text::Lang lang;
  const char* hb_lang;
  const char* script;
};

std::vector<Label> Labels() {
  const text::Catalog& c = test::ShippedCatalog();
  return {
      {"तक्रार", text::Lang::Mr, "mr", "deva"},
      {c.Get(text::Lang::Mr, "report.col.ticket"), text::Lang::Mr, "mr", "deva"},   // तक्रार क्रमांक
      {c.Get(text::Lang::Mr, "report.title"), text::Lang::Mr, "mr", "deva"},        // ख्य, र्य, ळ
      {c.Get(text::Lang::Hi, "report.title"), text::Lang::Hi, "hi", "deva"},
      {c.Get(text::Lang::Bn, "report.title"), text::Lang::Bn, "bn", "beng"},        // ন্দ্র, ঙ্গ
  };
}

const std::string& FontFor(const Label& l) {
  const text::FontSet& f = test::ShippedFonts();
  return f.at(f.ForScript(l.lang == text::Lang::Bn ? HB_SCRIPT_BENGALI : HB_SCRIPT_DEVANAGARI)).path;
}

// Ink (< 128) as a set of pixels relative to the ink box's top-left corner.
struct Ink {
  int w = 0, h = 0;
  std::set<std::pair<int, int>> px;
};

Ink InkOf(const std::uint8_t* p, int w, int h) {
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (p[y * w + x] < 128) {
        x0 = std::min(x0, x);
        y0 = std::min(y0, y);
        x1 = std::max(x1, x);
        y1 = std::max(y1, y);
      }
  Ink ink;
  if (x1 < 0) return ink;
  ink.w = x1 - x0 + 1;
  ink.h = y1 - y0 + 1;
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x)
      if (p[y * w + x] < 128) ink.px.insert({x - x0, y - y0});
  return ink;
}

// The share of `a`'s ink with ink of `b` at most 1 px away. One pixel, because FreeType's light
// hinting (ours) snaps the headline to the pixel grid and cairo's drawing (hb-view's) does not:
// measured, the same label's ink boxes differ by at most 1 px in height, never in width.
double Near(const Ink& a, const Ink& b) {
  size_t near = 0;
  for (const auto& [x, y] : a.px) {
    bool hit = false;
    for (int dy = -1; dy <= 1 && !hit; ++dy)
      for (int dx = -1; dx <= 1 && !hit; ++dx) hit = b.px.count({x + dx, y + dy}) != 0;
    near += hit;
  }
  return a.px.empty() ? 0.0 : static_cast<double>(near) / static_cast<double>(a.px.size());
}

// Both ways: ink of ours that hb-view lacks and ink of hb-view's that ours lacks both count.
double Agreement(const Ink& a, const Ink& b) { return std::min(Near(a, b), Near(b, a)); }

Ink DrawnByReport(report::Typesetter& ts, const std::string& s, text::Lang lang, int px) {
  const report::LineLayout line = ts.Layout(s, lang, px);
  report::GrayImage img(line.width + 4 * px, 3 * px);
  ts.Draw(img, px, 2 * px, line);
  return InkOf(img.px.data(), img.w, img.h);
}

Ink DrawnByHbView(const Label& l, const std::string& text, int px, const std::string& out) {
  std::string ignored;
  REQUIRE(testing::RunCapture({"hb-view", "--font-file=" + FontFor(l), "--font-size=" + std::to_string(px),
                               std::string("--language=") + l.hb_lang, std::string("--script=") + l.script,
                               "--margin=16", "--output-format=png", "--output-file=" + out, "--text=" + text},
                              &ignored, nullptr, true));
  int w = 0, h = 0, n = 0;
  stbi_uc* p = stbi_load(out.c_str(), &w, &h, &n, 1);
  REQUIRE(p);
  Ink ink = InkOf(p, w, h);
  stbi_image_free(p);
  return ink;
}

}  // namespace

TEST_CASE("the report's layout step places glyphs where hb-shape puts them", "[report][shaping]") {
  report::Typesetter ts(test::ShippedFonts());
  REQUIRE(ts.ok());
  for (const Label& l : Labels()) {
    for (int px : {20, 36}) {
      INFO(l.text << " at " << px << " px");
      const report::LineLayout line = ts.Layout(l.text, l.lang, px);
      const std::vector<HbGlyph> ref = HbShape(FontFor(l), l.hb_lang, l.script, l.text);
      REQUIRE(line.glyphs.size() == ref.size());
      const text::FontSet& fonts = test::ShippedFonts();
      double pen = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        const report::PlacedGlyph& g = line.glyphs[i];
        const double scale = static_cast<double>(px) / fonts.at(g.font).upem;
        CHECK(fonts.at(g.font).path == FontFor(l));
        CHECK(g.gid == ref[i].gid);
        CHECK(g.x == static_cast<int>(std::floor(pen + ref[i].dx * scale + 0.5)));
        CHECK(g.y == -static_cast<int>(std::lround(ref[i].dy * scale)));
        pen += ref[i].ax * scale;
      }
      CHECK(line.width == static_cast<int>(std::ceil(pen)));
    }
  }
}

TEST_CASE("labels drawn by the report match hb-view's drawing of them", "[report][shaping]") {
  test::TempDir dir("report-hbview");
  report::Typesetter ts(test::ShippedFonts());
  REQUIRE(ts.ok());
  constexpr int kPx = 36;  // the page title's size
  int n = 0;
  for (const Label& l : Labels()) {
    INFO(l.text);
    const Ink ours = DrawnByReport(ts, l.text, l.lang, kPx);
    const Ink theirs = DrawnByHbView(l, l.text, kPx, dir.str() + "/" + std::to_string(n++) + ".png");
    INFO("ink box: ours " << ours.w << "×" << ours.h << ", hb-view " << theirs.w << "×" << theirs.h
                          << "; agreement " << Agreement(ours, theirs));
    CHECK(std::abs(ours.w - theirs.w) <= 2);
    CHECK(std::abs(ours.h - theirs.h) <= 2);
    CHECK(Agreement(ours, theirs) >= 0.97);
  }

  SECTION("a broken conjunct does not pass for the right one") {
    const Label l = Labels()[0];                           // तक्रार: क्र is one glyph
    const std::string broken = "\u0924\u0915\u094D\u200C\u0930\u093E\u0930";  // तक्‌रार: halant shown
    const Ink wrong = DrawnByReport(ts, broken, l.lang, kPx);
    const Ink right = DrawnByHbView(l, l.text, kPx, dir.str() + "/control.png");
    INFO("ink box: broken " << wrong.w << "×" << wrong.h << ", hb-view " << right.w << "×" << right.h
                            << "; agreement " << Agreement(wrong, right));
    CHECK_FALSE((std::abs(wrong.w - right.w) <= 2 && std::abs(wrong.h - right.h) <= 2 &&
                 Agreement(wrong, right) >= 0.97));
  }
}
