// client_connection.cc: one client's connection (see client_connection.h).
#include "client_connection.h"

#include <asio.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "connection_registry.h"
#include "resp_parser.h"
#include "resp_reply.h"

namespace kvserver {

ClientConnection::ClientConnection(asio::ip::tcp::socket socket,
                                   CommandExecutor* executor,
                                   ServerCounters* counters,
                                   ConnectionRegistry* registry)
    : socket_(std::move(socket)),
      executor_(executor),
      counters_(counters),
      registry_(registry) {
  counters_->clients_accepted.fetch_add(1, std::memory_order_relaxed);
  counters_->clients_connected.fetch_add(1, std::memory_order_relaxed);
}

ClientConnection::~ClientConnection() {
  registry_->Remove(this);
  counters_->clients_connected.fetch_sub(1, std::memory_order_relaxed);
}

void ClientConnection::Start() {
  std::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  // The registry holds a weak reference: it closes the connection if it is
  // still there, and keeps nothing alive.
  const std::weak_ptr<ClientConnection> weak = weak_from_this();
  if (!registry_->Add(this, [weak] {
        if (const std::shared_ptr<ClientConnection> self = weak.lock()) {
          self->Close();
        }
      })) {
    // The shutdown began after the accept: the client is not served.
    Close();
    return;
  }
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->Read(); });
}

void ClientConnection::Close() {
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->CloseNow(); });
}

void ClientConnection::CloseNow() {
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void ClientConnection::Read() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](
                              const std::error_code& error, std::size_t bytes) {
                            self->OnRead(error, bytes);
                          });
}

void ClientConnection::OnRead(const std::error_code& error, std::size_t bytes) {
  if (error) return;  // closed by the client or by Close: nothing to answer
  input_.append(read_buffer_.data(), bytes);
  Continue();
}

void ClientConnection::Continue() {
  const bool keep_open = RunRequests();
  if (!keep_open) close_after_write_ = true;
  if (output_.empty()) {
    if (close_after_write_) {
      CloseNow();
    } else {
      Read();
    }
    return;
  }
  Write();
}

bool ClientConnection::RunRequests() {
  std::size_t done = 0;
  bool keep_open = true;
  // Past kMaxOutput bytes of replies the rest waits until they are written:
  // a client that pipelines requests and does not read its replies holds
  // at most this much (and one reply) of the server's memory, and its
  // handler gives its thread back after a bounded amount of work.
  while (keep_open && done < input_.size() && output_.size() < kMaxOutput) {
    const ParseResult parsed =
        ParseRequest(std::string_view(input_).substr(done), &args_);
    if (parsed.status == ParseStatus::kIncomplete) break;
    if (parsed.status == ParseStatus::kError) {
      counters_->error_replies.fetch_add(1, std::memory_order_relaxed);
      AppendError("ERR Protocol error: " + std::string(parsed.error), &output_);
      keep_open = false;
      break;
    }
    keep_open =
        executor_->Execute(std::span<const std::string_view>(args_),
                           &output_) == CommandExecutor::Next::kContinue;
    done += parsed.consumed;
  }
  input_.erase(0, done);
  return keep_open;
}

void ClientConnection::Write() {
  asio::async_write(
      socket_, asio::buffer(output_),
      [self = shared_from_this()](const std::error_code& error, std::size_t) {
        if (error) return;
        self->output_.clear();
        if (self->close_after_write_) {
          self->CloseNow();
        } else {
          self->Continue();
        }
      });
}

}  // namespace kvserver
