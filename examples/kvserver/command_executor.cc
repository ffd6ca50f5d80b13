// command_executor.cc: the commands of the key-value server (see
// command_executor.h).
#include "command_executor.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "info_line.h"
#include "kv_connection.h"
#include "resp_reply.h"

namespace kvserver {
namespace {

constexpr std::size_t kUnlimited = ~std::size_t{0};

// A command that runs in a session: its name in upper case and how many
// arguments it takes, its name included.
struct SessionCommand {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
};

constexpr SessionCommand kSessionCommands[] = {
    {"PING", 1, 2},         {"GET", 2, 2},  {"SET", 3, 3},
    {"DEL", 2, kUnlimited}, {"INCR", 2, 2}, {"EXISTS", 2, kUnlimited},
};

bool EqualsUpper(std::string_view text, std::string_view upper) {
  return text.size() == upper.size() &&
         std::equal(text.begin(), text.end(), upper.begin(),
                    [](char a, char b) {
                      return std::toupper(static_cast<unsigned char>(a)) == b;
                    });
}

void Count(std::atomic<std::uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);  // a figure for INFO
}

// Raises `max` to at least `value`.
void RaiseMax(std::atomic<std::uint64_t>& max, std::uint64_t value) {
  std::uint64_t seen = max.load(std::memory_order_relaxed);
  // relaxed: a figure on its own; the CAS loop only keeps it monotonic.
  while (value > seen &&
         !max.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

CommandExecutor::CommandExecutor(SessionPool* pool,
                                 SlotConnections* connections,
                                 ServerCounters* counters,
                                 std::chrono::milliseconds wait,
                                 ServerSettings settings)
    : pool_(pool),
      connections_(connections),
      counters_(counters),
      wait_(wait),
      settings_(std::move(settings)),
      started_(std::chrono::steady_clock::now()) {}

CommandExecutor::Next CommandExecutor::Execute(
    std::span<const std::string_view> args, std::string* out) {
  if (args.empty()) return Next::kContinue;  // an empty inline line
  Count(counters_->commands_processed);
  const std::string_view name = args[0];
  if (EqualsUpper(name, "QUIT")) {
    AppendSimpleString("OK", out);
    return Next::kClose;
  }
  if (EqualsUpper(name, "INFO")) {
    std::string info;
    AppendInfo(&info);
    AppendBulkString(info, out);
    return Next::kContinue;
  }
  if (EqualsUpper(name, "COMMAND")) {
    // Clients send COMMAND (or COMMAND DOCS) to learn the command table;
    // an empty one tells them nothing, which they accept.
    AppendEmptyArray(out);
    return Next::kContinue;
  }
  for (const SessionCommand& command : kSessionCommands) {
    if (!EqualsUpper(name, command.name)) continue;
    if (args.size() < command.min_args || args.size() > command.max_args) {
      Count(counters_->error_replies);
      std::string error = "ERR wrong number of arguments for '";
      for (const char c : command.name) {
        error.push_back(static_cast<char>(std::tolower(c)));
      }
      error += "' command";
      AppendError(error, out);
      return Next::kContinue;
    }
    RunInSession(command.name, args, out);
    return Next::kContinue;
  }
  Count(counters_->error_replies);
  std::string error = "ERR unknown command '";
  for (const char c : name.substr(0, 64)) {
    error.push_back(std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?');
  }
  error += "'";
  AppendError(error, out);
  return Next::kContinue;
}

void CommandExecutor::RunInSession(std::string_view name,
                                   std::span<const std::string_view> args,
                                   std::string* out) {
  const SessionPool::Lease lease = pool_->Begin(wait_);
  switch (lease.outcome) {
    case SessionPool::Outcome::kGranted:
      break;
    case SessionPool::Outcome::kBusy:
      Count(counters_->busy_replies);
      AppendError("BUSY no session free within " +
                      std::to_string(wait_.count()) + " ms, not applied",
                  out);
      return;
    case SessionPool::Outcome::kStopped:
      Count(counters_->shutdown_replies);
      AppendError("ERR shutting down", out);
      return;
    case SessionPool::Outcome::kFailed:
      Count(counters_->error_replies);
      AppendError("ERR session core: " + std::string(lease.failure), out);
      return;
  }
  // relaxed: a count the server compares with the capacity, not a lock; the
  // session itself is what makes the slot's connection this thread's.
  const std::uint64_t open =
      counters_->sessions_open.fetch_add(1, std::memory_order_relaxed) + 1;
  RaiseMax(counters_->sessions_max_open, open);
  connections_->Enter(lease.slot);

  if (name == "PING") {
    if (args.size() == 2) {
      AppendBulkString(args[1], out);
    } else {
      AppendSimpleString("PONG", out);
    }
  } else {
    std::string error;
    KvConnection* connection = connections_->Get(lease.slot, &error);
    if (connection == nullptr) {
      Count(counters_->error_replies);
      AppendError("ERR storage: " + error, out);
    } else {
      RunOnConnection(name, args, connection, out);
    }
  }

  connections_->Leave(lease.slot);
  counters_->sessions_open.fetch_sub(1, std::memory_order_relaxed);
  pool_->End(lease);
}

void CommandExecutor::RunOnConnection(std::string_view name,
                                      std::span<const std::string_view> args,
                                      KvConnection* connection,
                                      std::string* out) {
  DbStatus status = DbStatus::kOk;
  if (name == "GET") {
    std::string value;
    bool found = false;
    status = connection->Get(args[1], &value, &found);
    if (status == DbStatus::kOk) {
      if (found) {
        AppendBulkString(value, out);
      } else {
        AppendNullBulkString(out);
      }
      return;
    }
  } else if (name == "SET") {
    status = connection->Set(args[1], args[2]);
    if (status == DbStatus::kOk) {
      AppendSimpleString("OK", out);
      return;
    }
  } else if (name == "INCR") {
    std::int64_t value = 0;
    status = connection->Increment(args[1], &value);
    if (status == DbStatus::kOk) {
      AppendInteger(value, out);
      return;
    }
  } else if (name == "DEL" || name == "EXISTS") {
    std::int64_t count = 0;
    const std::span<const std::string_view> keys = args.subspan(1);
    status = name == "DEL" ? connection->Delete(keys, &count)
                           : connection->Exists(keys, &count);
    if (status == DbStatus::kOk) {
      AppendInteger(count, out);
      return;
    }
  }
  Count(counters_->error_replies);
  switch (status) {
    case DbStatus::kNotInteger:
      AppendError("ERR value is not an integer or out of range", out);
      break;
    case DbStatus::kBusy:
      AppendError("ERR database locked for " +
                      std::to_string(kBusyTimeout.count()) + " ms, not applied",
                  out);
      break;
    case DbStatus::kOk:
    case DbStatus::kError:
      AppendError("ERR storage: " + connection->last_error(), out);
      break;
  }
}

void CommandExecutor::AppendInfo(std::string* out) const {
  const auto load = [](const std::atomic<std::uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);  // a figure for INFO
  };
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
  out->append("# Server\r\n");
  AppendField("server", "jetsession-kv", out);
  AppendField("tcp_port", settings_.port, out);
  AppendField("threads", static_cast<std::uint64_t>(settings_.threads), out);
  AppendField("uptime_in_seconds", static_cast<std::uint64_t>(uptime.count()),
              out);
  AppendField("connected_clients", load(counters_->clients_connected), out);
  AppendField("total_connections_received", load(counters_->clients_accepted),
              out);
  out->append("# Sessions\r\n");
  AppendField("session_core", pool_->name(), out);
  AppendField("capacity", pool_->capacity(), out);
  AppendField("wait_ms", static_cast<std::uint64_t>(wait_.count()), out);
  AppendField("server_sessions_open", load(counters_->sessions_open), out);
  AppendField("sessions_max_open", load(counters_->sessions_max_open), out);
  pool_->AppendInfo(out);
  out->append("# Commands\r\n");
  AppendField("commands_processed", load(counters_->commands_processed), out);
  AppendField("busy_replies", load(counters_->busy_replies), out);
  AppendField("shutdown_replies", load(counters_->shutdown_replies), out);
  AppendField("error_replies", load(counters_->error_replies), out);
  out->append("# Storage\r\n");
  AppendField("sqlite_connections_opened", connections_->opened(), out);
  AppendField("slot_conflicts", connections_->conflicts(), out);
  AppendField("db_path", settings_.db_path, out);
}

}  // namespace kvserver
