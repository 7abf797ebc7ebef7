// ticket.tests.cpp — ticket numbers: forms, parsing what people type, and the Damm check
// catching every single-digit error and every adjacent transposition.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "sync/model/ticket.h"
#include "sync/model/wards.h"

using namespace samvad::model;

namespace {
Ticket Parsed(std::string_view s) {
  Ticket t;
  REQUIRE(ParseTicket(s, &t) == TicketError::None);
  return t;
}
}  // namespace

TEST_CASE("a ticket is 11 digits, shown in four groups", "[model][ticket]") {
  const Ticket t{12, 7, 42};
  const std::string c = CanonicalTicket(t);
  CHECK(c.size() == kTicketDigits);
  CHECK(c.substr(0, 10) == "1200700042");
  CHECK(DammValid(c));
  CHECK(DisplayTicket(t) == "12-007-00042-" + c.substr(10));
  CHECK(CanonicalTicket({24, 999, 99999}).substr(0, 10) == "2499999999");
}

TEST_CASE("the Damm check digit matches the published example", "[model][ticket]") {
  CHECK(DammCheckDigit("572") == 4);  // Damm (2004), also Wikipedia's worked example
  CHECK(DammValid("5724"));
  CHECK_FALSE(DammValid("5727"));
  CHECK(DammCheckDigit("57a") == -1);
}

TEST_CASE("a ticket parses from any script and any separators", "[model][ticket]") {
  const Ticket t{1, 1, 427};
  const std::string c = CanonicalTicket(t);
  CHECK(Parsed(c) == t);
  CHECK(Parsed(DisplayTicket(t)) == t);
  CHECK(Parsed(" " + c.substr(0, 2) + " " + c.substr(2, 3) + ". " + c.substr(5) + "\n") == t);
  CHECK(Parsed(c.substr(0, 5) + "\xC2\xA0" + c.substr(5)) == t);        // NBSP
  CHECK(Parsed(c.substr(0, 5) + "\xE2\x80\x93" + c.substr(5)) == t);    // en dash
  // The same ticket keyed in Devanagari and in Bengali digits.
  std::string deva, beng;
  for (char d : c) {
    deva.append("\xE0\xA5").push_back(static_cast<char>(0xA6 + (d - '0')));
    beng.append("\xE0\xA7").push_back(static_cast<char>(0xA6 + (d - '0')));
  }
  CHECK(Parsed(deva) == t);
  CHECK(Parsed(beng) == t);
  CHECK(Parsed(deva.substr(0, 6) + "-" + c.substr(2)) == t);  // mixed scripts
}

TEST_CASE("what is not a ticket says why", "[model][ticket]") {
  Ticket t{9, 9, 9};
  const std::string c = CanonicalTicket({3, 14, 15926});
  CHECK(ParseTicket("", &t) == TicketError::Empty);
  CHECK(ParseTicket(" - ", &t) == TicketError::Empty);
  CHECK(ParseTicket("ticket " + c, &t) == TicketError::NotATicket);
  CHECK(ParseTicket(c.substr(0, 4) + "\xFF" + c.substr(4), &t) == TicketError::NotATicket);
  CHECK(ParseTicket(c.substr(0, 4) + "क" + c.substr(4), &t) == TicketError::NotATicket);
  CHECK(ParseTicket(c.substr(1), &t) == TicketError::WrongLength);
  CHECK(ParseTicket(c + "0", &t) == TicketError::WrongLength);
  CHECK(ParseTicket(std::string(5000, '1'), &t) == TicketError::WrongLength);
  std::string bad = c;
  bad[10] = static_cast<char>('0' + (bad[10] - '0' + 1) % 10);
  CHECK(ParseTicket(bad, &t) == TicketError::CheckDigit);
  for (const char* body : {"0000100001", "2500100001", "0100000001", "0100100000"}) {
    std::string s = body;
    s.push_back(static_cast<char>('0' + DammCheckDigit(s)));
    CHECK(ParseTicket(s, &t) == TicketError::OutOfRange);
  }
  CHECK(t == Ticket{9, 9, 9});  // untouched on every failure
}

TEST_CASE("every single-digit error and adjacent swap of 1000 random tickets is rejected",
          "[model][ticket]") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> ward(kWardMin, kWardMax), dev(kDeviceMin, kDeviceMax),
      seq(kSequenceMin, kSequenceMax);
  int substitutions = 0, transpositions = 0, accepted = 0;
  for (int n = 0; n < 1000; ++n) {
    const std::string c = CanonicalTicket({ward(rng), dev(rng), seq(rng)});
    Ticket t;
    for (size_t i = 0; i < c.size(); ++i)
      for (char d = '0'; d <= '9'; ++d) {
        if (d == c[i]) continue;
        std::string s = c;
        s[i] = d;
        ++substitutions;
        if (ParseTicket(s, &t) == TicketError::None) ++accepted;
      }
    for (size_t i = 0; i + 1 < c.size(); ++i) {
      if (c[i] == c[i + 1]) continue;
      std::string s = c;
      std::swap(s[i], s[i + 1]);
      ++transpositions;
      if (ParseTicket(s, &t) == TicketError::None) ++accepted;
    }
  }
  CHECK(substitutions == 1000 * 11 * 9);
  CHECK(transpositions > 9000);  // pairs of equal digits are no error to catch
  CHECK(accepted == 0);
}

TEST_CASE("ward numbers and codes agree with assets/catalog/wards.tsv", "[model][ticket]") {
  std::ifstream f(SAMVAD_SOURCE_DIR "/assets/catalog/wards.tsv");
  REQUIRE(f.good());
  std::string line;
  int rows = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string number, code;
    std::getline(in, number, '\t');
    std::getline(in, code, '\t');
    ++rows;
    INFO(line);
    CHECK(number.size() == 2);
    CHECK(std::stoi(number) == rows);
    CHECK(WardCode(rows) == code);
    CHECK(WardNumber(code) == rows);
  }
  CHECK(rows == kWardMax);
  CHECK(kWardMin == 1);
  CHECK(WardCode(0).empty());
  CHECK(WardCode(25).empty());
  CHECK(WardNumber("k/e") == 0);
}
