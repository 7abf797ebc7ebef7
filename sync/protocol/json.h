// json.h — the JSON we put on the wire and the little we read back. A streaming writer (escapes
// control characters, passes UTF-8 through), a UTF-8 validator for every byte a peer sends us,
// and a small strict RFC 8259 parser (tests and tools read responses with it).
// Not a DOM library: no mutation helpers, no pretty printer, no number formatting options.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace samvad::protocol {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
// Every string a peer gives us passes through this before it is stored (GUIDE 2.3: bad input is
// refused with a clear message, never stored half-broken).
bool IsValidUtf8(std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  // Invalid UTF-8 is a bug upstream (inputs are validated at the boundary); rather than emit a
  // document no client can parse, each bad byte becomes U+FFFD.
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(std::int64_t v);
  JsonWriter& Double(double v);  // shortest round-trip form; NaN and infinities become null
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Convenience: Key(k) then String(v) / Int(v).
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, std::int64_t value) { return Key(key).Int(value); }

  // The document; asserts every container was closed.
  const std::string& str() const;

 private:
  void BeforeValue();
  std::string out_;
  std::vector<char> open_;        // '{' or '[' per open container
  std::vector<bool> has_items_;   // parallel to open_
  bool after_key_ = false;
};

// Appends `s` as a quoted JSON string (the writer's escaping, usable on its own).
void AppendJsonString(std::string& out, std::string_view s);

struct JsonValue {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string text;  // the string's value, or a number's source text
  std::vector<JsonValue> items;                              // Array
  std::vector<std::pair<std::string, JsonValue>> members;    // Object, in document order

  bool is_null() const { return type == Type::Null; }
  // The member named `key`, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const;
  // Member `key` as a string; "" when absent or not a string (for tests and tools).
  std::string Str(std::string_view key) const;
  // Member `key` is the literal true; false when absent, false, or not a boolean.
  bool True(std::string_view key) const;
};

// Parses one JSON document (surrounding whitespace allowed). On failure returns nullopt and sets
// `error` to where and why. Depth is capped at 64 so a hostile document cannot blow the stack.
std::optional<JsonValue> ParseJson(std::string_view text, std::string* error);

}  // namespace samvad::protocol
