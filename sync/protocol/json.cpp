// json.cpp — JSON writer, UTF-8 validator and strict parser (see json.h).
//
// [SECTION] UTF-8
// [SECTION] Writer
// [SECTION] Parser
#include "sync/protocol/json.h"

#include "sync/model/utf8_check.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace samvad::protocol {

// ---------------------------------------------------------------------------------------------
// [SECTION] UTF-8
// ---------------------------------------------------------------------------------------------

namespace {

// Length of the UTF-8 sequence starting at s[i] if it is well formed, else 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  size_t j = i;
  char32_t cp = 0;
  return model::NextCodePoint(s, j, cp) ? j - i : 0;
}

void AppendUtf8(std::string& out, std::uint32_t cp) { model::AppendUtf8(out, static_cast<char32_t>(cp)); }

}  // namespace

bool IsValidUtf8(std::string_view s) { return model::IsValidUtf8(s); }

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!open_.empty()) {
    assert(open_.back() == '[' && "a value inside an object needs Key() first");
    if (has_items_.back()) out_.push_back(',');
    has_items_.back() = true;
  } else {
    assert(out_.empty() && "one top-level value per document");
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  open_.push_back('{');
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  assert(!open_.empty() && open_.back() == '{' && !after_key_ && "EndObject without BeginObject");
  out_.push_back('}');
  open_.pop_back();
  has_items_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  open_.push_back('[');
  has_items_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  assert(!open_.empty() && open_.back() == '[' && "EndArray without BeginArray");
  out_.push_back(']');
  open_.pop_back();
  has_items_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  assert(!open_.empty() && open_.back() == '{' && !after_key_ && "Key() belongs inside an object");
  if (has_items_.back()) out_.push_back(',');
  has_items_.back() = true;
  AppendJsonString(out_, key);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  AppendJsonString(out_, s);
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t v) {
  BeforeValue();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  if (!std::isfinite(v)) return Null();  // JSON has no NaN or infinity
  BeforeValue();
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_.append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  return *this;
}

const std::string& JsonWriter::str() const {
  assert(open_.empty() && !after_key_ && "document has unclosed containers");
  return out_;
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (type != Type::Object) return nullptr;
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

std::string JsonValue::Str(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v && v->type == Type::String ? v->text : std::string();
}

bool JsonValue::True(std::string_view key) const {
  const JsonValue* v = Find(key);
  return v && v->type == Type::Bool && v->boolean;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  bool Document(JsonValue* out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    if (i_ != t_.size()) return Fail("trailing characters after the document");
    return true;
  }
  std::string error;

 private:
  bool Fail(const char* why) {
    error = std::string(why) + " at byte " + std::to_string(i_);
    return false;
  }
  void SkipSpace() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool Literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return Fail("invalid literal");
    i_ += word.size();
    return true;
  }

  bool Value(JsonValue* out, int depth) {
    if (depth > 64) return Fail("nesting deeper than 64");
    if (i_ >= t_.size()) return Fail("unexpected end of input");
    const char c = t_[i_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->type = JsonValue::Type::String;
      return String(&out->text);
    }
    if (c == 't') { out->type = JsonValue::Type::Bool; out->boolean = true; return Literal("true"); }
    if (c == 'f') { out->type = JsonValue::Type::Bool; out->boolean = false; return Literal("false"); }
    if (c == 'n') { out->type = JsonValue::Type::Null; return Literal("null"); }
    return Number(out);
  }

  bool Object(JsonValue* out, int depth) {
    out->type = JsonValue::Type::Object;
    ++i_;
    SkipSpace();
    if (i_ < t_.size() && t_[i_] == '}') { ++i_; return true; }
    for (;;) {
      SkipSpace();
      if (i_ >= t_.size() || t_[i_] != '"') return Fail("expected a member name");
      std::string key;
      if (!String(&key)) return false;
      SkipSpace();
      if (i_ >= t_.size() || t_[i_] != ':') return Fail("expected ':'");
      ++i_;
      SkipSpace();
      JsonValue v;
      if (!Value(&v, depth + 1)) return false;
      out->members.emplace_back(std::move(key), std::move(v));
      SkipSpace();
      if (i_ < t_.size() && t_[i_] == ',') { ++i_; continue; }
      if (i_ < t_.size() && t_[i_] == '}') { ++i_; return true; }
      return Fail("expected ',' or '}'");
    }
  }

  bool Array(JsonValue* out, int depth) {
    out->type = JsonValue::Type::Array;
    ++i_;
    SkipSpace();
    if (i_ < t_.size() && t_[i_] == ']') { ++i_; return true; }
    for (;;) {
      SkipSpace();
      JsonValue v;
      if (!Value(&v, depth + 1)) return false;
      out->items.push_back(std::move(v));
      SkipSpace();
      if (i_ < t_.size() && t_[i_] == ',') { ++i_; continue; }
      if (i_ < t_.size() && t_[i_] == ']') { ++i_; return true; }
      return Fail("expected ',' or ']'");
    }
  }

  bool Hex4(std::uint32_t* v) {
    if (i_ + 4 > t_.size()) return Fail("short \\u escape");
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = t_[i_++];
      *v <<= 4;
      if (h >= '0' && h <= '9') *v |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') *v |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') *v |= static_cast<std::uint32_t>(h - 'A' + 10);
      else return Fail("bad hex digit in \\u escape");
    }
    return true;
  }

  bool String(std::string* out) {
    ++i_;  // opening quote
    for (;;) {
      if (i_ >= t_.size()) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') { ++i_; return true; }
      if (c < 0x20) return Fail("control character inside a string");
      if (c >= 0x80) {
        const size_t n = Utf8SequenceLength(t_, i_);
        if (n == 0) return Fail("invalid UTF-8");
        out->append(t_.substr(i_, n));
        i_ += n;
        continue;
      }
      if (c != '\\') { out->push_back(static_cast<char>(c)); ++i_; continue; }
      if (++i_ >= t_.size()) return Fail("unterminated escape");
      const char e = t_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t lo = 0;
            if (t_.substr(i_, 2) != "\\u") return Fail("high surrogate without its pair");
            i_ += 2;
            if (!Hex4(&lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return Fail("high surrogate without its pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(*out, cp);
          break;
        }
        default: return Fail("unknown escape");
      }
    }
  }

  bool Number(JsonValue* out) {
    const size_t start = i_;
    const auto digits = [&] {
      const size_t s = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ - s;
    };
    if (i_ < t_.size() && t_[i_] == '-') ++i_;
    if (i_ < t_.size() && t_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return Fail("unexpected character");
    }
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (digits() == 0) return Fail("digits expected after '.'");
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (digits() == 0) return Fail("digits expected in exponent");
    }
    out->type = JsonValue::Type::Number;
    out->text = std::string(t_.substr(start, i_ - start));
    out->number = std::strtod(out->text.c_str(), nullptr);
    return true;
  }

  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

std::optional<JsonValue> ParseJson(std::string_view text, std::string* error) {
  Parser p(text);
  JsonValue v;
  if (!p.Document(&v)) {
    if (error) *error = p.error;
    return std::nullopt;
  }
  return v;
}

}  // namespace samvad::protocol
