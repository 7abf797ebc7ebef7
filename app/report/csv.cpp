// csv.cpp — the reconciliation as CSV (declared in reconciliation.h).
#include <initializer_list>
#include <string>
#include <string_view>

#include "app/report/durable_file.h"
#include "app/report/reconciliation.h"

namespace samvad::report {
namespace {

void AppendField(std::string& out, std::string_view v) {
  // OWASP's advice for CSV opened in a spreadsheet: a leading apostrophe makes Excel show the
  // field as text instead of evaluating it. Our own fields never start so (tickets and times
  // start with a digit), so this touches only text from central.
  const bool formula = !v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' ||
                                      v[0] == '\t' || v[0] == '\r');
  const bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out.push_back('"');
  if (formula) out.push_back('\'');
  for (const char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  if (quote) out.push_back('"');
}

void AppendRecord(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view f : fields) {
    if (!first) out.push_back(',');
    first = false;
    AppendField(out, f);
  }
  out += "\r\n";  // RFC 4180's line end, which Excel also expects
}

}  // namespace

std::string ReconciliationCsv(const Reconciliation& rec) {
  std::string out = "\xEF\xBB\xBF";
  AppendRecord(out, {"ticket", "central_id", "state", "category", "created_at", "sent_at",
                     "attempts", "cause"});
  for (const ReconRow& r : rec.rows) {
    AppendRecord(out, {r.ticket, r.central_id, model::OutboxStateCode(r.state), r.category,
                       IsoLocalTime(r.created_at), IsoLocalTime(r.sent_at),
                       std::to_string(r.attempts), r.cause});
  }
  return out;
}

bool WriteReconciliationCsv(const Reconciliation& rec, const std::string& path,
                            std::string* error) {
  const std::string csv = ReconciliationCsv(rec);
  return WriteFilesDurably({OutFile{path, std::vector<std::uint8_t>(csv.begin(), csv.end())}},
                           error);
}

}  // namespace samvad::report
