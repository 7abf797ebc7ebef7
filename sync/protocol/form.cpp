// form.cpp — form and query-string decoding (see form.h).
#include "sync/protocol/form.h"

#include <algorithm>

#include "sync/protocol/json.h"

namespace samvad::protocol {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out, std::string* error) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        *error = "incomplete %-escape";
        return false;
      }
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) {
        *error = "malformed %-escape";
        return false;
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  if (!IsValidUtf8(*out)) {
    *error = "text is not valid UTF-8";
    return false;
  }
  return true;
}

std::string PercentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (const char ch : in) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

bool DecodeForm(std::string_view body, Form* out, std::string* error) {
  out->clear();
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    FormField f;
    std::string why;
    if (!PercentDecode(pair.substr(0, eq), true, &f.name, &why) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &f.value, &why))) {
      *error = why + " in field '" + std::string(pair.substr(0, std::min<size_t>(eq, 40))) + "'";
      return false;
    }
    out->push_back(std::move(f));
  }
  return true;
}

std::string EncodeForm(const Form& form) {
  std::string out;
  for (const auto& f : form) {
    if (!out.empty()) out.push_back('&');
    out.append(PercentEncode(f.name));
    out.push_back('=');
    out.append(PercentEncode(f.value));
  }
  return out;
}

const std::string* FormGet(const Form& form, std::string_view name) {
  for (const auto& f : form)
    if (f.name == name) return &f.value;
  return nullptr;
}

const std::string* OptionalArg(const Form& query, std::string_view name) {
  const std::string* v = FormGet(query, name);
  return v && !v->empty() ? v : nullptr;
}

size_t FormCount(const Form& form, std::string_view name) {
  size_t n = 0;
  for (const auto& f : form) n += f.name == name;
  return n;
}

}  // namespace samvad::protocol
