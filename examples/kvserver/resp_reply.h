// resp_reply.h: the RESP2 replies the server sends, appended to a
// connection's output buffer.
#ifndef JETSESSION_EXAMPLES_KVSERVER_RESP_REPLY_H_
#define JETSESSION_EXAMPLES_KVSERVER_RESP_REPLY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace kvserver {

// "+OK\r\n". `text` must hold no CR or LF.
void AppendSimpleString(std::string_view text, std::string* out);

// "-ERR unknown command\r\n": `text` starts with the error's code (ERR,
// BUSY, ...) and holds no CR or LF.
void AppendError(std::string_view text, std::string* out);

// ":42\r\n".
void AppendInteger(std::int64_t value, std::string* out);

// "$5\r\nhello\r\n": any bytes.
void AppendBulkString(std::string_view bytes, std::string* out);

// "$-1\r\n": the missing value (GET of an absent key).
void AppendNullBulkString(std::string* out);

// "*0\r\n": the empty array (the minimal answer to COMMAND).
void AppendEmptyArray(std::string* out);

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_RESP_REPLY_H_
