// central_feed_atom.tests.cpp — development works (POST /works.json, idempotent; photos by tus
// with work_id) and the public Atom feed of resolved complaints and works (GET /feed.atom), as a
// corporation's social-media cell would read it (issue 5, item 4).
//
// The feed is parsed with libxml2 (well-formed, UTF-8) and checked against RFC 4287's rules by
// AtomProblems below. Debian packages no Atom RELAX NG schema (the RFC's is informative, in
// compact syntax, and xmllint reads only the XML syntax), so that structural check is the
// validator: the atom namespace; exactly one id, title and updated per feed and per entry; at
// most one published and content; an author for every entry; content or an alternate link;
// RFC 3339 dates; absolute ids and link hrefs; xml:lang on every text construct. Every photo
// link is then downloaded and compared with the bytes uploaded.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>

#include "harness.h"
#include "sync/central/atom.h"
#include "sync/protocol/tus.h"

using namespace samvad::testing;
using samvad::protocol::Form;
using samvad::protocol::JsonValue;

namespace {

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";

std::string Attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

bool HasAttr(xmlNode* n, const char* name) { return xmlHasProp(n, reinterpret_cast<const xmlChar*>(name)) != nullptr; }

std::string XmlLang(xmlNode* n) {  // on the element itself, not inherited
  xmlChar* v = xmlGetNsProp(n, reinterpret_cast<const xmlChar*>("lang"), XML_XML_NAMESPACE);
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

std::string TextOf(xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

bool IsAtom(xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && n->ns && xmlStrcmp(n->ns->href, reinterpret_cast<const xmlChar*>(kAtomNs)) == 0 &&
         (!name || xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0);
}

std::vector<xmlNode*> Children(xmlNode* parent, const char* name) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent->children; c; c = c->next)
    if (IsAtom(c, name)) out.push_back(c);
  return out;
}

bool IsRfc3339(const std::string& s) {
  static const std::regex re(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  return std::regex_match(s, re);
}

bool IsAbsoluteHttp(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

bool IsAtomId(const std::string& s) {
  static const std::regex uuid(R"(urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  return std::regex_match(s, uuid) || s.rfind("tag:", 0) == 0 || IsAbsoluteHttp(s);
}

// RFC 4287's rules for the parts of Atom central writes; each problem as a sentence.
std::vector<std::string> AtomProblems(xmlDoc* doc) {
  std::vector<std::string> p;
  xmlNode* feed = xmlDocGetRootElement(doc);
  if (!feed || !IsAtom(feed, "feed")) return {"the root element is not atom:feed in the Atom namespace"};
  const auto one = [&](xmlNode* parent, const char* name, const std::string& where) {
    const auto n = Children(parent, name);
    if (n.size() != 1) p.push_back(where + " has " + std::to_string(n.size()) + " atom:" + name + ", not exactly one");
    return n.empty() ? nullptr : n[0];
  };
  const auto date = [&](xmlNode* n, const std::string& where) {
    if (n && !IsRfc3339(TextOf(n))) p.push_back(where + ": '" + TextOf(n) + "' is not an RFC 3339 date");
  };
  const auto text_construct = [&](xmlNode* n, const std::string& where) {
    if (!n) return;
    const std::string type = Attr(n, "type");
    if (!type.empty() && type != "text" && type != "html" && type != "xhtml")
      p.push_back(where + ": type '" + type + "' is not text, html or xhtml");
    if (XmlLang(n).empty()) p.push_back(where + " has no xml:lang");
  };
  const auto links = [&](xmlNode* parent, const std::string& where) {
    std::set<std::string> alternates;
    for (xmlNode* l : Children(parent, "link")) {
      const std::string href = Attr(l, "href"), rel = HasAttr(l, "rel") ? Attr(l, "rel") : "alternate";
      if (!IsAbsoluteHttp(href)) p.push_back(where + ": link href '" + href + "' is not absolute");
      if (rel == "alternate" && !alternates.insert(Attr(l, "type") + "|" + Attr(l, "hreflang")).second)
        p.push_back(where + " has two alternate links of the same type and hreflang");
      if (rel == "enclosure" && Attr(l, "type") != "image/jpeg")
        p.push_back(where + ": enclosure " + href + " is not typed image/jpeg");
      if (HasAttr(l, "length") && !std::regex_match(Attr(l, "length"), std::regex("[0-9]+")))
        p.push_back(where + ": link length is not a number");
    }
  };

  if (xmlNode* id = one(feed, "id", "the feed"); id && !IsAtomId(TextOf(id)))
    p.push_back("the feed's id '" + TextOf(id) + "' is not an absolute IRI");
  text_construct(one(feed, "title", "the feed"), "the feed's title");
  date(one(feed, "updated", "the feed"), "the feed's updated");
  bool self = false;
  for (xmlNode* l : Children(feed, "link")) self = self || Attr(l, "rel") == "self";
  if (!self) p.push_back("the feed has no link rel=self");
  links(feed, "the feed");
  const bool feed_author = !Children(feed, "author").empty();

  std::set<std::string> ids;
  int i = 0;
  for (xmlNode* e : Children(feed, "entry")) {
    const std::string where = "entry " + std::to_string(++i);
    if (xmlNode* id = one(e, "id", where)) {
      if (!IsAtomId(TextOf(id))) p.push_back(where + ": id '" + TextOf(id) + "' is not an absolute IRI");
      if (!ids.insert(TextOf(id)).second) p.push_back(where + ": id " + TextOf(id) + " repeats another entry's");
    }
    text_construct(one(e, "title", where), where + "'s title");
    date(one(e, "updated", where), where + "'s updated");
    const auto published = Children(e, "published");
    if (published.size() > 1) p.push_back(where + " has more than one atom:published");
    for (xmlNode* d : published) date(d, where + "'s published");
    const auto authors = Children(e, "author");
    if (authors.empty() && !feed_author) p.push_back(where + " has no author, and neither has the feed");
    for (xmlNode* a : authors)
      if (Children(a, "name").size() != 1) p.push_back(where + ": an author without exactly one name");
    const auto content = Children(e, "content");
    if (content.size() > 1) p.push_back(where + " has more than one atom:content");
    for (xmlNode* c : content) text_construct(c, where + "'s content");
    bool alternate = false;
    for (xmlNode* l : Children(e, "link")) alternate = alternate || !HasAttr(l, "rel") || Attr(l, "rel") == "alternate";
    if (content.empty() && !alternate) p.push_back(where + " has neither content nor an alternate link");
    for (xmlNode* s : Children(e, "summary")) text_construct(s, where + "'s summary");
    links(e, where);
  }
  return p;
}

struct Doc {
  xmlDoc* doc = nullptr;
  explicit Doc(const std::string& body) {
    doc = xmlReadMemory(body.data(), static_cast<int>(body.size()), "feed.atom", nullptr, XML_PARSE_NONET);
  }
  ~Doc() { xmlFreeDoc(doc); }
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
};

struct EntryView {
  std::string id, title, title_lang, content, content_lang, alternate, updated;
  std::vector<std::pair<std::string, std::string>> photos;  // (title, href)
};

std::vector<EntryView> Entries(xmlDoc* doc) {
  std::vector<EntryView> out;
  for (xmlNode* e : Children(xmlDocGetRootElement(doc), "entry")) {
    EntryView v;
    v.id = TextOf(Children(e, "id").at(0));
    xmlNode* title = Children(e, "title").at(0);
    v.title = TextOf(title);
    v.title_lang = XmlLang(title);
    xmlNode* content = Children(e, "content").at(0);
    v.content = TextOf(content);
    v.content_lang = XmlLang(content);
    v.updated = TextOf(Children(e, "updated").at(0));
    for (xmlNode* l : Children(e, "link")) {
      if (Attr(l, "rel") == "alternate") v.alternate = Attr(l, "href");
      if (Attr(l, "rel") == "enclosure") v.photos.emplace_back(Attr(l, "title"), Attr(l, "href"));
    }
    out.push_back(std::move(v));
  }
  return out;
}

Reply GetFeed(const Central& c, const std::string& query = "") {
  const Reply r = Http(c.port(), "GET", "/feed.atom" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type") == "application/atom+xml; charset=utf-8");
  return r;
}

Reply PostWork(const Central& c, const std::string& key, const std::string& idem, Form fields) {
  fields.insert(fields.begin(), {"api_key", key});
  return PostForm(c.port(), "/works.json", fields, idem.empty() ? Headers{} : Headers{{"Idempotency-Key", idem}});
}

Form WorkForm(const std::string& title = "Nala cleaning, Dharavi cross road") {
  return {{"title", title}, {"description", "Silt removed from 400 m of the nala before the monsoon"},
          {"lang", "en"}, {"ward", "08"}, {"lat", "19.04"}, {"long", "72.85"}};
}

void RequireError(const Reply& r, int status) {
  INFO(r.body);
  REQUIRE(r.status == status);
  const JsonValue v = r.Json();
  REQUIRE(v.items.size() == 1);
  CHECK(v.items[0].Find("code")->number == status);
}

}  // namespace

TEST_CASE("RedactPhoneNumbers removes what looks like a phone number and keeps dates and printed tickets",
          "[central][atom][privacy]") {
  using samvad::central::atom::RedactPhoneNumbers;
  CHECK(RedactPhoneNumbers("call 9820012345 now") == "call […] now");
  CHECK(RedactPhoneNumbers("फोन ९८२०० १२३४५") == "फोन […]");           // Devanagari digits, grouped
  CHECK(RedactPhoneNumbers("+91 98200-54321.") == "[…].");           // the country code goes with it
  CHECK(RedactPhoneNumbers("landline 24125555") == "landline […]");  // 8 in one run
  CHECK(RedactPhoneNumbers("since 2024-05-01, 3 days") == "since 2024-05-01, 3 days");
  // A ticket as the receipt prints it, check digit right, is the corporation's own number.
  CHECK(RedactPhoneNumbers("Duplicate of 08-001-00041-0") == "Duplicate of 08-001-00041-0");
  CHECK(RedactPhoneNumbers("see 08-001-00003-5 and 08-001-00002-4") == "see 08-001-00003-5 and 08-001-00002-4");
  // The same shape with a wrong check digit, or the ticket's digits in other groups, may be a
  // phone number: removed.
  CHECK(RedactPhoneNumbers("Duplicate of 08-001-00041-3") == "Duplicate of […]");
  CHECK(RedactPhoneNumbers("08001000410") == "[…]");
  CHECK(RedactPhoneNumbers("0800-100-0410") == "[…]");
}

TEST_CASE("POST /works.json makes a development work once per Idempotency-Key; its photos come by tus with work_id",
          "[central][works]") {
  Central c;
  const std::string key = c.EnrollDevice(), other = c.EnrollDevice("another tablet");
  const std::string idem = NewUuid();
  RequireError(PostWork(c, "", idem, WorkForm()), 403);
  RequireError(PostWork(c, key, "", WorkForm()), 400);
  RequireError(PostWork(c, key, "not-a-uuid", WorkForm()), 400);
  RequireError(PostWork(c, key, NewUuid(), {{"description", "no title"}, {"lang", "en"}, {"ward", "08"}}), 400);
  RequireError(PostWork(c, key, NewUuid(), {{"title", "t"}, {"lang", "fr"}, {"ward", "08"}}), 400);
  RequireError(PostWork(c, key, NewUuid(), {{"title", "t"}, {"lang", "mr"}, {"ward", "99"}}), 400);
  RequireError(PostWork(c, key, NewUuid(), {{"title", "t"}, {"lang", "mr"}, {"ward", "08"}, {"lat", "19"}}), 400);

  const Reply first = PostWork(c, key, idem, WorkForm());
  INFO(first.body);
  REQUIRE(first.status == 200);
  const std::string work_id = first.Json().items.at(0).Str("work_id");
  const Reply again = PostWork(c, key, idem, WorkForm());
  CHECK(again.body == first.body);
  CHECK(again.Header("idempotent-replayed") == "true");
  RequireError(PostWork(c, key, idem, WorkForm("Another title")), 409);
  RequireError(PostWork(c, other, idem, WorkForm()), 409);

  const std::string before = NoiseBytes(20000, 21), after = NoiseBytes(25000, 22);
  UploadWhole(c.port(), key, {{"work_id", work_id}, {"kind", "before"}}, before);
  UploadWhole(c.port(), key, {{"work_id", work_id}, {"kind", "after"}}, after);
  const auto create = [&](samvad::protocol::tus::Metadata md) {
    return Http(c.port(), "POST", "/media", "",
                {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}, {"Upload-Length", "10"},
                 {"Upload-Metadata", samvad::protocol::tus::FormatMetadata(md)}});
  };
  CHECK(create({{"work_id", work_id}, {"kind", "photo"}}).status == 400);  // a work has before/after only
  CHECK(create({{"work_id", work_id}}).status == 400);
  CHECK(create({{"work_id", "999999"}, {"kind", "after"}}).status == 400);

  const Reply w = Http(c.port(), "GET", "/works/" + work_id + ".json");
  INFO(w.body);
  REQUIRE(w.status == 200);
  const JsonValue v = w.Json().items.at(0);
  CHECK(v.Str("title") == "Nala cleaning, Dharavi cross road");
  CHECK(v.Str("lang") == "en");
  CHECK(v.Str("ward") == "08");
  CHECK(v.Find("lat")->number == Approx(19.04));
  REQUIRE(v.Find("before_media_urls")->items.size() == 1);
  REQUIRE(v.Find("after_media_urls")->items.size() == 1);
  const std::string after_url = v.Find("after_media_urls")->items[0].text;
  CHECK(Http(c.port(), "GET", after_url.substr(c.base_url().size())).body == after);
  CHECK(w.body.find("dev-") == std::string::npos);  // which device made it is not public
  // The public view of a work, like a request's: a number the engineer wrote is not published;
  // the device that asks with its key reads the text as written.
  Form with_phone = WorkForm("Nala cleaning, contractor 9820012345");
  with_phone[1].value = "Silt removed; site supervisor on ९८२०० १२३४५";
  const Reply made = PostWork(c, key, NewUuid(), with_phone);
  REQUIRE(made.status == 200);
  const std::string phone_work = "/works/" + made.Json().items.at(0).Str("work_id") + ".json";
  const Reply anyone = Http(c.port(), "GET", phone_work);
  INFO(anyone.body);
  REQUIRE(anyone.status == 200);
  CHECK(anyone.Json().items.at(0).Str("title") == "Nala cleaning, contractor […]");
  CHECK(anyone.Json().items.at(0).Str("description") == "Silt removed; site supervisor on […]");
  const Reply device = Http(c.port(), "GET", phone_work, "", {{"Authorization", "Bearer " + key}});
  REQUIRE(device.status == 200);
  CHECK(device.Json().items.at(0).Str("title") == "Nala cleaning, contractor 9820012345");
  CHECK(device.Json().items.at(0).Str("description") == "Silt removed; site supervisor on ९८२०० १२३४५");
  RequireError(Http(c.port(), "GET", phone_work, "", {{"Authorization", "Bearer nonsense"}}), 403);
  RequireError(Http(c.port(), "GET", "/works/999999.json"), 404);
  RequireError(Http(c.port(), "GET", "/works/abc.json"), 404);
  RequireError(Http(c.port(), "GET", "/works.json"), 405);
}

TEST_CASE("A work's photos say when they were taken, as the device sent it, in work_photos", "[central][works][taken_at]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const Reply made = PostWork(c, key, NewUuid(), WorkForm());
  REQUIRE(made.status == 200);
  const std::string work_id = made.Json().items.at(0).Str("work_id");
  const std::string before = NoiseBytes(20000, 31), after = NoiseBytes(25000, 32);
  // As a tablet in IST sends it: the camera's local time with its offset.
  const std::string before_path =
      UploadWhole(c.port(), key, {{"work_id", work_id}, {"kind", "before"}, {"taken_at", "2026-11-24T10:20:30+05:30"}}, before);
  const std::string after_path = UploadWhole(c.port(), key, {{"work_id", work_id}, {"kind", "after"}}, after);
  const auto create = [&](samvad::protocol::tus::Metadata md) {
    return Http(c.port(), "POST", "/media", "",
                {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}, {"Upload-Length", "10"},
                 {"Upload-Metadata", samvad::protocol::tus::FormatMetadata(md)}});
  };
  RequireError(create({{"work_id", work_id}, {"kind", "after"}, {"index", "1"}, {"taken_at", "24/11/2026 10:20"}}), 400);

  const Reply w = Http(c.port(), "GET", "/works/" + work_id + ".json");  // the public view
  INFO(w.body);
  REQUIRE(w.status == 200);
  const JsonValue v = w.Json().items.at(0);
  const JsonValue* photos = v.Find("work_photos");
  REQUIRE(photos);
  REQUIRE(photos->items.size() == 2);  // the refused after.1 was not made
  CHECK(photos->items[0].Str("kind") == "before");
  CHECK(photos->items[0].Find("index")->number == 0);
  CHECK(photos->items[0].Str("media_url") == c.base_url() + before_path);
  CHECK(photos->items[0].Str("taken_datetime") == "2026-11-24T04:50:30Z");  // normalised to UTC
  CHECK(photos->items[1].Str("kind") == "after");
  CHECK(photos->items[1].Str("media_url") == c.base_url() + after_path);
  CHECK(photos->items[1].Find("taken_datetime")->is_null());
  REQUIRE(v.Find("before_media_urls")->items.size() == 1);
  CHECK(v.Find("before_media_urls")->items[0].text == c.base_url() + before_path);
  REQUIRE(v.Find("after_media_urls")->items.size() == 1);
  CHECK(w.body.find("dev-") == std::string::npos);  // still nothing of the device
}

TEST_CASE("GET /feed.atom is valid Atom 1.0 with resolved complaints and works, their photos, and no personal data",
          "[central][atom]") {
  Central c;
  std::string kiosk_id, tablet_id;
  const std::string kiosk = c.EnrollDevice("kiosk", &kiosk_id), tablet = c.EnrollDevice("tablet", &tablet_id);
  c.AddStaff("GN-ENG-04", "4821");

  // A citizen's complaint in Marathi, with the citizen's details and a phone number typed into
  // the description: none of that may reach the feed but the description itself.
  const std::string uuid_mr = NewUuid();
  Form mr = CreateForm(kiosk, uuid_mr, "pothole", "शाळेजवळ मोठा खड्डा आहे, फोन 9820012345 वर कळवा");
  mr.push_back({"lang", "mr"});
  mr.push_back({"first_name", "Ramesh"});
  mr.push_back({"last_name", "Kulkarni"});
  mr.push_back({"phone", "+91 98200 11111"});
  mr.push_back({"email", "ramesh@example.in"});
  mr.push_back({"device_id", "KIOSK-HW-7731"});
  mr.push_back({"address_string", "12 Ranade Road"});
  const std::string uuid_bn = NewUuid();
  const auto create = [&](const Form& form) {
    const Reply r = PostForm(c.port(), "/requests.json", form);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.Json().items.at(0).Str("service_request_id");
  };
  const std::string id_mr = create(mr);
  // Bengali, with no lang declared: the feed tells the language from the script.
  const std::string id_bn = create(CreateForm(kiosk, uuid_bn, "garbage", "রাস্তায় আবর্জনা জমে আছে <তিন দিন> & দুর্গন্ধ"));
  const std::string id_open = create(CreateForm(kiosk, NewUuid(), "water", "Still leaking: not resolved"));

  std::map<std::string, std::string> uploaded;  // media URL → bytes
  const auto photo = [&](const std::string& id, const std::string& kind, int index, std::uint32_t seed) {
    const std::string bytes = NoiseBytes(30000 + seed * 101, seed);
    const std::string path = UploadWhole(
        c.port(), tablet, {{"service_request_id", id}, {"kind", kind}, {"index", std::to_string(index)}}, bytes);
    uploaded[c.base_url() + path] = bytes;
  };
  const auto resolve = [&](const std::string& id) {
    REQUIRE(c.Cli({"assign", id, "GN-ENG-04"}).exit_code == 0);
    const std::string latest = Http(c.port(), "GET", "/requests/" + id + ".json").Json().items.at(0).Str("latest_update_id");
    const Reply r = PostForm(c.port(), "/servicerequestupdates.json",
                             {{"api_key", tablet}, {"service_request_id", id}, {"status", "resolved"},
                              {"description", "Done by GN-ENG-04, call 9820099999"}, {"based_on_update_id", latest}},
                             {{"Idempotency-Key", NewUuid()}});
    INFO(r.body);
    REQUIRE(r.status == 200);
  };
  photo(id_mr, "before", 0, 1);
  photo(id_mr, "after", 0, 2);
  photo(id_mr, "after", 1, 3);
  resolve(id_mr);
  photo(id_bn, "after", 0, 4);
  resolve(id_bn);
  photo(id_open, "before", 0, 5);

  const std::string work_uuid = NewUuid();
  const Reply work = PostWork(c, tablet, work_uuid,
                              {{"title", "नाला सफ़ाई <चरण 2> & \"पूर्ण\""}, {"description", "मानसून से पहले 400 मीटर नाले से गाद निकाली"},
                               {"lang", "hi"}, {"ward", "08"}});
  REQUIRE(work.status == 200);
  const std::string work_id = work.Json().items.at(0).Str("work_id");
  for (const char* kind : {"before", "after"}) {
    const std::string bytes = NoiseBytes(28000, kind[0] == 'b' ? 6 : 7);
    const std::string path = UploadWhole(c.port(), tablet, {{"work_id", work_id}, {"kind", kind}}, bytes);
    uploaded[c.base_url() + path] = bytes;
  }

  const Reply feed = GetFeed(c);
  REQUIRE(samvad::protocol::IsValidUtf8(feed.body));
  CHECK(feed.body.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>", 0) == 0);
  Doc doc(feed.body);
  INFO(feed.body);
  REQUIRE(doc.doc != nullptr);  // well-formed
  const auto problems = AtomProblems(doc.doc);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());

  const auto entries = Entries(doc.doc);
  REQUIRE(entries.size() == 3);  // two resolved complaints and the work; the open complaint is not news
  std::map<std::string, EntryView> by_alternate;
  for (const auto& e : entries) by_alternate[e.alternate] = e;
  const EntryView& m = by_alternate.at(c.base_url() + "/requests/" + id_mr + ".json");
  const EntryView& b = by_alternate.at(c.base_url() + "/requests/" + id_bn + ".json");
  const EntryView& w = by_alternate.at(c.base_url() + "/works/" + work_id + ".json");
  CHECK(m.content_lang == "mr");
  CHECK(m.content.find("शाळेजवळ मोठा खड्डा आहे") != std::string::npos);
  CHECK(m.title_lang == "en");
  CHECK(m.title.find("Pothole or damaged road") != std::string::npos);
  CHECK(m.title.find("08") != std::string::npos);
  CHECK(b.content_lang == "bn");
  CHECK(b.content == "রাস্তায় আবর্জনা জমে আছে <তিন দিন> & দুর্গন্ধ");  // escaped on the wire, intact when parsed
  CHECK(w.title == "नाला सफ़ाई <चरण 2> & \"पूर्ण\"");
  CHECK(w.title_lang == "hi");
  CHECK(w.content_lang == "hi");

  // Photos: befores then afters, every link downloads exactly what was uploaded.
  CHECK(m.photos.size() == 3);
  CHECK(m.photos.at(0).first == "before");
  CHECK(m.photos.at(1).first == "after");
  CHECK(b.photos.size() == 1);
  CHECK(w.photos.size() == 2);
  size_t links = 0;
  for (const auto& e : entries) {
    for (const auto& [kind, href] : e.photos) {
      INFO(kind << " " << href);
      REQUIRE(uploaded.count(href) == 1);
      const Reply got = Http(c.port(), "GET", href.substr(c.base_url().size()));
      REQUIRE(got.status == 200);
      CHECK(got.Header("content-type") == "image/jpeg");
      CHECK(got.body == uploaded.at(href));
      ++links;
    }
  }
  CHECK(links == 6);  // not the open complaint's photo

  // Nothing personal: no citizen's name, phone, email or address, no device, no client UUID,
  // and no phone number typed into a description.
  for (const std::string& secret : {std::string("Ramesh"), std::string("Kulkarni"), std::string("98200 11111"),
                                    std::string("ramesh@example.in"), std::string("KIOSK-HW-7731"),
                                    std::string("Ranade"), std::string("9820012345"), std::string("9820099999"),
                                    kiosk_id, tablet_id, uuid_mr, uuid_bn, work_uuid, kiosk, tablet,
                                    std::string("Still leaking")}) {
    INFO(secret);
    CHECK(feed.body.find(secret) == std::string::npos);
  }

  // Ids and the feed's id stay the same from one read to the next, as Atom requires.
  const Reply later = GetFeed(c);
  Doc doc2(later.body);
  REQUIRE(doc2.doc != nullptr);
  const auto entries2 = Entries(doc2.doc);
  REQUIRE(entries2.size() == 3);
  std::set<std::string> ids1, ids2;
  for (const auto& e : entries) ids1.insert(e.id);
  for (const auto& e : entries2) ids2.insert(e.id);
  CHECK(ids1 == ids2);
  CHECK(TextOf(Children(xmlDocGetRootElement(doc.doc), "id").at(0)) ==
        TextOf(Children(xmlDocGetRootElement(doc2.doc), "id").at(0)));

  Doc one(GetFeed(c, "?limit=1").body);
  REQUIRE(one.doc != nullptr);
  CHECK(Entries(one.doc).size() == 1);
  RequireError(Http(c.port(), "GET", "/feed.atom?limit=0"), 400);
  RequireError(Http(c.port(), "GET", "/feed.atom?limit=201"), 400);
  CHECK(Http(c.port(), "POST", "/feed.atom").status == 405);
}

TEST_CASE("An empty Atom feed is still valid", "[central][atom]") {
  Central c;
  const Reply feed = GetFeed(c);
  Doc doc(feed.body);
  REQUIRE(doc.doc != nullptr);
  const auto problems = AtomProblems(doc.doc);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
  CHECK(Entries(doc.doc).empty());
}
