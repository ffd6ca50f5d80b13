// resp_parser.h: one client request of the Redis protocol (RESP2), parsed
// from the bytes a connection has received so far.
//
// A request is either an array of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk
// \r\n", what redis-cli, redis-benchmark and the client libraries send) or
// an inline command ("PING\r\n", what a person types into telnet: words
// separated by spaces, no quoting). The parser copies nothing: the
// arguments are views into the input, valid while the input is. It keeps no
// state either: a request that is not complete yet is parsed again from its
// start once more bytes arrived (a header costs a few bytes to scan, and a
// bulk string's body is skipped by its length, not scanned).
//
// Limits (a client over them gets a protocol error, as from Redis):
// kMaxArguments arguments, kMaxBulkBytes bytes in one argument,
// kMaxInlineBytes bytes in an inline command line.
#ifndef JETSESSION_EXAMPLES_KVSERVER_RESP_PARSER_H_
#define JETSESSION_EXAMPLES_KVSERVER_RESP_PARSER_H_

#include <cstddef>
#include <string_view>
#include <vector>

namespace kvserver {

inline constexpr std::size_t kMaxArguments = 1024 * 1024;
inline constexpr std::size_t kMaxBulkBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxInlineBytes = 64 * 1024;

enum class ParseStatus {
  kComplete,    // one request parsed; `consumed` bytes belong to it
  kIncomplete,  // the input is the start of a request: read more
  kError,       // the input is not RESP2: answer `error` and close
};

struct ParseResult {
  ParseStatus status = ParseStatus::kIncomplete;
  // Bytes of the input the request took (kComplete only). An empty inline
  // line (a bare "\r\n") is consumed with no arguments.
  std::size_t consumed = 0;
  // What was wrong (kError only), for a "-ERR Protocol error: ..." reply.
  std::string_view error;
};

// Parses the request at the start of `input` into `args` (cleared first).
// On kIncomplete and kError, `args` holds nothing meaningful.
ParseResult ParseRequest(std::string_view input,
                         std::vector<std::string_view>* args);

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_RESP_PARSER_H_
