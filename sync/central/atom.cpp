// atom.cpp — the Atom 1.0 writer and its text rules (see atom.h).
#include "sync/central/atom.h"

#include "sync/central/crypto.h"
#include "sync/model/ticket.h"
#include "sync/model/utf8_check.h"
#include "sync/protocol/open311.h"

namespace samvad::central::atom {

namespace {

bool AllowedInXml(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

// ASCII, Devanagari (U+0966–096F) and Bengali (U+09E6–09EF) digits: what a citizen's keyboard
// on our kiosks types.
bool IsDigit(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 0x966 && cp <= 0x96F) || (cp >= 0x9E6 && cp <= 0x9EF);
}

std::string Time(std::int64_t t) { return protocol::open311::FormatDatetime(t); }

void Text(std::string& out, int indent, std::string_view element, std::string_view text, std::string_view lang) {
  out.append(static_cast<size_t>(indent), ' ');
  out += "<" + std::string(element) + " type=\"text\"";
  if (!lang.empty()) out += " xml:lang=\"" + Escape(lang, true) + "\"";
  out += ">" + Escape(text, false) + "</" + std::string(element) + ">\n";
}

void Simple(std::string& out, int indent, std::string_view element, std::string_view text) {
  out.append(static_cast<size_t>(indent), ' ');
  out += "<" + std::string(element) + ">" + Escape(text, false) + "</" + std::string(element) + ">\n";
}

void WriteLink(std::string& out, int indent, const Link& l) {
  out.append(static_cast<size_t>(indent), ' ');
  out += "<link rel=\"" + Escape(l.rel, true) + "\" href=\"" + Escape(l.href, true) + "\"";
  if (!l.type.empty()) out += " type=\"" + Escape(l.type, true) + "\"";
  if (!l.title.empty()) out += " title=\"" + Escape(l.title, true) + "\"";
  if (l.length >= 0) out += " length=\"" + std::to_string(l.length) + "\"";
  out += "/>\n";
}

void Author(std::string& out, int indent, std::string_view name) {
  out.append(static_cast<size_t>(indent), ' ');
  out += "<author><name>" + Escape(name, false) + "</name></author>\n";
}

}  // namespace

std::string Escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    char32_t cp = 0;
    if (!model::NextCodePoint(s, i, cp)) {
      out += "\xEF\xBF\xBD";  // U+FFFD: inputs are validated at the edge, so this is a bug upstream
      ++i;
      continue;
    }
    if (!AllowedInXml(cp)) continue;
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#xD;"; break;  // a parser would turn a raw CR into LF
      case '\t': out += attribute ? "&#x9;" : "\t"; break;
      case '\n': out += attribute ? "&#xA;" : "\n"; break;
      default: out.append(s.substr(start, i - start));
    }
  }
  return out;
}

std::string GuessLang(std::string_view text) {
  size_t deva = 0, beng = 0, latin = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    if (!model::NextCodePoint(text, i, cp)) {
      ++i;
      continue;
    }
    if (IsDigit(cp)) continue;
    if (cp >= 0x900 && cp <= 0x97F) ++deva;
    else if (cp >= 0x980 && cp <= 0x9FF) ++beng;
    else if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xC0 && cp <= 0x24F)) ++latin;
  }
  if (deva == 0 && beng == 0 && latin == 0) return "und";
  if (beng >= deva && beng >= latin) return "bn";
  if (deva >= latin) return "und-Deva";
  return "en";
}

namespace {

// A ticket as the receipt prints it, "08-001-00042-9", whose check digit holds: the
// corporation's own number, which a phone number written in groups does not pass for.
// The receipt's shape, then model::ParseTicket for the rest: in 14 bytes with those three
// hyphens, its 11 digits can only be ASCII ones.
bool IsPrintedTicket(std::string_view run) {
  if (run.size() != 14 || run[2] != '-' || run[6] != '-' || run[12] != '-') return false;
  model::Ticket t;
  return model::ParseTicket(run, &t) == model::TicketError::None;
}

}  // namespace

std::string RedactPhoneNumbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    size_t next = i;
    if (!model::NextCodePoint(text, next, cp) || !IsDigit(cp)) {
      const size_t step = next > i ? next - i : 1;
      out.append(text.substr(i, step));
      i += step;
      continue;
    }
    // A run: digits, each group joined to the next by one space or hyphen.
    size_t end = i, digits = 0;
    bool grouped = false;
    for (size_t j = i;;) {
      char32_t d = 0;
      size_t after = j;
      if (!model::NextCodePoint(text, after, d) || !IsDigit(d)) break;
      ++digits;
      j = end = after;
      if (j + 1 < text.size() && (text[j] == ' ' || text[j] == '-')) {
        size_t k = j + 1;
        char32_t e = 0;
        if (model::NextCodePoint(text, k, e) && IsDigit(e)) {
          grouped = true;
          j = j + 1;
        }
      }
    }
    const bool phone = (digits >= 10 || (!grouped && digits >= 8)) && !IsPrintedTicket(text.substr(i, end - i));
    // A leading '+' (country code) goes with the number.
    if (phone && !out.empty() && out.back() == '+') out.pop_back();
    out += phone ? std::string("[\xE2\x80\xA6]") : std::string(text.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string UuidUrnFromSeed(std::string_view seed) { return "urn:uuid:" + FormatUuid(Sha256(seed), 8); }

std::string Render(const Feed& feed) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"" + std::string(kNamespace) + "\"";
  if (!feed.title_lang.empty()) out += " xml:lang=\"" + Escape(feed.title_lang, true) + "\"";
  out += ">\n";
  Simple(out, 2, "id", feed.id);
  Text(out, 2, "title", feed.title, feed.title_lang);
  Simple(out, 2, "updated", Time(feed.updated));
  for (const auto& l : feed.links) WriteLink(out, 2, l);
  if (!feed.author.empty()) Author(out, 2, feed.author);
  if (!feed.generator.empty()) Simple(out, 2, "generator", feed.generator);
  for (const auto& e : feed.entries) {
    out += "  <entry>\n";
    Simple(out, 4, "id", e.id);
    Text(out, 4, "title", e.title, e.title_lang);
    Simple(out, 4, "published", Time(e.published));
    Simple(out, 4, "updated", Time(e.updated));
    if (!e.author.empty()) Author(out, 4, e.author);
    if (!e.category_term.empty()) {
      out += "    <category term=\"" + Escape(e.category_term, true) + "\"";
      if (!e.category_scheme.empty()) out += " scheme=\"" + Escape(e.category_scheme, true) + "\"";
      if (!e.category_label.empty()) out += " label=\"" + Escape(e.category_label, true) + "\"";
      out += "/>\n";
    }
    Text(out, 4, "content", e.content, e.content_lang);
    for (const auto& l : e.links) WriteLink(out, 4, l);
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

}  // namespace samvad::central::atom
