// edit.tests.cpp — the editing model: the caret moves by syllable, backspace by code point,
// digits of every script are stored as ASCII, and limits and bad bytes are refused.
#include <catch2/catch.hpp>

#include "app/text/text_edit.h"
#include "app/text/utf8.h"

using namespace samvad::text;

TEST_CASE("the caret crosses a conjunct syllable in one step", "[edit]") {
  Breaks br;
  EditState s;
  REQUIRE(EditInsert(s, br, Lang::Mr, "क्षेत्र"));
  CHECK(s.caret == 21);
  EditLeft(s, br, Lang::Mr, false);
  CHECK(s.caret == 12);  // before त्र
  EditLeft(s, br, Lang::Mr, false);
  CHECK(s.caret == 0);
  EditRight(s, br, Lang::Mr, false);
  CHECK(s.caret == 12);  // क्षे is one step
  SECTION("Bengali ya-phala and reph stay whole") {
    EditState b;
    REQUIRE(EditInsert(b, br, Lang::Bn, "ব্যবস্থা"));
    EditSetCaret(b, br, Lang::Bn, 0, false);
    EditRight(b, br, Lang::Bn, false);
    CHECK(b.text.substr(0, b.caret) == "ব্য");
  }
  SECTION("a tap inside a syllable snaps the caret to its start") {
    EditSetCaret(s, br, Lang::Mr, 7, false);
    CHECK(s.caret == 0);
  }
}

TEST_CASE("backspace deletes one code point, or the selection", "[edit]") {
  Breaks br;
  EditState s;
  EditInsert(s, br, Lang::Hi, "क्ष");
  EditBackspace(s);
  CHECK(s.text == "क्");
  EditBackspace(s);
  CHECK(s.text == "क");
  EditInsert(s, br, Lang::Hi, "मल नगर");
  EditSetCaret(s, br, Lang::Hi, 0, false);
  EditRight(s, br, Lang::Hi, true);
  EditRight(s, br, Lang::Hi, true);
  CHECK(s.has_selection());
  EditBackspace(s);
  CHECK(s.text == "ल नगर");
  CHECK(s.caret == 0);
}

TEST_CASE("digits of every script are stored as ASCII digits", "[edit]") {
  Breaks br;
  EditState s;
  EditInsert(s, br, Lang::Mr, "वॉर्ड १२");
  EditInsert(s, br, Lang::Bn, " ৩৪ ");
  EditInsert(s, br, Lang::En, "56");
  CHECK(s.text == "वॉर्ड 12 34 56");
  SECTION("a numeric field takes digits only") {
    EditState n;
    n.digits_only = true;
    CHECK(EditInsert(n, br, Lang::Mr, "९८"));
    CHECK_FALSE(EditInsert(n, br, Lang::Mr, "क"));
    CHECK(n.text == "98");
  }
}

TEST_CASE("the length limit counts letters as people see them, and bad bytes never get in", "[edit]") {
  Breaks br;
  EditState s;
  s.max_graphemes = 3;
  CHECK(EditInsert(s, br, Lang::Mr, "क्षेत्र"));  // 2 graphemes
  CHECK(EditInsert(s, br, Lang::Mr, "अ"));        // 3
  CHECK_FALSE(EditInsert(s, br, Lang::Mr, "ब"));  // 4: refused
  CHECK(s.text == "क्षेत्रअ");
  EditState t;
  CHECK_FALSE(EditInsert(t, br, Lang::En, std::string("\xff\xfe", 2)));
  CHECK(EditInsert(t, br, Lang::En, std::string("ok\xc3(\x01!", 6)));
  CHECK(t.text == "ok(!");
  CHECK(IsValidUtf8(t.text));
}
