// client_connection.h: one client's TCP connection: reads requests, runs
// each through the CommandExecutor, writes the replies.
//
// Reading and writing alternate: the connection reads, runs the complete
// requests it has (a pipelining client sends several) until their replies
// reach kMaxOutput bytes, writes the replies, runs the requests left, and
// reads again only when none is left. So a client that does not read its
// replies holds at most about kMaxOutput bytes plus one reply. The socket lives
// on a strand of its own, so its handlers never run at once; a command runs
// (and may wait for a session) inside the read handler, holding up only this
// connection.
//
// Lifetime: shared; each pending operation holds a reference. Close() may
// be called from any thread: it runs on the strand after the handler in
// progress (so a command that is running finishes first), shuts the socket
// down and closes it.
#ifndef JETSESSION_EXAMPLES_KVSERVER_CLIENT_CONNECTION_H_
#define JETSESSION_EXAMPLES_KVSERVER_CLIENT_CONNECTION_H_

#include <array>
#include <asio.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "command_executor.h"
#include "server_counters.h"

namespace kvserver {

class ConnectionRegistry;

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  // `socket` is bound to a strand of its own; `registry` lists the
  // connection from Start until it is destroyed.
  ClientConnection(asio::ip::tcp::socket socket, CommandExecutor* executor,
                   ServerCounters* counters, ConnectionRegistry* registry);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Registers the connection and starts reading.
  void Start();
  void Close();

 private:
  void Read();
  void OnRead(const std::error_code& error, std::size_t bytes);
  // Runs the requests in input_ (RunRequests), then writes their replies,
  // or reads more when there are none.
  void Continue();
  // Runs the complete requests at the start of input_; false when the
  // connection must close once the replies are written.
  bool RunRequests();
  void Write();
  void CloseNow();

  asio::ip::tcp::socket socket_;
  CommandExecutor* const executor_;
  ServerCounters* const counters_;
  ConnectionRegistry* const registry_;
  static constexpr std::size_t kMaxOutput = 256 * 1024;

  std::array<char, 16 * 1024> read_buffer_{};
  std::string input_;
  std::string output_;
  std::vector<std::string_view> args_;
  bool close_after_write_ = false;
};

}  // namespace kvserver

#endif  // JETSESSION_EXAMPLES_KVSERVER_CLIENT_CONNECTION_H_
