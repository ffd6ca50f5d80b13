// kv_server.cc: listening, the server threads and the shutdown (see
// kv_server.h).
#include "kv_server.h"

#include <asio.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "client_connection.h"
#include "connection_registry.h"

namespace kvserver {

class KvServer::Impl {
 public:
  Impl(ListenOptions options, SessionPool* pool, CommandExecutor* executor,
       ServerCounters* counters)
      : options_(std::move(options)),
        pool_(pool),
        executor_(executor),
        counters_(counters),
        io_(options_.threads),
        strand_(asio::make_strand(io_)),
        acceptor_(strand_),
        signals_(strand_) {}

  ~Impl() {
    if (watchdog_.joinable()) watchdog_.join();
  }

  std::string Listen() {
    std::error_code error;
    const asio::ip::address address =
        asio::ip::make_address(options_.address, error);
    if (error) return "address " + options_.address + ": " + error.message();
    const asio::ip::tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    }
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) {
      acceptor_.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
      return "listen on " + options_.address + ":" +
             std::to_string(options_.port) + ": " + error.message();
    }
    port_ = acceptor_.local_endpoint(error).port();
    signals_.add(SIGTERM, error);
    if (!error) signals_.add(SIGINT, error);
    if (error) return "signals: " + error.message();
    return {};
  }

  unsigned short port() const { return port_; }

  int Run() {
    signals_.async_wait([this](const std::error_code& error, int signal) {
      if (!error) OnSignal(signal);
    });
    Accept();
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(options_.threads));
    for (int i = 0; i < options_.threads; ++i) {
      threads.emplace_back([this] { io_.run(); });
    }
    for (std::thread& thread : threads) thread.join();
    {
      const std::lock_guard<std::mutex> lock(drain_mu_);
      drained_ = true;
    }
    drained_cv_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
    return signal_;
  }

 private:
  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(io_),
        [this](const std::error_code& error, asio::ip::tcp::socket socket) {
          if (error == asio::error::operation_aborted || !acceptor_.is_open()) {
            return;  // the shutdown closed the acceptor
          }
          if (!error) {
            std::make_shared<ClientConnection>(std::move(socket), executor_,
                                               counters_, &registry_)
                ->Start();
          }
          // A failed accept (a client that reset at once, no file
          // descriptor left) is not the listener's end: go on accepting.
          Accept();
        });
  }

  // Runs on strand_, as the accept handler does.
  void OnSignal(int signal) {
    signal_ = signal;
    std::fprintf(stderr, "jetsession-kv: signal %d: shutting down\n", signal);
    pool_->Stop();  // 1: from now on "-ERR shutting down"
    std::error_code ignored;
    acceptor_.close(ignored);  // 2: no new clients
    registry_.CloseAll();      // 3: close the clients, each after its command
    // The signal set is not waited on again: a later signal is swallowed,
    // and no pending wait keeps the io_context running.
    watchdog_ = std::thread([this] { Watchdog(); });
  }

  // Waits for Run's threads to finish, at most kDrainTimeout, then stops
  // the io_context: the threads return once their running handlers do.
  void Watchdog() {
    std::unique_lock<std::mutex> lock(drain_mu_);
    if (!drained_cv_.wait_for(lock, kDrainTimeout,
                              [this] { return drained_; })) {
      std::fprintf(stderr,
                   "jetsession-kv: connections still busy after %lld ms: "
                   "stopping the threads\n",
                   static_cast<long long>(kDrainTimeout.count()));
      io_.stop();
    }
  }

  const ListenOptions options_;
  SessionPool* const pool_;
  CommandExecutor* const executor_;
  ServerCounters* const counters_;
  // Declared before the io_context: connections that the io_context's
  // destruction releases still find it.
  ConnectionRegistry registry_;
  asio::io_context io_;
  // The acceptor and the signal set run their handlers on this strand.
  asio::strand<asio::io_context::executor_type> strand_;
  asio::ip::tcp::acceptor acceptor_;
  asio::signal_set signals_;
  unsigned short port_ = 0;
  int signal_ = 0;  // written on strand_, read after the threads joined

  std::thread watchdog_;
  std::mutex drain_mu_;
  std::condition_variable drained_cv_;
  bool drained_ = false;  // guarded by drain_mu_
};

KvServer::KvServer(ListenOptions options, SessionPool* pool,
                   CommandExecutor* executor, ServerCounters* counters)
    : impl_(std::make_unique<Impl>(std::move(options), pool, executor,
                                   counters)) {}

KvServer::~KvServer() = default;

std::string KvServer::Listen() { return impl_->Listen(); }

unsigned short KvServer::port() const { return impl_->port(); }

int KvServer::Run() { return impl_->Run(); }

}  // namespace kvserver
