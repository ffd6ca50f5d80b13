// info_line.h: one line of the INFO reply, "name:value\r\n", as the server
// and both session cores write them.
#ifndef JETSESSION_EXAMPLES_KVSERVER_INFO_LINE_H_
#define JETSESSION_EXAMPLES_KVSERVER_INFO_LINE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace kvserver {

inline void AppendField(std::string_view name, std::string_view value,
                        std::string* out) {
  out->append(name);
  out->push_back(':');
  out->append(value);
  out->append("\r\n");
}

inline void AppendField(std::string_view name, std::uint64_t value,
                        std::string* out) {
  AppendField(name, std::to_string(value), out);
}

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_INFO_LINE_H_
