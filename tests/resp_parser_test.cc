// Tests of the RESP2 request parser of the key-value server
// (examples/kvserver/resp_parser.h).
#include "resp_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kvserver {
namespace {

using Args = std::vector<std::string_view>;

TEST(RespParserTest, ParsesAnArrayOfBulkStrings) {
  // A value with a NUL, a CR and an LF inside: a bulk string is bytes.
  constexpr char kInput[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\0l\r\n\r\n";
  const std::string_view bytes(kInput, sizeof(kInput) - 1);
  std::vector<std::string_view> args;
  const ParseResult result = ParseRequest(bytes, &args);
  ASSERT_EQ(result.status, ParseStatus::kComplete);
  EXPECT_EQ(result.consumed, bytes.size());
  EXPECT_EQ(args, (Args{"SET", "k", std::string_view("v\0l\r\n", 5)}));
}

TEST(RespParserTest, LeavesTheNextPipelinedRequestInTheInput) {
  const std::string_view input = "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI";
  std::vector<std::string_view> args;
  const ParseResult first = ParseRequest(input, &args);
  ASSERT_EQ(first.status, ParseStatus::kComplete);
  EXPECT_EQ(first.consumed, 14U);
  EXPECT_EQ(args, (Args{"PING"}));
  EXPECT_EQ(ParseRequest(input.substr(first.consumed), &args).status,
            ParseStatus::kIncomplete);
}

TEST(RespParserTest, EveryProperPrefixOfARequestIsIncomplete) {
  const std::string_view input =
      "*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$3\r\nxxx\r\n";
  std::vector<std::string_view> args;
  for (std::size_t n = 0; n < input.size(); ++n) {
    EXPECT_EQ(ParseRequest(input.substr(0, n), &args).status,
              ParseStatus::kIncomplete)
        << "prefix of " << n << " bytes";
  }
  EXPECT_EQ(ParseRequest(input, &args).status, ParseStatus::kComplete);
}

TEST(RespParserTest, ParsesInlineCommands) {
  std::vector<std::string_view> args;
  ParseResult result = ParseRequest("PING\r\n", &args);
  ASSERT_EQ(result.status, ParseStatus::kComplete);
  EXPECT_EQ(result.consumed, 6U);
  EXPECT_EQ(args, (Args{"PING"}));

  result = ParseRequest("  set  k\tv \n", &args);
  ASSERT_EQ(result.status, ParseStatus::kComplete);
  EXPECT_EQ(args, (Args{"set", "k", "v"}));

  result = ParseRequest("\r\n", &args);
  ASSERT_EQ(result.status, ParseStatus::kComplete);
  EXPECT_EQ(result.consumed, 2U);
  EXPECT_TRUE(args.empty());

  EXPECT_EQ(ParseRequest("GET k", &args).status, ParseStatus::kIncomplete);
}

TEST(RespParserTest, AcceptsAnEmptyArrayAndEmptyBulkStrings) {
  std::vector<std::string_view> args;
  ParseResult result = ParseRequest("*0\r\n", &args);
  ASSERT_EQ(result.status, ParseStatus::kComplete);
  EXPECT_TRUE(args.empty());
  result = ParseRequest("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", &args);
  ASSERT_EQ(result.status, ParseStatus::kComplete);
  EXPECT_EQ(args, (Args{"GET", ""}));
}

TEST(RespParserTest, RejectsMalformedRequests) {
  std::vector<std::string_view> args;
  for (const std::string_view bad : {
           "*x\r\n",                     // not a number
           "*-1\r\n",                    // a null array is no request
           "*1\r\n:5\r\n",               // an integer, not a bulk string
           "*1\r\n$-1\r\n",              // a null bulk string
           "*1\r\n$3\r\nGETx\r\n",       // body longer than its length
           "*1\r\n$3x\r\nGET\r\n",       // junk after the length
           "*99999999999999999999\r\n",  // overflows
           "*2000000\r\n",               // over kMaxArguments
           "*1\r\n$99999999999\r\n",     // over kMaxBulkBytes
       }) {
    const ParseResult result = ParseRequest(bad, &args);
    EXPECT_EQ(result.status, ParseStatus::kError) << bad;
    EXPECT_FALSE(result.error.empty()) << bad;
  }
}

TEST(RespParserTest, RejectsALengthLineThatNeverEnds) {
  std::vector<std::string_view> args;
  EXPECT_EQ(ParseRequest("*1" + std::string(40, '1'), &args).status,
            ParseStatus::kError);
  EXPECT_EQ(ParseRequest(std::string(kMaxInlineBytes + 1, 'a'), &args).status,
            ParseStatus::kError);
}

}  // namespace
}  // namespace kvserver
