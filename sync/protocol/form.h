// form.h — application/x-www-form-urlencoded, the body format Open311 GeoReport v2 uses for
// POSTs, and the same rules for query strings. Decoding is strict: a bad %-escape or bytes that
// are not UTF-8 are refused with a reason, because a complaint we cannot read back is worse
// than one the device is told to fix. Not a URL parser (no scheme, host or path handling).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace samvad::protocol {

struct FormField {
  std::string name;
  std::string value;
};
using Form = std::vector<FormField>;  // in the order sent; names may repeat

// %XX and (when `plus_is_space`) '+' decoded; the result must be UTF-8. False with a reason on
// a malformed escape or invalid UTF-8.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out, std::string* error);

// Encodes everything but unreserved characters (RFC 3986: A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view in);

// "a=1&b=x+y" -> {a:1, b:"x y"}. Empty pairs ("a=1&&b=2") are skipped; "flag" alone has an
// empty value.
bool DecodeForm(std::string_view body, Form* out, std::string* error);
std::string EncodeForm(const Form& form);

// First value named `name`, or nullptr.
const std::string* FormGet(const Form& form, std::string_view name);
// The same for an optional query argument, where GeoReport v2 says the answer "should be the
// same whether a parameter is passed and is empty or is not passed at all": nullptr for an
// empty value too.
const std::string* OptionalArg(const Form& query, std::string_view name);
// How many fields are named `name` (Open311 fields are single-valued; a repeat is refused).
size_t FormCount(const Form& form, std::string_view name);

}  // namespace samvad::protocol
