// page.h — the reconciliation as printable pages: A4 portrait at 150 dpi (1240 × 1754 px),
// black on white, in the staff member's language (labels from the catalog), every string shaped
// with HarfBuzz and rasterised with FreeType (typeset.h). Written as grayscale PNG with a pHYs
// chunk saying 150 dpi, so "print at actual size" fills A4 exactly.
//
// Page 1: title, ward and device, when it was made, the totals; then "not acknowledged" (failed,
// then waiting, each with its cause) and "acknowledged" (ticket ↔ central number, when). Later
// pages repeat a one-line title and the current table's column heads; every page has a footer
// with the device, the time and "page k / n", so a loose sheet still says what it is.
//
// More rows than a page holds make more pages, each its own PNG (`x.png` → `x-1.png`, `x-2.png`
// …), rather than one tall image: a print dialog shrinks a tall image onto one sheet until it
// cannot be read. One-line rows: 21 fit on page 1 under the totals, 31 on each later page
// (measured); a cell too long for three lines is cut with "…" (the CSV has it whole).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "app/report/reconciliation.h"
#include "app/report/typeset.h"
#include "app/text/catalog.h"
#include "app/text/fonts.h"
#include "app/text/lang.h"

namespace samvad::report {

inline constexpr int kPageWidth = 1240, kPageHeight = 1754, kPageDpi = 150;

// Where one report row was drawn: rows [y0, y1) of the page image.
struct RowBand {
  size_t row = 0;  // index into Reconciliation::rows
  int y0 = 0, y1 = 0;
};

struct Page {
  GrayImage image;
  std::vector<RowBand> rows;
};

// The pages, drawn in memory (tests and previews). False with `*error` when a font could not
// be opened. `fonts` may be in use by the UI thread meanwhile (see typeset.h); `catalog` is only
// read.
bool RenderReconciliationPages(const Reconciliation& rec, text::Lang lang,
                               const text::FontSet& fonts, const text::Catalog& catalog,
                               std::vector<Page>* pages, std::string* error);

// The file each page goes to: `path` itself for a single page; otherwise `path` without its
// ".png" followed by "-1.png", "-2.png" … .
std::vector<std::string> PagePaths(const std::string& path, size_t pages);

// Renders the pages and writes them durably (durable_file.h: every page or none). `*written`
// gets the files' paths, in page order. False with `*error` (English, for staff and the log)
// when a font could not be opened, the disk is full or the folder cannot be written; then no
// page is left under its final name.
bool RenderReconciliationPng(const Reconciliation& rec, text::Lang lang,
                             const text::FontSet& fonts, const text::Catalog& catalog,
                             const std::string& path, std::vector<std::string>* written,
                             std::string* error);

}  // namespace samvad::report
