// resp_parser.cc: the RESP2 request parser (see resp_parser.h).
#include "resp_parser.h"

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace kvserver {
namespace {

constexpr std::string_view kCrLf = "\r\n";

// A decimal length field: digits only (a leading '-' is accepted for the
// null forms "*-1" and "$-1", which a client never sends in a request, so
// they are errors one level up), at most 18 digits so that it cannot
// overflow.
std::optional<long long> ParseLength(std::string_view digits) {
  bool negative = false;
  if (!digits.empty() && digits.front() == '-') {
    negative = true;
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  long long value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

ParseResult Incomplete() { return {ParseStatus::kIncomplete, 0, {}}; }

ParseResult Complete(std::size_t consumed) {
  return {ParseStatus::kComplete, consumed, {}};
}

ParseResult Error(std::string_view what) {
  return {ParseStatus::kError, 0, what};
}

// "PING\r\n" or "SET k v\n": words separated by spaces or tabs, ended by a
// newline (the '\r' before it is optional, as in Redis).
ParseResult ParseInline(std::string_view input,
                        std::vector<std::string_view>* args) {
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() > kMaxInlineBytes) return Error("too big inline request");
    return Incomplete();
  }
  if (newline > kMaxInlineBytes) return Error("too big inline request");
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    std::size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    args->push_back(line.substr(start, end - start));
    pos = end;
  }
  return Complete(newline + 1);
}

// "*<n>\r\n" then n times "$<len>\r\n<len bytes>\r\n".
ParseResult ParseArray(std::string_view input,
                       std::vector<std::string_view>* args) {
  std::size_t pos = 0;
  // Reads a "<prefix><length>\r\n" line at `pos`; nullopt when the line is
  // not complete yet, and sets `bad` when it is not a length.
  auto read_length = [&](char prefix, bool* bad) -> std::optional<long long> {
    const std::size_t end = input.find(kCrLf, pos);
    if (end == std::string_view::npos) {
      // A length line is short: one that goes on and on is not RESP.
      if (input.size() - pos > 32) *bad = true;
      return std::nullopt;
    }
    if (input[pos] != prefix) {
      *bad = true;
      return std::nullopt;
    }
    const std::optional<long long> length =
        ParseLength(input.substr(pos + 1, end - pos - 1));
    if (!length) {
      *bad = true;
      return std::nullopt;
    }
    pos = end + kCrLf.size();
    return length;
  };

  bool bad = false;
  const std::optional<long long> count = read_length('*', &bad);
  if (bad) return Error("invalid multibulk length");
  if (!count) return Incomplete();
  if (*count < 0 || static_cast<unsigned long long>(*count) > kMaxArguments) {
    return Error("invalid multibulk length");
  }
  for (long long i = 0; i < *count; ++i) {
    if (pos >= input.size()) return Incomplete();
    if (input[pos] != '$') return Error("expected '$'");
    const std::optional<long long> length = read_length('$', &bad);
    if (bad) return Error("invalid bulk length");
    if (!length) return Incomplete();
    if (*length < 0 ||
        static_cast<unsigned long long>(*length) > kMaxBulkBytes) {
      return Error("invalid bulk length");
    }
    const auto size = static_cast<std::size_t>(*length);
    if (input.size() - pos < size + kCrLf.size()) return Incomplete();
    if (input.substr(pos + size, kCrLf.size()) != kCrLf) {
      return Error("bulk string not ended by CRLF");
    }
    args->push_back(input.substr(pos, size));
    pos += size + kCrLf.size();
  }
  return Complete(pos);
}

}  // namespace

ParseResult ParseRequest(std::string_view input,
                         std::vector<std::string_view>* args) {
  args->clear();
  if (input.empty()) return Incomplete();
  if (input.front() == '*') return ParseArray(input, args);
  return ParseInline(input, args);
}

}  // namespace kvserver
