// keyboard.tests.cpp — the on-screen keyboards typed as a touch-typist would: InScript key
// sequences must give exactly the words citizens write, marks must not attach to nothing, and
// every layout must be well formed. Not tested here: drawing (keyboard_view) or caret handling.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <string_view>

#include "app/text/keyboard.h"
#include "app/text/utf8.h"
#include "sync/model/digits.h"

using namespace samvad::text;

namespace {

// Types `keys` on a physical keyboard (shift already applied, as in "K"), checking that the
// on-screen keyboard would have allowed each keystroke where it happened.
std::string Type(LayoutId id, std::string_view keys, bool marathi = false) {
  std::string text;
  for (const char c : keys) {
    const std::string piece = TranslatePhysical(id, static_cast<char32_t>(c), marathi);
    INFO("key '" << c << "' after \"" << text << "\"");
    REQUIRE_FALSE(piece.empty());
    CHECK(CanInsertAfter(text, piece));
    text += piece;
  }
  return text;
}

const Key* FindKeyWithText(const Layout& layout, std::string_view text) {
  for (const auto& row : layout.rows)
    for (const Key& key : row)
      if (KeyText(key, false) == text || KeyText(key, true) == text) return &key;
  return nullptr;
}

int CountRole(const Layout& layout, KeyRole role) {
  int n = 0;
  for (const auto& row : layout.rows)
    for (const Key& key : row) n += key.role == role ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("InScript Devanagari types क्षेत्र letter by letter and with the conjunct keys",
          "[keyboard]") {
  const std::string kshetra = "\u0915\u094D\u0937\u0947\u0924\u094D\u0930";  // क्षेत्र
  CHECK(Type(LayoutId::Devanagari, "kd<sldj") == kshetra);
  CHECK(Type(LayoutId::Devanagari, "&s^") == kshetra);
  CHECK(Type(LayoutId::Devanagari, "&sl#") == kshetra);
  CHECK(Type(LayoutId::Devanagari, "&s^", true) == kshetra);
}

TEST_CASE("InScript Devanagari types प्रभाग कार्यालय", "[keyboard]") {
  const std::string ward_office = "प्रभाग कार्यालय";
  REQUIRE(ward_office == "\u092A\u094D\u0930\u092D\u093E\u0917 "
                         "\u0915\u093E\u0930\u094D\u092F\u093E\u0932\u092F");
  CHECK(Type(LayoutId::Devanagari, "hdjYei kejd/en/") == ward_office);
  SECTION("and with the ्र and र् keys") {
    CHECK(Type(LayoutId::Devanagari, "h#Yei ke$/en/") == ward_office);
  }
}

TEST_CASE("InScript Devanagari puts the common letters where touch-typists expect them",
          "[keyboard]") {
  CHECK(TranslatePhysical(LayoutId::Devanagari, 'k') == "क");
  CHECK(TranslatePhysical(LayoutId::Devanagari, 'd') == "\u094D");
  CHECK(TranslatePhysical(LayoutId::Devanagari, 'j') == "र");
  CHECK(TranslatePhysical(LayoutId::Devanagari, '/') == "य");
  CHECK(TranslatePhysical(LayoutId::Devanagari, 'e') == "\u093E");
  CHECK(TranslatePhysical(LayoutId::Devanagari, 's') == "\u0947");
  CHECK(TranslatePhysical(LayoutId::Devanagari, 'l') == "त");
  CHECK(TranslatePhysical(LayoutId::Devanagari, '<') == "ष");
  CHECK(TranslatePhysical(LayoutId::Devanagari, '>') == "\u0964");  // danda
  CHECK(TranslatePhysical(LayoutId::Devanagari, '%') == "\u091C\u094D\u091E");
  CHECK(TranslatePhysical(LayoutId::Devanagari, '*') == "\u0936\u094D\u0930");
  CHECK(TranslatePhysical(LayoutId::Devanagari, 'N') == "ळ");
  SECTION("and inserts य़ as य + nukta, the form NFC keeps") {
    CHECK(TranslatePhysical(LayoutId::Devanagari, '?') == "\u092F\u093C");
  }
}

TEST_CASE("InScript Bengali types শিকায়েত জানান with য় as য + nukta", "[keyboard]") {
  const std::string expected =
      "\u09B6\u09BF\u0995\u09BE\u09AF\u09BC\u09C7\u09A4 \u099C\u09BE\u09A8\u09BE\u09A8";
  const std::string typed = Type(LayoutId::Bengali, "Mfke/sl pevev");
  CHECK(typed == expected);
  CHECK(typed == "শিকায়েত জানান");
  CHECK(typed.find("\u09DF") == std::string::npos);

  SECTION("ড় and ঢ় come out as base + nukta too") {
    CHECK(Type(LayoutId::Bengali, "[]") == "\u09A1\u09BC");
    CHECK(TranslatePhysical(LayoutId::Bengali, 'J') == "\u09A2\u09BC");
  }
  SECTION("the conjunct keys sit where they do in Devanagari InScript") {
    CHECK(TranslatePhysical(LayoutId::Bengali, '&') == "\u0995\u09CD\u09B7");  // ক্ষ
    CHECK(TranslatePhysical(LayoutId::Bengali, '^') == "\u09A4\u09CD\u09B0");  // ত্র
    CHECK(TranslatePhysical(LayoutId::Bengali, '%') == "\u099C\u09CD\u099E");  // জ্ঞ
    CHECK(TranslatePhysical(LayoutId::Bengali, '*') == "\u09B6\u09CD\u09B0");  // শ্র
    CHECK(Type(LayoutId::Bengali, "&s^") == "ক্ষেত্র");
  }
  SECTION("র ZWJ ্ য spells ra with ya-phala") {
    CHECK(Type(LayoutId::Bengali, "j`d?") == "\u09B0\u200D\u09CD\u09AF");
  }
}

TEST_CASE("The Marathi keyboard has the eyelash ra key and the Hindi one does not",
          "[keyboard]") {
  const std::string eyelash_ra = "\u0930\u094D\u200D";
  const Key* key = FindKeyWithText(GetLayout(LayoutId::Devanagari, true), eyelash_ra);
  REQUIRE(key != nullptr);
  CHECK(KeyText(*key, false) == eyelash_ra);
  CHECK(key->qwerty == 0);
  CHECK(FindKeyWithText(GetLayout(LayoutId::Devanagari, false), eyelash_ra) == nullptr);

  SECTION("both have visibly labelled ZWJ and ZWNJ keys") {
    for (const bool marathi : {true, false}) {
      const Layout& layout = GetLayout(LayoutId::Devanagari, marathi);
      const Key* zwj = FindKeyWithText(layout, "\u200D");
      const Key* zwnj = FindKeyWithText(layout, "\u200C");
      REQUIRE(zwj != nullptr);
      REQUIRE(zwnj != nullptr);
      CHECK(KeyLabel(*zwj, false) == "ZWJ");
      CHECK(KeyLabel(*zwnj, false) == "ZWNJ");
    }
  }
}

TEST_CASE("Vowel signs and virama attach only to a consonant", "[keyboard]") {
  const std::string aa = "\u093E", virama = "\u094D", nukta = "\u093C";
  for (const std::string& mark : {aa, virama}) {
    INFO("mark U+" << std::hex << static_cast<unsigned>(LastCodePoint(mark)));
    CHECK_FALSE(CanInsertAfter("", mark));
    CHECK_FALSE(CanInsertAfter("क ", mark));
    CHECK_FALSE(CanInsertAfter("का", mark));
    CHECK_FALSE(CanInsertAfter("आ", mark));
    CHECK_FALSE(CanInsertAfter("क्", mark));
    CHECK_FALSE(CanInsertAfter("kaa", mark));
    CHECK(CanInsertAfter("क", mark));
    CHECK(CanInsertAfter("ड" + nukta, mark));
    CHECK(CanInsertAfter("\u0958", mark));  // precomposed क़ is a consonant
  }
  SECTION("the ्र key follows the virama's rule") {
    CHECK_FALSE(CanInsertAfter("", "\u094D\u0930"));
    CHECK_FALSE(CanInsertAfter("की", "\u094D\u0930"));
    CHECK(CanInsertAfter("प", "\u094D\u0930"));
  }
  SECTION("a nukta follows a consonant that has none yet") {
    CHECK(CanInsertAfter("ड", nukta));
    CHECK_FALSE(CanInsertAfter("ड" + nukta, nukta));
    CHECK_FALSE(CanInsertAfter("\u0931", nukta));  // ऱ already has one
    CHECK_FALSE(CanInsertAfter("ि", nukta));
  }
  SECTION("Bengali follows the same rules, and khanda ta takes no vowel sign") {
    CHECK(CanInsertAfter("ক", "\u09BF"));
    CHECK_FALSE(CanInsertAfter("", "\u09BF"));
    CHECK_FALSE(CanInsertAfter("কা", "\u09C7"));
    CHECK(CanInsertAfter("\u09AF\u09BC", "\u09C7"));
    CHECK_FALSE(CanInsertAfter("\u09CE", "\u09BE"));
    CHECK_FALSE(CanInsertAfter("\u09CE", "\u09CD"));
  }
  SECTION("consonants, vowels and conjunct keys go anywhere") {
    CHECK(CanInsertAfter("", "क"));
    CHECK(CanInsertAfter("का", "आ"));
    CHECK(CanInsertAfter("", "क्ष"));
    CHECK(CanInsertAfter("", "\u0930\u094D\u200D"));
    CHECK(CanInsertAfter("ा", " "));
  }
}

TEST_CASE("Anusvara and its kin follow a syllable, not a space or a virama", "[keyboard]") {
  const std::string anusvara = "\u0902", candrabindu = "\u0901";
  CHECK(CanInsertAfter("का", anusvara));
  CHECK(CanInsertAfter("क", anusvara));
  CHECK(CanInsertAfter("अ", candrabindu));
  CHECK(CanInsertAfter("ড\u09BC", "\u0982"));
  CHECK_FALSE(CanInsertAfter("", anusvara));
  CHECK_FALSE(CanInsertAfter("क ", anusvara));
  CHECK_FALSE(CanInsertAfter("क्", anusvara));
  CHECK_FALSE(CanInsertAfter("कं", anusvara));
}

TEST_CASE("Classify names the first code point's role", "[keyboard]") {
  CHECK(Classify("") == CharClass::Other);
  CHECK(Classify("a") == CharClass::Other);
  CHECK(Classify("\u200D") == CharClass::Other);
  CHECK(Classify("\u0964") == CharClass::Other);  // danda
  CHECK(Classify("क") == CharClass::Consonant);
  CHECK(Classify("क्ष") == CharClass::Consonant);
  CHECK(Classify("\u0979") == CharClass::Consonant);
  CHECK(Classify("ऑ") == CharClass::IndependentVowel);
  CHECK(Classify("\u0972") == CharClass::IndependentVowel);
  CHECK(Classify("\u0949") == CharClass::VowelSign);
  CHECK(Classify("\u094D\u0930") == CharClass::Virama);
  CHECK(Classify("\u093C") == CharClass::Nukta);
  CHECK(Classify("\u0903") == CharClass::Modifier);
  CHECK(Classify("7") == CharClass::Digit);
  CHECK(Classify("\u096D") == CharClass::Digit);
  CHECK(Classify("\u09ED") == CharClass::Digit);
  CHECK(Classify("\u09CE") == CharClass::Consonant);  // khanda ta
  CHECK(Classify("\u09DF") == CharClass::Consonant);
  CHECK(Classify("\u09F0") == CharClass::Consonant);
  CHECK(Classify("\u09E0") == CharClass::IndependentVowel);
  CHECK(Classify("\u09D7") == CharClass::VowelSign);
  CHECK(Classify("\u09CD") == CharClass::Virama);
  CHECK(Classify("\u09BC") == CharClass::Nukta);
  CHECK(Classify("\u0981") == CharClass::Modifier);
  CHECK(Classify("\u09BD") == CharClass::Other);  // avagraha
}

TEST_CASE("Digit keys show the script's digits but insert ASCII", "[keyboard]") {
  for (const LayoutId id : {LayoutId::Devanagari, LayoutId::Bengali}) {
    const char32_t zero = id == LayoutId::Devanagari ? 0x0966 : 0x09E6;
    int digit_keys = 0;
    for (const auto& row : GetLayout(id).rows) {
      for (const Key& key : row) {
        if (key.qwerty < U'0' || key.qwerty > U'9') continue;
        ++digit_keys;
        const int value = static_cast<int>(key.qwerty - U'0');
        INFO("digit " << value);
        CHECK(KeyText(key, false) == std::string(1, static_cast<char>('0' + value)));
        CHECK(LastCodePoint(KeyLabel(key, false)) == zero + static_cast<char32_t>(value));
        CHECK(samvad::model::NormalizeDigits(KeyLabel(key, false)) == KeyText(key, false));
      }
    }
    CHECK(digit_keys == 10);
    CHECK(TranslatePhysical(id, '5') == "5");
  }
  SECTION("a digit key with nothing shifted shows its digit shifted too") {
    const Key& one = GetLayout(LayoutId::Bengali).rows[0][1];
    REQUIRE(one.qwerty == U'1');
    CHECK(KeyLabel(one, true) == "১");
    CHECK(KeyText(one, true) == "1");
  }
}

TEST_CASE("English and numeric keyboards type what their keys say", "[keyboard]") {
  CHECK(Type(LayoutId::English, "Ward 12 (East), road-pit? Yes! @PMC #4/5 'now'") ==
        "Ward 12 (East), road-pit? Yes! @PMC #4/5 'now'");
  CHECK(Type(LayoutId::Numeric, "9876543210") == "9876543210");
  CHECK(TranslatePhysical(LayoutId::Numeric, 'a').empty());
  CHECK(TranslatePhysical(LayoutId::Numeric, ' ').empty());
  CHECK(TranslatePhysical(LayoutId::English, '\t').empty());
  CHECK(TranslatePhysical(LayoutId::Devanagari, 0).empty());

  SECTION("the numeric pad is 1 2 3 / 4 5 6 / 7 8 9 / Backspace 0 OK") {
    const Layout& pad = GetLayout(LayoutId::Numeric);
    REQUIRE(pad.rows.size() == 4);
    CHECK(KeyText(pad.rows[0][0], false) == "1");
    CHECK(KeyText(pad.rows[2][2], false) == "9");
    CHECK(pad.rows[3][0].role == KeyRole::Backspace);
    CHECK(KeyText(pad.rows[3][1], false) == "0");
    CHECK(pad.rows[3][2].role == KeyRole::Enter);
    CHECK(KeyLabel(pad.rows[3][2], false) == "OK");
  }
}

TEST_CASE("Every layout is well formed", "[keyboard]") {
  struct Case { LayoutId id; bool marathi; const char* name; };
  for (const Case c : {Case{LayoutId::Devanagari, false, "Hindi"},
                       Case{LayoutId::Devanagari, true, "Marathi"},
                       Case{LayoutId::Bengali, false, "Bengali"},
                       Case{LayoutId::English, false, "English"},
                       Case{LayoutId::Numeric, false, "Numeric"}}) {
    INFO(c.name << " layout");
    const Layout& layout = GetLayout(c.id, c.marathi);
    CHECK(layout.id == c.id);
    std::set<char32_t> positions;
    for (const auto& row : layout.rows) {
      CHECK_FALSE(row.empty());
      for (const Key& key : row) {
        INFO("key \"" << KeyLabel(key, false) << "\" qwerty " << static_cast<unsigned>(key.qwerty));
        CHECK(key.width > 0.0f);
        CHECK(IsValidUtf8(key.out));
        CHECK(IsValidUtf8(key.shift_out));
        CHECK(IsValidUtf8(key.label));
        CHECK(IsValidUtf8(key.shift_label));
        CHECK_FALSE(KeyLabel(key, false).empty());
        CHECK_FALSE(KeyLabel(key, true).empty());
        if (key.role == KeyRole::Insert)
          CHECK_FALSE((KeyText(key, false).empty() && KeyText(key, true).empty()));
        else
          CHECK(KeyText(key, false).empty());
        for (const char32_t q : {key.qwerty, key.qwerty_shift}) {
          if (q == 0) continue;
          CHECK(q < 0x80);
          CHECK(positions.insert(q).second);
        }
      }
    }
    CHECK(CountRole(layout, KeyRole::Backspace) == 1);
    if (c.id == LayoutId::Numeric) {
      CHECK(CountRole(layout, KeyRole::Enter) == 1);
    } else {
      CHECK(layout.rows.size() == 5);
      CHECK(CountRole(layout, KeyRole::Shift) == 1);
      CHECK(CountRole(layout, KeyRole::Space) == 1);
      CHECK(TranslatePhysical(c.id, U' ', c.marathi) == " ");
    }
  }
}
