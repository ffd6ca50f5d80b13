// resp_reply.cc: RESP2 reply encoding (see resp_reply.h).
#include "resp_reply.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace kvserver {
namespace {

void AppendDecimal(std::int64_t value, std::string* out) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out->append(digits, result.ptr);
}

}  // namespace

void AppendSimpleString(std::string_view text, std::string* out) {
  out->push_back('+');
  out->append(text);
  out->append("\r\n");
}

void AppendError(std::string_view text, std::string* out) {
  out->push_back('-');
  out->append(text);
  out->append("\r\n");
}

void AppendInteger(std::int64_t value, std::string* out) {
  out->push_back(':');
  AppendDecimal(value, out);
  out->append("\r\n");
}

void AppendBulkString(std::string_view bytes, std::string* out) {
  out->push_back('$');
  AppendDecimal(static_cast<std::int64_t>(bytes.size()), out);
  out->append("\r\n");
  out->append(bytes);
  out->append("\r\n");
}

void AppendNullBulkString(std::string* out) { out->append("$-1\r\n"); }

void AppendEmptyArray(std::string* out) { out->append("*0\r\n"); }

}  // namespace kvserver
