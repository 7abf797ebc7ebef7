// page.cpp — see page.h.
//
// [SECTION] Measures and small helpers
// [SECTION] Blocks: everything on the pages, measured before it is placed
// [SECTION] Pagination and drawing
// [SECTION] PNG
#include "app/report/page.h"

#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <string_view>

#include "app/report/durable_file.h"

namespace samvad::report {
namespace {

// =====================================================================================
// [SECTION] Measures and small helpers
// =====================================================================================

// At 150 dpi one point is 2.08 px and one millimetre 5.9 px. Table text at 21 px is 10 pt, the
// size of a printed form: Devanagari and Bengali look smaller than Latin at one em size, and at
// 18 px (8.6 pt) the column heads were hard to read on the page. 15 mm margins clear every
// printer's unprintable edge.
constexpr int kMargin = 90;
constexpr int kContentWidth = kPageWidth - 2 * kMargin;
constexpr int kBottom = kPageHeight - kMargin;   // blocks end above this
constexpr int kFooterBaseline = kPageHeight - 52;
constexpr int kTitlePx = 36, kInfoPx = 22, kHeadingPx = 26, kCellPx = 21, kLabelPx = 20,
              kFooterPx = 18, kNumberPx = 40;
constexpr int kCellPad = 7, kColGap = 12, kMaxCellLines = 3;
constexpr std::uint8_t kInk = 0, kRule = 150;  // rules between rows print light

std::string Fill(std::string s, std::string_view name, std::string_view value) {
  const std::string token = "{" + std::string(name) + "}";
  if (const size_t at = s.find(token); at != std::string::npos) s.replace(at, token.size(), value);
  return s;
}

// "2026-11-23 14:05", the device's local time: what a person reads on paper.
std::string LocalMinute(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[24];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

// "+05:30": the last six characters of IsoLocalTime.
std::string UtcOffset(std::int64_t t) {
  const std::string iso = IsoLocalTime(t);
  return iso.size() >= 6 ? iso.substr(iso.size() - 6) : "";
}

struct Column {
  std::string head;
  int width;
};

// A line-wrapped cell: its lines, already cut to at most kMaxCellLines.
std::vector<std::string> CellLines(Typesetter& ts, std::string_view text, text::Lang lang, int px,
                                   int width, int max_lines) {
  const auto ranges = ts.Wrap(text, lang, px, width);
  std::vector<std::string> lines;
  for (size_t i = 0; i < ranges.size() && static_cast<int>(i) < max_lines; ++i)
    lines.emplace_back(text.substr(ranges[i].first, ranges[i].second - ranges[i].first));
  if (static_cast<int>(ranges.size()) > max_lines) {
    const size_t from = ranges[static_cast<size_t>(max_lines) - 1].first;
    lines.back() = ts.Ellipsize(text.substr(from), lang, px, width);
  }
  return lines;
}

// =====================================================================================
// [SECTION] Blocks
// =====================================================================================

// One unit of the flow: never split across pages. A row's block remembers its report row and
// table, so that a page that starts with it can repeat that table's column heads first.
struct Block {
  int height = 0;
  bool keep_with_next = false;  // headings and column heads never end a page
  int table = -1;               // 0 not acknowledged, 1 acknowledged; -1 neither
  std::optional<size_t> row;
  std::function<void(GrayImage&, int y)> draw;
};

class Composer {
 public:
  Composer(Typesetter& ts, text::Lang lang, const text::Catalog& catalog, const Reconciliation& rec)
      : ts_(ts), lang_(lang), catalog_(catalog), rec_(rec) {}

  std::vector<Block> Blocks();
  void DrawRunningHead(GrayImage& img);
  void DrawFooter(GrayImage& img, size_t page, size_t pages);
  int running_head_height() const { return LineHeight(kInfoPx) + 18; }
  int table_head(int table) const { return table_head_[static_cast<size_t>(table)]; }

 private:
  const std::string& T(std::string_view key) const { return catalog_.Get(lang_, key); }
  int LineHeight(int px) const { return ts_.LineHeight(px); }
  // Draws `text` with its top-left at (x, top): the baseline is placed from the fonts' ascent.
  void Text(GrayImage& img, int x, int top, std::string_view text, int px) {
    ts_.Draw(img, x, top + ts_.Ascent(px), ts_.Layout(text, lang_, px));
  }
  Block TitleBlock();
  Block TotalsBlock();
  Block HeadingBlock(std::string text);
  Block NoteBlock(std::string_view text);
  Block TableRow(const std::vector<Column>& cols, const std::vector<std::string>& cells, int px,
                 bool head);
  std::string DeviceLine() const;
  std::string StateLabel(model::OutboxState s) const;
  std::string CategoryLabel(const std::string& id) const;

  Typesetter& ts_;
  text::Lang lang_;
  const text::Catalog& catalog_;
  const Reconciliation& rec_;
  std::array<int, 2> table_head_{-1, -1};  // block index of each table's column heads
};

std::string Composer::DeviceLine() const {
  char ward[40] = "\xE2\x80\x94", device[16] = "\xE2\x80\x94";  // an em dash when not enrolled
  if (rec_.device.ward > 0)
    std::snprintf(ward, sizeof ward, "%02d (%s)", rec_.device.ward, rec_.device.ward_code.c_str());
  if (rec_.device.device > 0) std::snprintf(device, sizeof device, "%03d", rec_.device.device);
  return Fill(Fill(T("report.device"), "ward", ward), "device", device);
}

std::string Composer::StateLabel(model::OutboxState s) const {
  switch (s) {
    case model::OutboxState::Pending: return T("sync.state.pending");
    case model::OutboxState::Sending: return T("sync.state.sending");
    case model::OutboxState::Sent: return T("sync.state.sent");
    case model::OutboxState::Failed: break;
  }
  return T("sync.state.failed");
}

// Central may add categories the catalog has no label for yet: then the id, not "cat.x".
std::string Composer::CategoryLabel(const std::string& id) const {
  const std::string key = "cat." + id;
  return catalog_.Has(text::Lang::En, key) ? catalog_.Get(lang_, key) : id;
}

Block Composer::TitleBlock() {
  const std::string title = T("report.title"), device = DeviceLine(),
                    made = Fill(T("report.generated"), "when",
                                LocalMinute(rec_.generated_at) + " (UTC" +
                                    UtcOffset(rec_.generated_at) + ")");
  Block b;
  const int title_h = LineHeight(kTitlePx) + 6, info_h = LineHeight(kInfoPx);
  b.height = title_h + 2 * info_h + 20;
  b.draw = [this, title, device, made, title_h, info_h](GrayImage& img, int y) {
    Text(img, kMargin, y, title, kTitlePx);
    Text(img, kMargin, y + title_h, device, kInfoPx);
    Text(img, kMargin, y + title_h + info_h, made, kInfoPx);
  };
  return b;
}

// Four boxes side by side: the label (up to two lines) over the number.
Block Composer::TotalsBlock() {
  const Totals& t = rec_.totals;
  const std::array<std::pair<std::string, int>, 4> items{{
      {T("report.total.created"), t.created},
      {T("report.total.acked"), t.acknowledged},
      {T("report.total.waiting"), t.waiting},
      {T("report.total.failed"), t.failed},
  }};
  constexpr int kGap = 16, kPad = 10;
  const int box_w = (kContentWidth - 3 * kGap) / 4;
  std::vector<std::vector<std::string>> labels;
  int label_lines = 1;
  for (const auto& [label, n] : items) {
    labels.push_back(CellLines(ts_, label, lang_, kLabelPx, box_w - 2 * kPad, 2));
    label_lines = std::max(label_lines, static_cast<int>(labels.back().size()));
  }
  const int label_h = label_lines * LineHeight(kLabelPx);
  const int box_h = 2 * kPad + label_h + LineHeight(kNumberPx);
  Block b;
  b.height = box_h + 24;
  b.draw = [this, items, labels, box_w, box_h, label_h](GrayImage& img, int y) {
    for (size_t i = 0; i < items.size(); ++i) {
      const int x = kMargin + static_cast<int>(i) * (box_w + kGap);
      img.Fill(x, y, x + box_w, y + 2, kInk);
      img.Fill(x, y + box_h - 2, x + box_w, y + box_h, kInk);
      img.Fill(x, y, x + 2, y + box_h, kInk);
      img.Fill(x + box_w - 2, y, x + box_w, y + box_h, kInk);
      for (size_t l = 0; l < labels[i].size(); ++l)
        Text(img, x + kPad, y + kPad + static_cast<int>(l) * LineHeight(kLabelPx), labels[i][l],
             kLabelPx);
      Text(img, x + kPad, y + kPad + label_h, std::to_string(items[i].second), kNumberPx);
    }
  };
  return b;
}

Block Composer::HeadingBlock(std::string text) {
  constexpr int kAbove = 22;
  const int h = LineHeight(kHeadingPx);
  Block b;
  b.height = kAbove + h + 10;
  b.keep_with_next = true;
  b.draw = [this, text = std::move(text), h](GrayImage& img, int y) {
    Text(img, kMargin, y + kAbove, text, kHeadingPx);
    img.Fill(kMargin, y + kAbove + h + 4, kMargin + kContentWidth, y + kAbove + h + 6, kInk);
  };
  return b;
}

Block Composer::NoteBlock(std::string_view text) {
  const std::vector<std::string> lines = CellLines(ts_, text, lang_, kCellPx, kContentWidth, kMaxCellLines);
  const int lh = LineHeight(kCellPx);
  Block b;
  b.height = static_cast<int>(lines.size()) * lh + 2 * kCellPad;
  b.draw = [this, lines, lh](GrayImage& img, int y) {
    for (size_t i = 0; i < lines.size(); ++i)
      Text(img, kMargin, y + kCellPad + static_cast<int>(i) * lh, lines[i], kCellPx);
  };
  return b;
}

// A table row, or (head) the column heads: cells wrapped to their columns, a rule beneath.
Block Composer::TableRow(const std::vector<Column>& cols, const std::vector<std::string>& cells,
                         int px, bool head) {
  std::vector<std::vector<std::string>> lines;
  int most = 1;
  for (size_t c = 0; c < cols.size(); ++c) {
    lines.push_back(CellLines(ts_, cells[c], lang_, px, cols[c].width - kColGap, kMaxCellLines));
    most = std::max(most, static_cast<int>(lines.back().size()));
  }
  const int lh = LineHeight(px);
  Block b;
  b.height = 2 * kCellPad + most * lh + (head ? 2 : 1);
  b.keep_with_next = head;
  b.draw = [this, cols, lines, lh, px, head, h = b.height](GrayImage& img, int y) {
    int x = kMargin;
    for (size_t c = 0; c < cols.size(); ++c) {
      for (size_t l = 0; l < lines[c].size(); ++l)
        Text(img, x, y + kCellPad + static_cast<int>(l) * lh, lines[c][l], px);
      x += cols[c].width;
    }
    img.Fill(kMargin, y + h - (head ? 2 : 1), kMargin + kContentWidth, y + h, head ? kInk : kRule);
  };
  return b;
}

std::vector<Block> Composer::Blocks() {
  std::vector<Block> out;
  out.push_back(TitleBlock());
  out.push_back(TotalsBlock());

  // Widths fill kContentWidth (1060 px). At 21 px "12-007-00042-1" takes 149 px and
  // "2026-11-23 14:05" 165 px (measured), each plus the 12 px gap: they never wrap.
  const std::vector<Column> open_cols = {
      {T("report.col.ticket"), 170}, {T("report.col.state"), 135}, {T("report.col.category"), 215},
      {T("report.col.filed"), 182},  {T("report.col.tries"), 60},  {T("report.col.cause"), 298}};
  const std::vector<Column> done_cols = {
      {T("report.col.ticket"), 170},   {T("report.col.central_id"), 245},
      {T("report.col.category"), 281}, {T("report.col.filed"), 182},
      {T("report.col.acked_at"), 182}};
  const auto heads = [](const std::vector<Column>& cols) {
    std::vector<std::string> h;
    for (const Column& c : cols) h.push_back(c.head);
    return h;
  };
  const int unacked = rec_.totals.failed + rec_.totals.waiting;

  out.push_back(HeadingBlock(Fill(T("report.section.unacked"), "n", std::to_string(unacked))));
  if (unacked == 0) {
    out.push_back(NoteBlock(T("sync.all_sent")));
  } else {
    table_head_[0] = static_cast<int>(out.size());
    out.push_back(TableRow(open_cols, heads(open_cols), kLabelPx, true));
    out.back().table = 0;
  }
  for (size_t i = 0; i < rec_.rows.size(); ++i) {
    const ReconRow& r = rec_.rows[i];
    if (r.standing == Standing::Acknowledged) continue;
    const std::string cause = r.cause_key.empty() ? r.cause : catalog_.Get(lang_, r.cause_key);
    out.push_back(TableRow(open_cols,
                           {r.ticket, StateLabel(r.state), CategoryLabel(r.category),
                            LocalMinute(r.created_at), std::to_string(r.attempts), cause},
                           kCellPx, false));
    out.back().table = 0;
    out.back().row = i;
  }

  out.push_back(HeadingBlock(
      Fill(T("report.section.acked"), "n", std::to_string(rec_.totals.acknowledged))));
  if (rec_.totals.acknowledged == 0) {
    out.push_back(NoteBlock(T("report.none_acked")));
  } else {
    table_head_[1] = static_cast<int>(out.size());
    out.push_back(TableRow(done_cols, heads(done_cols), kLabelPx, true));
    out.back().table = 1;
  }
  for (size_t i = 0; i < rec_.rows.size(); ++i) {
    const ReconRow& r = rec_.rows[i];
    if (r.standing != Standing::Acknowledged) continue;
    out.push_back(TableRow(done_cols,
                           {r.ticket, r.central_id, CategoryLabel(r.category),
                            LocalMinute(r.created_at), LocalMinute(r.sent_at)},
                           kCellPx, false));
    out.back().table = 1;
    out.back().row = i;
  }
  return out;
}

void Composer::DrawRunningHead(GrayImage& img) {
  Text(img, kMargin, kMargin, T("report.title") + "  \xC2\xB7  " + DeviceLine(), kInfoPx);
  const int y = kMargin + LineHeight(kInfoPx) + 6;
  img.Fill(kMargin, y, kMargin + kContentWidth, y + 1, kInk);
}

void Composer::DrawFooter(GrayImage& img, size_t page, size_t pages) {
  img.Fill(kMargin, kFooterBaseline - ts_.Ascent(kFooterPx) - 10, kMargin + kContentWidth,
           kFooterBaseline - ts_.Ascent(kFooterPx) - 9, kRule);
  const std::string left = DeviceLine() + "  \xC2\xB7  " + LocalMinute(rec_.generated_at);
  ts_.Draw(img, kMargin, kFooterBaseline, ts_.Layout(left, lang_, kFooterPx));
  const LineLayout right = ts_.Layout(
      Fill(Fill(T("report.page"), "n", std::to_string(page)), "total", std::to_string(pages)),
      lang_, kFooterPx);
  ts_.Draw(img, kMargin + kContentWidth - right.width, kFooterBaseline, right);
}

}  // namespace

// =====================================================================================
// [SECTION] Pagination and drawing
// =====================================================================================

bool RenderReconciliationPages(const Reconciliation& rec, text::Lang lang,
                               const text::FontSet& fonts, const text::Catalog& catalog,
                               std::vector<Page>* pages, std::string* error) {
  pages->clear();
  Typesetter ts(fonts);
  if (!ts.ok()) {
    *error = ts.error();
    return false;
  }
  Composer c(ts, lang, catalog, rec);
  const std::vector<Block> blocks = c.Blocks();

  // Place every block first (page, y), then draw: the footer needs the page count.
  struct Placed { size_t block; int y; };
  std::vector<std::vector<Placed>> placed(1);
  const int later_top = kMargin + c.running_head_height();
  int y = kMargin;
  for (size_t i = 0; i < blocks.size(); ++i) {
    int need = blocks[i].height;  // with the blocks it must not be parted from
    for (size_t j = i; j + 1 < blocks.size() && blocks[j].keep_with_next; ++j) need += blocks[j + 1].height;
    const bool page_empty = placed.back().empty() || y == later_top;
    if (y + need > kBottom && !page_empty) {
      placed.emplace_back();
      y = later_top;
      // A table that goes on repeats its column heads, unless this block is those heads.
      if (blocks[i].row && c.table_head(blocks[i].table) >= 0) {
        const size_t head = static_cast<size_t>(c.table_head(blocks[i].table));
        placed.back().push_back({head, y});
        y += blocks[head].height;
      }
    }
    placed.back().push_back({i, y});
    y += blocks[i].height;
  }

  for (size_t p = 0; p < placed.size(); ++p) {
    Page page;
    page.image = GrayImage(kPageWidth, kPageHeight);
    if (p > 0) c.DrawRunningHead(page.image);
    for (const Placed& at : placed[p]) {
      const Block& b = blocks[at.block];
      b.draw(page.image, at.y);
      if (b.row) page.rows.push_back({*b.row, at.y, at.y + b.height});
    }
    c.DrawFooter(page.image, p + 1, placed.size());
    pages->push_back(std::move(page));
  }
  return true;
}

// =====================================================================================
// [SECTION] PNG
// =====================================================================================

namespace {

std::uint32_t Crc32(const std::uint8_t* data, size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= data[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

void PutBe32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

// stb writes no pHYs chunk; without one, viewers and print dialogs assume 72 or 96 dpi and
// "actual size" prints the page at twice A4. It goes right after IHDR (8-byte signature +
// 25-byte IHDR chunk), where the PNG specification wants it: before the image data.
void InsertPhys(std::vector<std::uint8_t>& png) {
  constexpr std::uint32_t kPerMetre = 5906;  // 150 dots per inch
  std::vector<std::uint8_t> chunk;
  PutBe32(chunk, 9);
  for (char ch : {'p', 'H', 'Y', 's'}) chunk.push_back(static_cast<std::uint8_t>(ch));
  PutBe32(chunk, kPerMetre);
  PutBe32(chunk, kPerMetre);
  chunk.push_back(1);  // unit: metre
  PutBe32(chunk, Crc32(chunk.data() + 4, chunk.size() - 4));
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());
}

void Append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

std::vector<std::string> PagePaths(const std::string& path, size_t pages) {
  if (pages == 1) return {path};
  const bool png = path.size() >= 4 && path.compare(path.size() - 4, 4, ".png") == 0;
  const std::string stem = png ? path.substr(0, path.size() - 4) : path;
  std::vector<std::string> out;
  for (size_t i = 1; i <= pages; ++i) out.push_back(stem + "-" + std::to_string(i) + ".png");
  return out;
}

bool RenderReconciliationPng(const Reconciliation& rec, text::Lang lang,
                             const text::FontSet& fonts, const text::Catalog& catalog,
                             const std::string& path, std::vector<std::string>* written,
                             std::string* error) {
  written->clear();
  std::vector<Page> pages;
  if (!RenderReconciliationPages(rec, lang, fonts, catalog, &pages, error)) return false;
  const std::vector<std::string> paths = PagePaths(path, pages.size());
  std::vector<OutFile> files;
  for (size_t i = 0; i < pages.size(); ++i) {
    OutFile f{paths[i], {}};
    const GrayImage& img = pages[i].image;
    if (stbi_write_png_to_func(Append, &f.bytes, img.w, img.h, 1, img.px.data(), img.w) == 0) {
      *error = "could not encode page " + std::to_string(i + 1) + " as PNG";
      return false;
    }
    InsertPhys(f.bytes);
    files.push_back(std::move(f));
  }
  if (!WriteFilesDurably(files, error)) return false;
  *written = paths;
  return true;
}

}  // namespace samvad::report
