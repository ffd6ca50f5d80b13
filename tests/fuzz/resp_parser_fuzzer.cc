// resp_parser_fuzzer: libFuzzer harness for the RESP2 request parser of the
// key-value server (examples/kvserver/resp_parser.h).
//
// Each input is a byte stream as a client could send it. The harness parses
// request after request, as a connection does, and checks: a complete
// request consumes at least one byte and no more than there are; every
// argument lies inside the input; every proper prefix of a complete request
// is incomplete (so a request split across reads parses the same); and an
// array request, encoded again from its arguments, parses to the same
// arguments. The sanitizers (address, undefined) catch memory errors.
//
// Build: the `fuzz` preset (clang). Run:
//   build/fuzz/resp_parser_fuzzer tests/fuzz/resp_corpus -max_total_time=10
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "resp_parser.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() &&
         part.data() + part.size() <= whole.data() + whole.size();
}

std::string Encode(const std::vector<std::string_view>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string_view arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out.append(arg);
    out += "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> args;
  std::vector<std::string_view> again;
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::string_view rest = input.substr(pos);
    const kvserver::ParseResult result = kvserver::ParseRequest(rest, &args);
    if (result.status != kvserver::ParseStatus::kComplete) break;
    Check(result.consumed > 0 && result.consumed <= rest.size());
    const std::string_view request = rest.substr(0, result.consumed);
    for (const std::string_view arg : args) Check(Inside(arg, request));
    // A few split points, not all: the cost stays linear in the input.
    for (const std::size_t cut :
         {std::size_t{0}, result.consumed / 2, result.consumed - 1}) {
      Check(kvserver::ParseRequest(request.substr(0, cut), &again).status ==
            kvserver::ParseStatus::kIncomplete);
    }
    if (request.front() == '*') {
      const std::string encoded = Encode(args);
      const kvserver::ParseResult round =
          kvserver::ParseRequest(encoded, &again);
      Check(round.status == kvserver::ParseStatus::kComplete &&
            round.consumed == encoded.size() && again == args);
    }
    pos += result.consumed;
  }
  return 0;
}
