#include "support/pg_fault_proxy.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace tradestore::testing {
namespace {

constexpr std::uint32_t kSslRequest = 80877103;
constexpr std::uint32_t kGssRequest = 80877104;

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reads exactly `n` bytes; false on EOF or error.
bool ReadFull(int fd, void* buffer, std::size_t n) {
  auto* p = static_cast<unsigned char*>(buffer);
  while (n > 0) {
    const ssize_t got = ::read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool WriteFull(int fd, const void* buffer, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(buffer);
  while (n > 0) {
    const ssize_t put = ::send(fd, p, n, MSG_NOSIGNAL);
    if (put <= 0) return false;
    p += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

sockaddr_un Address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof(a.sun_path)) throw std::runtime_error("socket path too long: " + path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

// One typed message (type byte, length, body) read whole; false at EOF.
bool ReadMessage(int fd, std::string& message) {
  unsigned char head[5];
  if (!ReadFull(fd, head, 5)) return false;
  const std::uint32_t length = BigEndian32(head + 1);
  if (length < 4 || length > (1u << 30)) return false;
  message.assign(reinterpret_cast<const char*>(head), 5);
  message.resize(5 + length - 4);
  return ReadFull(fd, message.data() + 5, length - 4);
}

// A typed message of `type` with `body` (its length prefixed).
std::string TypedMessage(char type, const std::string& body) {
  const std::uint32_t length = 4 + static_cast<std::uint32_t>(body.size());
  std::string message(1, type);
  for (int shift = 24; shift >= 0; shift -= 8) {
    message += static_cast<char>((length >> shift) & 0xff);
  }
  return message + body;
}

}  // namespace

struct PgFaultProxy::Session {
  int client = -1;
  int server = -1;
  std::atomic<bool> swallow{false};               // kAfterCommit: drop the server's answer
  std::atomic<bool> fake_commit{false};           // kAcknowledgedButLost: ROLLBACK reads COMMIT
  std::map<std::string, std::string> statements;  // prepared name -> text
  bool matched = false;  // the open transaction ran a statement with the match
  std::once_flag closed;
  void Close() {
    std::call_once(closed, [this] {
      ::shutdown(client, SHUT_RDWR);
      ::shutdown(server, SHUT_RDWR);
    });
  }
  ~Session() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
};

PgFaultProxy::PgFaultProxy(std::string dir, int port, std::string server_socket)
    : path_(dir + "/.s.PGSQL." + std::to_string(port)), server_socket_(std::move(server_socket)) {
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
  const sockaddr_un a = Address(path_);
  ::unlink(path_.c_str());
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("pg fault proxy: cannot listen on " + path_ + ": " +
                             std::strerror(errno));
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

PgFaultProxy::~PgFaultProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  ::unlink(path_.c_str());
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    for (const auto& s : sessions_) s->Close();
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
}

void PgFaultProxy::Arm(long commit, Fault fault, std::string match) {
  std::lock_guard lock(mu_);
  match_ = std::move(match);
  armed_fault_ = static_cast<int>(fault);
  commits_ = 0;
  armed_commit_ = commit;
}

void PgFaultProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    auto s = std::make_shared<Session>();
    s->client = client;
    s->server = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const sockaddr_un a = Address(server_socket_);
    if (s->server < 0 ||
        ::connect(s->server, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) {
      continue;  // the client sees its connection closed, as if the server were down
    }
    std::lock_guard lock(mu_);
    sessions_.push_back(s);
    workers_.emplace_back([this, s] { ClientToServer(s); });
    workers_.emplace_back([this, s] { ServerToClient(s); });
  }
}

void PgFaultProxy::ClientToServer(const std::shared_ptr<Session>& s) {
  // The startup phase: untyped packets (length, code, body), an SSL or GSS
  // request first perhaps.
  for (;;) {
    unsigned char head[8];
    if (!ReadFull(s->client, head, 8)) return s->Close();
    const std::uint32_t length = BigEndian32(head);
    const std::uint32_t code = BigEndian32(head + 4);
    if (length < 8 || length > 10000) return s->Close();
    std::string packet(reinterpret_cast<const char*>(head), 8);
    packet.resize(length);
    if (!ReadFull(s->client, packet.data() + 8, length - 8)) return s->Close();
    if (code == kSslRequest || code == kGssRequest) {
      if (!WriteFull(s->client, "N", 1)) return s->Close();
      continue;
    }
    if (!WriteFull(s->server, packet.data(), packet.size())) return s->Close();
    break;
  }
  std::string message;
  while (ReadMessage(s->client, message)) {
    std::string match;
    {
      std::lock_guard lock(mu_);
      match = match_;
    }
    // The end of a transaction: a COMMIT (counted when the transaction ran
    // the match, if any) or a ROLLBACK. Breaks the session at the armed
    // COMMIT: false when it is closed; for kAcknowledgedButLost the
    // message becomes `rollback`.
    const auto end_transaction = [&](bool commit, const std::string& rollback) {
      const bool counted = commit && (match.empty() || s->matched);
      s->matched = false;
      if (!counted || ++commits_ != armed_commit_.load()) return true;
      ++broken_;
      const int fault = armed_fault_.load();
      if (fault == static_cast<int>(Fault::kBeforeCommit)) return false;
      if (fault == static_cast<int>(Fault::kAfterCommit)) s->swallow = true;
      if (fault == static_cast<int>(Fault::kAcknowledgedButLost)) {
        s->fake_commit = true;
        message = rollback;
      }
      return true;
    };
    // Parse: name, text. Bind: portal, statement name.
    const char* body = message.data() + 5;
    if (message[0] == 'P') {
      const std::string name = body;
      const std::string text = body + name.size() + 1;
      s->statements[name] = text;
      // The driver's pipelined COMMIT (after deferred writes, in the same
      // pipeline): an unnamed Parse of "COMMIT", then Bind, Execute, Sync.
      if ((text == "COMMIT" || text == "ROLLBACK") &&
          !end_transaction(
              text == "COMMIT",
              TypedMessage('P', name + '\0' + "ROLLBACK" + '\0' +
                                    message.substr(5 + name.size() + 1 + text.size() + 1)))) {
        return s->Close();
      }
    } else if (message[0] == 'B') {
      const std::string portal = body;
      const std::string name = body + portal.size() + 1;
      const auto it = s->statements.find(name);
      if (!match.empty() && it != s->statements.end() &&
          it->second.find(match) != std::string::npos) {
        s->matched = true;
      }
    } else if (message[0] == 'Q') {
      std::string_view query(body, message.size() - 5);
      while (!query.empty() && (query.back() == '\0' || query.back() == ';'))
        query.remove_suffix(1);
      if (!match.empty() && query.find(match) != std::string_view::npos) s->matched = true;
      if ((query == "COMMIT" || query == "ROLLBACK") &&
          !end_transaction(query == "COMMIT", TypedMessage('Q', std::string("ROLLBACK") + '\0'))) {
        return s->Close();
      }
    }
    if (!WriteFull(s->server, message.data(), message.size())) return s->Close();
  }
  s->Close();
}

void PgFaultProxy::ServerToClient(const std::shared_ptr<Session>& s) {
  std::string message;
  // The startup answers are typed messages too (authentication, parameter
  // status, ReadyForQuery).
  while (ReadMessage(s->server, message)) {
    if (s->swallow) {
      // The answer to the broken COMMIT: dropped, up to its ReadyForQuery,
      // then the session dies.
      if (message[0] == 'Z') return s->Close();
      continue;
    }
    // The ROLLBACK's tag alone (in a pipeline, the deferred writes before
    // it have tags of their own).
    if (s->fake_commit && message[0] == 'C' &&
        std::string_view(message).substr(5) == std::string_view("ROLLBACK\0", 9)) {
      message = TypedMessage('C', std::string("COMMIT") + '\0');
    }
    if (message[0] == 'Z') s->fake_commit = false;
    if (!WriteFull(s->client, message.data(), message.size())) return s->Close();
  }
  s->Close();
}

}  // namespace tradestore::testing
