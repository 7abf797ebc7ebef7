// atom.h — the Atom 1.0 document (RFC 4287) central publishes at GET /feed.atom: resolved
// complaints and development works, with their before/after photos, for a corporation's
// social-media cell. Plain structs in, well-formed UTF-8 XML out, plus the small text rules the
// feed needs (XML escaping, a language tag for undeclared text, phone numbers kept out, stable
// entry ids). What goes into an entry — and what never does (citizens' names, phones, device
// ids) — is decided in api_field.cpp; this file only writes what it is given.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace samvad::central::atom {

inline constexpr std::string_view kNamespace = "http://www.w3.org/2005/Atom";
inline constexpr std::string_view kContentType = "application/atom+xml; charset=utf-8";

struct Link {
  std::string rel;   // "self", "alternate", "enclosure"
  std::string href;  // absolute
  std::string type;  // media type, e.g. "image/jpeg"; "" = none
  std::string title;
  std::int64_t length = -1;  // bytes, for enclosures; -1 = unknown
};

struct Entry {
  std::string id;                    // an IRI that never changes: "urn:uuid:…"
  std::string title, title_lang;     // xml:lang of each text construct (BCP 47)
  std::string content, content_lang;
  std::string author;                // the ward office
  std::string category_term, category_label, category_scheme;
  std::int64_t published = 0, updated = 0;  // unix seconds
  std::vector<Link> links;
};

struct Feed {
  std::string id, title, title_lang, generator;
  std::string author;  // for entries without their own
  std::int64_t updated = 0;
  std::vector<Link> links;  // self first
  std::vector<Entry> entries;
};

// The whole document, UTF-8, with the XML declaration.
std::string Render(const Feed& feed);

// `s` as XML character data or an attribute value: & < > " ' escaped, CR/TAB/LF as character
// references in attributes (which would otherwise be normalised to spaces), characters XML 1.0
// forbids (C0 controls, U+FFFE, U+FFFF) dropped, bytes that are not UTF-8 as U+FFFD.
std::string Escape(std::string_view s, bool attribute);

// A BCP 47 tag for text whose language was not declared, from its letters' script: Bengali →
// "bn" (the only language of ours in that script), Latin → "en", Devanagari → "und-Deva"
// (Marathi or Hindi cannot be told apart by script), nothing to go on → "und".
std::string GuessLang(std::string_view text);

// Digit runs that look like phone numbers — 10 or more digits, possibly grouped by single
// spaces or hyphens, or 8 or more in one unbroken run — replaced by "[…]". Devanagari and
// Bengali digits count. A citizen who typed their number into the description does not see it
// posted by the corporation; a date such as 2024-05-01 (8 digits, grouped) stays, and so does a
// ticket as printed (08-001-00042-9, its check digit right).
std::string RedactPhoneNumbers(std::string_view text);

// "urn:uuid:" and a UUID (version 8, RFC 9562) made from SHA-256 of `seed`: the same seed
// always gives the same id, which is what an Atom id must do.
std::string UuidUrnFromSeed(std::string_view seed);

}  // namespace samvad::central::atom
