// rows.cpp — see rows.h.
#include "app/store/rows.h"

#include <cassert>

#include "app/store/sql.h"
#include "sync/model/utf8_check.h"

namespace samvad::store {

LoadResult LoadComplaint(sqlite3* db, std::string_view ticket, model::Complaint* out) {
  sql::Stmt c(db,
              "SELECT ward_no, device_no, seq, client_uuid, category, ward_code, landmark, "
              "description, phone, lang, created_at, status FROM complaints WHERE ticket = ?");
  c.Bind(1, ticket);
  const int rc = c.Step();
  if (rc == SQLITE_DONE) return LoadResult::NotFound;
  if (rc != SQLITE_ROW) return LoadResult::Error;
  model::Complaint k;
  k.ticket = {static_cast<int>(c.Int(0)), static_cast<int>(c.Int(1)), static_cast<int>(c.Int(2))};
  k.client_uuid = c.Text(3);
  k.category = c.Text(4);
  k.ward_code = c.Text(5);
  k.landmark = c.Text(6);
  k.description = c.Text(7);
  if (!c.IsNull(8)) k.phone = c.Text(8);
  k.lang = c.Text(9);
  k.created_at = c.Int(10);
  const auto status = model::ParseStatus(c.Text(11));
  assert(status && "the schema's CHECK admits only known statuses");
  k.status = status.value_or(model::Status::Filed);

  sql::Stmt p(db,
              "SELECT sha256, bytes, width, height, file, thumb_sha256, thumb_bytes, thumb_file "
              "FROM photos WHERE ticket = ? ORDER BY idx");
  p.Bind(1, ticket);
  int prc;
  while ((prc = p.Step()) == SQLITE_ROW) {
    model::PhotoRef r;
    r.sha256 = p.Text(0);
    r.bytes = p.Int(1);
    r.width = static_cast<int>(p.Int(2));
    r.height = static_cast<int>(p.Int(3));
    r.file = p.Text(4);
    r.thumb_sha256 = p.Text(5);
    r.thumb_bytes = p.Int(6);
    r.thumb_file = p.Text(7);
    k.photos.push_back(std::move(r));
  }
  if (prc != SQLITE_DONE) return LoadResult::Error;
  *out = std::move(k);
  return LoadResult::Ok;
}

std::string SanitizePeerText(std::string_view s, size_t max_code_points, bool newline_ok) {
  std::string out;
  size_t i = 0, n = 0;
  while (i < s.size() && n < max_code_points) {
    const size_t start = i;
    char32_t cp = 0;
    if (!model::NextCodePoint(s, i, cp)) {
      out.append("\xEF\xBF\xBD");  // U+FFFD for the one bad byte, then resynchronise
      ++i;
      ++n;
      continue;
    }
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
    if (control && !(newline_ok && cp == U'\n')) continue;
    out.append(s.substr(start, i - start));
    ++n;
  }
  return out;
}

}  // namespace samvad::store
