// A PostgreSQL wire-protocol proxy for tests that must lose a connection at
// an exact point: while COMMIT is in flight.
//
// The proxy listens on a unix socket of its own (DIR/.s.PGSQL.PORT, so a
// store URL with host=DIR&port=PORT reaches it) and relays every session to
// a real server's socket, reading the messages it relays. When the client
// sends the COMMIT numbered `commit` (counted over all sessions, from 1)
// it breaks that session in one of two ways:
//   kBeforeCommit: the COMMIT is never forwarded and both sockets are
//     closed; the server rolls the transaction back, the client cannot know.
//   kAfterCommit: the COMMIT is forwarded, the server's whole answer
//     (CommandComplete and ReadyForQuery) is read and dropped, then both
//     sockets are closed: the transaction committed, the client cannot know.
// Either way the client sees its connection die with COMMIT in flight: an
// in-doubt COMMIT, deterministically. A third fault is a server that loses
// a commit it acknowledged (PostgreSQL with synchronous_commit=off, crashed
// and recovered):
//   kAcknowledgedButLost: ROLLBACK is sent in the COMMIT's place and its
//     answer's tag rewritten to "COMMIT"; the session goes on. The client
//     believes the transaction committed; the store does not hold it.
// All other traffic passes unchanged.
//
// The driver commits in one of two ways, and both are recognised: a
// simple-query COMMIT ('Q' "COMMIT"), or, after deferred writes, a COMMIT
// in their pipeline (an unnamed Parse of "COMMIT", then Bind, Execute and
// Sync); kAcknowledgedButLost then rewrites that Parse and only the
// ROLLBACK's tag among the pipeline's answers. Unix sockets only (no TLS negotiation: an
// SSL or GSS request is answered 'N').
//
// Thread safety: Arm and the counters may be called from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tradestore::testing {

class PgFaultProxy {
 public:
  enum class Fault { kBeforeCommit, kAfterCommit, kAcknowledgedButLost };

  // Relays DIR/.s.PGSQL.PORT (listening) to `server_socket` (a path).
  PgFaultProxy(std::string dir, int port, std::string server_socket);
  ~PgFaultProxy();
  PgFaultProxy(const PgFaultProxy&) = delete;
  PgFaultProxy& operator=(const PgFaultProxy&) = delete;

  // Breaks the session that sends counted COMMIT number `commit` (see
  // above; counting starts again at Arm); 0 disarms. Later COMMITs pass.
  void Arm(long commit, Fault fault, std::string match = {});
  // COMMITs counted since Arm, and sessions broken so far.
  long commits() const { return commits_.load(); }
  long broken() const { return broken_.load(); }

 private:
  struct Session;
  void AcceptLoop();
  void ClientToServer(const std::shared_ptr<Session>& s);
  void ServerToClient(const std::shared_ptr<Session>& s);

  std::string path_;
  std::string server_socket_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<long> commits_{0};
  std::atomic<long> broken_{0};
  std::atomic<long> armed_commit_{0};
  std::atomic<int> armed_fault_{0};
  std::string match_;  // guarded by mu_
  std::thread acceptor_;
  std::mutex mu_;  // guards workers_ and sessions_
  std::vector<std::thread> workers_;
  std::vector<std::shared_ptr<Session>> sessions_;
};

}  // namespace tradestore::testing
