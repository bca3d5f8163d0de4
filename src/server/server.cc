// Server: httplib wiring, auth, errors, metrics timing; see server.h.
#include "tradestore/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <chrono>
#include <regex>
#include <thread>

#include "server/api.h"
#include "server/events.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using server::ApiError;

int StatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return 400;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kUnavailable:
    // The database connection was lost during COMMIT: the server cannot
    // answer; no Retry-After, since running the request again is not safe.
    case ErrorKind::kInDoubt:
      return 503;
    case ErrorKind::kStorage:
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

// The field a library message names ("field 'x'"), if any.
std::string FieldOf(const std::string& message) {
  static const std::regex field("field '([^']+)'");
  std::smatch m;
  if (std::regex_search(message, m, field)) return m[1];
  return {};
}

std::string ErrorJson(std::string_view kind, const std::string& message, const std::string& field) {
  nlohmann::ordered_json j;
  j["error"] = kind;
  j["message"] = message;
  j["field"] = field.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(field);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view KindOfStatus(int status) {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return "invalid_argument";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 409:
      return "conflict";
    case 503:
      return "unavailable";
    default:
      return "internal";
  }
}

// SHA-256 of both sides, compared with CRYPTO_memcmp: constant time in the
// token's content and length.
bool TokenMatches(const std::string& given, const std::string& expected) {
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

thread_local std::chrono::steady_clock::time_point request_start;

}  // namespace

bool IsLoopbackHost(const std::string& host) noexcept {
  if (host == "localhost" || host == "::1") return true;
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) == 1) {
    return (ntohl(addr.s_addr) >> 24) == 127;
  }
  return false;
}

struct Server::Impl {
  server::ServerState state;
  httplib::Server http;
  std::thread listener;
  std::thread poller;
  int port = 0;
  std::mutex mutex;
  bool started = false;
  bool joined = false;

  Impl(ServerOptions options, std::string url) : state(std::move(options), std::move(url)) {}

  void Configure();
  // Renders any exception as the API's error body.
  static void RenderError(httplib::Response& res, std::exception_ptr error);
  // Auth and read-only, before routing. Returns true when the request was
  // answered (refused).
  bool Refuse(const httplib::Request& req, httplib::Response& res);
};

void Server::Impl::RenderError(httplib::Response& res, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    server::SendJson(res, ErrorJson(e.kind(), e.what(), e.field()), e.status());
  } catch (const Error& e) {
    const int status = StatusOf(e.kind());
    if (e.kind() == ErrorKind::kUnavailable) res.set_header("Retry-After", "1");
    server::SendJson(res, ErrorJson(ToString(e.kind()), e.what(), FieldOf(e.what())), status);
  } catch (const std::exception& e) {
    server::SendJson(res, ErrorJson("internal", e.what(), {}), 500);
  } catch (...) {
    server::SendJson(res, ErrorJson("internal", "unknown error", {}), 500);
  }
}

bool Server::Impl::Refuse(const httplib::Request& req, httplib::Response& res) {
  const ServerOptions& o = state.options;
  const std::string& path = req.path;
  const bool is_api = path.rfind("/api/", 0) == 0 || path == "/metrics";
  if (!is_api) return false;  // the dashboard's static files
  if (path == "/api/v1/health" || path == "/api/v1/ping" || path == "/api/v1/openapi.json")
    return false;
  const bool is_read = req.method == "GET" || req.method == "HEAD";
  if (!o.token.empty() && !(is_read && o.public_read)) {
    const std::string& header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    std::string given;
    if (header.rfind(kBearer, 0) == 0) given = header.substr(kBearer.size());
    // EventSource cannot send headers: the stream also takes ?token=.
    if (given.empty() && path == "/api/v1/events" && req.has_param("token"))
      given = req.get_param_value("token");
    if (given.empty() || !TokenMatches(given, o.token)) {
      res.set_header("WWW-Authenticate", "Bearer");
      server::SendJson(res,
                       ErrorJson("unauthorized",
                                 given.empty() ? "this request needs a bearer token "
                                                 "(Authorization: Bearer TOKEN)"
                                               : "the bearer token is not valid",
                                 {}),
                       401);
      return true;
    }
  }
  if (!is_read && o.read_only) {
    server::SendJson(
        res, ErrorJson("forbidden", "the server runs with --read-only: writes are refused", {}),
        403);
    return true;
  }
  return false;
}

void Server::Impl::Configure() {
  const ServerOptions& o = state.options;
  const int threads = o.threads;
  http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  // SO_REUSEADDR only (a restart may bind while old connections linger in
  // TIME_WAIT). httplib's default adds SO_REUSEPORT, which would let a second
  // server bind the same port and silently take half of the connections.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_payload_max_length(o.max_body_bytes);
  http.set_read_timeout(std::chrono::seconds(30));
  http.set_write_timeout(std::chrono::seconds(30));
  http.set_keep_alive_max_count(1000);
  // httplib writes a response's headers and body separately; with Nagle's
  // algorithm the body then waits for the client's delayed ACK of the
  // headers (40 ms on Linux), which capped a keep-alive connection at about
  // 23 small requests a second (docs/benchmarks.md).
  http.set_tcp_nodelay(true);
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_start = std::chrono::steady_clock::now();
    try {
      if (Refuse(req, res)) return httplib::Server::HandlerResponse::Handled;
    } catch (...) {
      RenderError(res, std::current_exception());
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                std::exception_ptr e) { RenderError(res, e); });
  // Errors httplib produces itself (no route, body too large, bad request)
  // get the API's error body too.
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message;
    switch (res.status) {
      case 404:
        message = fmt::format("no route for {} {}", req.method, req.path);
        break;
      case 413:
        message = "the request body is larger than the server's limit";
        break;
      default:
        message = fmt::format("the request was refused (HTTP {})", res.status);
    }
    server::SendJson(res, ErrorJson(KindOfStatus(res.status), message, {}), res.status);
  });
  http.set_logger([this](const httplib::Request&, const httplib::Response& res) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - request_start).count();
    state.metrics.ObserveRequest(seconds, res.status);
  });
  // Before the read routes: their last one matches any /api/v1/NAME.
  server::AddEventRoutes(http, state);
  server::AddReadRoutes(http, state);
  server::AddWriteRoutes(http, state);
  server::AddMetricsRoutes(http, state);
  server::AddDashboardRoutes(http, state);
}

Server::Server(ServerOptions options) {
  if (options.port < 0 || options.port > 65535)
    throw InvalidArgument(fmt::format("port {} is outside 0..65535", options.port));
  if (options.threads < 1) throw InvalidArgument("threads must be at least 1");
  if (options.max_body_bytes == 0) throw InvalidArgument("the body limit must be positive");
  if (!IsLoopbackHost(options.host) && options.token.empty()) {
    throw InvalidArgument(fmt::format(
        "refusing to listen on {} without a token: anyone who can reach that address could read "
        "and write the store. Set a token (--token-file FILE or TRADESTORE_TOKEN), or listen on "
        "a loopback address (127.0.0.1, ::1)",
        options.host));
  }
  std::string url = options.store_url.empty() ? Store::DefaultUrl() : options.store_url;
  if (options.read_replica && url.find("read_host=") == std::string::npos) {
    throw InvalidArgument(
        "--read-replica needs a PostgreSQL store URL naming its replica (read_host=HOST, "
        "read_port=PORT; docs/scale-out.md)");
  }
  impl_ = std::make_unique<Impl>(std::move(options), std::move(url));
  impl_->Configure();
}

Server::~Server() {
  Stop();
  Wait();
}

void Server::Start() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->started) throw Error(ErrorKind::kConflict, "the server was already started");
  const ServerOptions& o = impl_->state.options;
  int port = o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(o.host);
    if (port < 0) port = 0;
  } else if (!impl_->http.bind_to_port(o.host, port)) {
    port = 0;
  }
  if (port == 0) {
    throw Error(
        ErrorKind::kUnavailable,
        fmt::format("cannot listen on {}:{} (address in use or not local)", o.host, o.port));
  }
  impl_->port = port;
  impl_->started = true;
  impl_->poller = std::thread([this] { impl_->state.events->Run(); });
  impl_->listener = std::thread([this] { impl_->http.listen_after_bind(); });
}

int Server::port() const { return impl_->port; }

void Server::Stop() {
  impl_->state.stopping = true;
  impl_->state.events->Stop();
  impl_->http.stop();
}

void Server::Wait() {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  if (!impl_->started || impl_->joined) return;
  impl_->joined = true;
  lock.unlock();
  // listen_after_bind returns after stop() once its workers have finished
  // their requests (the thread pool joins them).
  while (!impl_->state.stopping) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (impl_->listener.joinable()) impl_->listener.join();
  if (impl_->poller.joinable()) impl_->poller.join();
  impl_->state.pool.Close();
}

}  // namespace tradestore
