// StorePool, Query, Body and the response helpers; see api.h.
#include "server/api.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "server/events.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"

namespace tradestore::server {
namespace {

// JSON numbers with a fraction or exponent are kept as their literal text,
// marked by this prefix inside a string value, so that Money() reads them
// exactly; Double() and Json() turn them back into numbers.
constexpr char kNumberMark = '\x01';

bool IsNumberText(const nlohmann::json& v) {
  return v.is_string() && !v.get_ref<const std::string&>().empty() &&
         v.get_ref<const std::string&>()[0] == kNumberMark;
}

// A SAX handler building a json value like nlohmann's DOM parser, except
// that float literals keep their text (see kNumberMark).
class ExactSax {
 public:
  using json = nlohmann::json;
  explicit ExactSax(json& root) : root_(root) {}
  bool null() { return Add(nullptr); }
  bool boolean(bool v) { return Add(v); }
  bool number_integer(json::number_integer_t v) { return Add(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Add(v); }
  bool number_float(json::number_float_t, const json::string_t& text) {
    return Add(std::string(1, kNumberMark) + text);
  }
  bool string(json::string_t& v) {
    if (!v.empty() && v[0] == kNumberMark) {
      error_ = "a string may not start with the control character U+0001";
      return false;
    }
    return Add(v);
  }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) {
    json* v = Put(json::object());
    stack_.push_back(v);
    return ++depth_ <= kMaxDepth;
  }
  bool key(json::string_t& k) {
    if (stack_.back()->contains(k)) {
      error_ = fmt::format("field '{}' appears twice", k);
      return false;
    }
    key_ = k;
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    json* v = Put(json::array());
    stack_.push_back(v);
    return ++depth_ <= kMaxDepth;
  }
  bool end_array() {
    stack_.pop_back();
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error_ = e.what();
    return false;
  }
  const std::string& error() const { return error_; }
  // The key last read: where a malformed value was (e.g. 1e400).
  const std::string& last_key() const { return key_; }

 private:
  static constexpr int kMaxDepth = 32;
  template <typename T>
  bool Add(T&& v) {
    Put(json(std::forward<T>(v)));
    return true;
  }
  json* Put(json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }
  json& root_;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
  int depth_ = 0;
};

// Turns marked number texts back into numbers (for documents stored as JSON).
void Unmark(nlohmann::json& v) {
  if (IsNumberText(v)) {
    v = std::stod(v.get_ref<const std::string&>().substr(1));
  } else if (v.is_object() || v.is_array()) {
    for (auto& child : v) Unmark(child);
  }
}

std::string TypeName(const nlohmann::json& v) {
  if (IsNumberText(v)) return "number";
  return v.type_name();
}

}  // namespace

void BadField(std::string_view field, const std::string& message) {
  throw ApiError(400, "invalid_argument",
                 field.empty() ? message : fmt::format("field '{}': {}", field, message),
                 std::string(field));
}

// --- StorePool -------------------------------------------------------------

StorePool::StorePool(std::string url, std::size_t size, bool read_replica)
    : url_(std::move(url)), size_(size) {
  options_.read_replica = read_replica;
  // Open (and migrate) once up front so that a bad store fails at start.
  free_.push_back(std::make_unique<Store>(Store::Open(url_, options_)));
  options_.migrate = false;  // the first open migrated it
  opened_ = 1;
}

StorePool::Lease::~Lease() {
  if (store_) pool_->Return(std::move(store_), writer_);
}

StorePool::Lease StorePool::Acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (closed_) throw Error(ErrorKind::kUnavailable, "the server is shutting down", {}, true);
    if (!free_.empty()) {
      std::unique_ptr<Store> s = std::move(free_.back());
      free_.pop_back();
      return Lease(*this, std::move(s));
    }
    if (opened_ < size_) {
      ++opened_;
      lock.unlock();
      try {
        return Lease(*this, std::make_unique<Store>(Store::Open(url_, options_)));
      } catch (...) {
        lock.lock();
        --opened_;
        throw;
      }
    }
    cv_.wait(lock);
  }
}

StorePool::Lease StorePool::AcquireWriter() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) throw Error(ErrorKind::kUnavailable, "the server is shutting down", {}, true);
  std::unique_ptr<Store> s = std::move(writer_);
  lock.unlock();
  if (!s) s = std::make_unique<Store>(Store::Open(url_, options_));
  return Lease(*this, std::move(s), /*writer=*/true);
}

void StorePool::Return(std::unique_ptr<Store> store, bool writer) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) {
    store.reset();
    return;
  }
  if (writer) {
    writer_ = std::move(store);
    return;
  }
  free_.push_back(std::move(store));
  cv_.notify_one();
}

void StorePool::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  free_.clear();
  writer_.reset();
  cv_.notify_all();
}

ServerState::ServerState(ServerOptions o, std::string url)
    : options(std::move(o)),
      pool(std::move(url), static_cast<std::size_t>(options.threads), options.read_replica),
      events(std::make_unique<EventHub>(*this, options.threads)) {}

ServerState::~ServerState() = default;

void AfterWrite(ServerState& state) { state.events->Wake(); }

// --- Query -----------------------------------------------------------------

Query::Query(const httplib::Request& request) : request_(request) {}

std::optional<std::string> Query::Text(std::string_view name) {
  const std::string key(name);
  read_.insert(key);
  const std::size_t n = request_.get_param_value_count(key);
  if (n == 0) return std::nullopt;
  if (n > 1) BadField(name, "given more than once");
  return request_.get_param_value(key);
}

std::optional<std::int64_t> Query::Int(std::string_view name, std::int64_t min, std::int64_t max) {
  const std::optional<std::string> text = Text(name);
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  const auto r = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || r.ec != std::errc() || r.ptr != text->data() + text->size())
    BadField(name, fmt::format("'{}' is not an integer", *text));
  if (v < min || v > max) BadField(name, fmt::format("{} is outside {}..{}", v, min, max));
  return v;
}

std::optional<double> Query::Double(std::string_view name) {
  const std::optional<std::string> text = Text(name);
  if (!text) return std::nullopt;
  double v = 0;
  const auto r = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || r.ec != std::errc() || r.ptr != text->data() + text->size() ||
      !std::isfinite(v))
    BadField(name, fmt::format("'{}' is not a finite number", *text));
  return v;
}

std::optional<Timestamp> Query::Time(std::string_view name) {
  const std::optional<std::string> text = Text(name);
  if (!text) return std::nullopt;
  const std::optional<Timestamp> t = Timestamp::TryParse(*text);
  if (!t) {
    BadField(name, fmt::format("'{}' is not an ISO-8601 time (e.g. 2024-01-31T12:00:00Z)", *text));
  }
  return t;
}

bool Query::Flag(std::string_view name) {
  const std::optional<std::string> text = Text(name);
  if (!text || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1" || text->empty()) return true;
  BadField(name, fmt::format("'{}' is not true or false", *text));
}

void Query::Finish() {
  for (const auto& [key, value] : request_.params) {
    if (!read_.contains(key)) BadField(key, "unknown query parameter");
  }
}

// --- Body ------------------------------------------------------------------

Body::Body(const httplib::Request& request) {
  const std::string& type = request.get_header_value("Content-Type");
  if (!type.empty() && type.rfind("application/json", 0) != 0) {
    throw ApiError(415, "invalid_argument",
                   fmt::format("Content-Type '{}' is not application/json", type));
  }
  ExactSax sax(object_);
  const bool ok = nlohmann::json::sax_parse(request.body, &sax);
  if (!ok) {
    const std::string& near = sax.last_key();
    throw ApiError(400, "invalid_argument",
                   "malformed JSON body" + (near.empty() ? "" : " at field '" + near + "'") + ": " +
                       (sax.error().empty() ? "unreadable" : sax.error()),
                   near);
  }
  if (!object_.is_object()) {
    throw ApiError(400, "invalid_argument",
                   fmt::format("the body must be a JSON object, not {}", TypeName(object_)));
  }
}

Body::Body(nlohmann::json object, std::string prefix)
    : object_(std::move(object)), prefix_(std::move(prefix)) {
  if (!object_.is_object())
    BadField(prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1), "must be an object");
}

const nlohmann::json* Body::Get(std::string_view name, bool required) {
  read_.insert(std::string(name));
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) {
    if (required) BadField(Name(name), "is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> Body::Text(std::string_view name, bool required) {
  const nlohmann::json* v = Get(name, required);
  if (!v) return std::nullopt;
  if (!v->is_string() || IsNumberText(*v))
    BadField(Name(name), fmt::format("must be a string, not {}", TypeName(*v)));
  return v->get<std::string>();
}

std::optional<Decimal> Body::Money(std::string_view name, bool required) {
  const nlohmann::json* v = Get(name, required);
  if (!v) return std::nullopt;
  std::string text;
  if (IsNumberText(*v)) {
    text = v->get_ref<const std::string&>().substr(1);
  } else if (v->is_string()) {
    text = v->get<std::string>();
  } else if (v->is_number_integer()) {
    text = v->dump();
  } else {
    BadField(Name(name), fmt::format("must be a decimal (string or number), not {}", TypeName(*v)));
  }
  const std::optional<Decimal> d = Decimal::TryParse(text);
  if (!d) {
    BadField(Name(name), fmt::format("'{}' is not a decimal this store can hold exactly "
                                     "(plain digits, at most the store's scale)",
                                     text));
  }
  return d;
}

std::optional<Timestamp> Body::Time(std::string_view name, bool required) {
  const nlohmann::json* v = Get(name, required);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return Timestamp(v->get<std::int64_t>());
  if (v->is_string() && !IsNumberText(*v)) {
    const std::optional<Timestamp> t = Timestamp::TryParse(v->get<std::string>());
    if (!t) {
      BadField(Name(name), fmt::format("'{}' is not an ISO-8601 time", v->get<std::string>()));
    }
    return t;
  }
  BadField(Name(name),
           fmt::format("must be an ISO-8601 string or integer microseconds, not {}", TypeName(*v)));
}

std::optional<std::int64_t> Body::Int(std::string_view name, bool required, std::int64_t min,
                                      std::int64_t max) {
  const nlohmann::json* v = Get(name, required);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    BadField(Name(name), fmt::format("{} is out of range", v->dump()));
  if (!v->is_number_integer())
    BadField(Name(name), fmt::format("must be an integer, not {}", TypeName(*v)));
  const std::int64_t x = v->get<std::int64_t>();
  if (x < min || x > max) BadField(Name(name), fmt::format("{} is outside {}..{}", x, min, max));
  return x;
}

std::optional<double> Body::Double(std::string_view name, bool required) {
  const nlohmann::json* v = Get(name, required);
  if (!v) return std::nullopt;
  if (IsNumberText(*v)) {
    const std::string text = v->get_ref<const std::string&>().substr(1);
    double d = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ec != std::errc() || !std::isfinite(d))
      BadField(Name(name), fmt::format("{} is out of range", text));
    return d;
  }
  if (v->is_number_integer()) return v->get<double>();
  BadField(Name(name), fmt::format("must be a number, not {}", TypeName(*v)));
}

std::optional<bool> Body::Bool(std::string_view name) {
  const nlohmann::json* v = Get(name, false);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    BadField(Name(name), fmt::format("must be true or false, not {}", TypeName(*v)));
  return v->get<bool>();
}

std::optional<nlohmann::json> Body::Json(std::string_view name, bool required) {
  const nlohmann::json* v = Get(name, required);
  if (!v) return std::nullopt;
  nlohmann::json copy = *v;
  return copy;
}

void Body::Finish() {
  for (const auto& [key, value] : object_.items()) {
    if (!read_.contains(key)) BadField(Name(key), "unknown field");
  }
}

nlohmann::json Plain(nlohmann::json v) {
  Unmark(v);
  return v;
}

// --- responses ---------------------------------------------------------------

void SendJson(httplib::Response& response, const std::string& json_text, int status) {
  response.status = status;
  response.set_content(json_text, "application/json");
}

std::string ListJson(const std::vector<std::string>& rows, const std::string& next) {
  std::size_t size = 32 + next.size();
  for (const std::string& r : rows) size += r.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"data\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += ',';
    out += rows[i];
  }
  out += "],\"next\":";
  out += next.empty() ? std::string("null") : nlohmann::json(next).dump();
  out += '}';
  return out;
}

std::string EntityRow(Store& store, std::string_view entity, std::optional<BotId> bot,
                      std::int64_t id) {
  // A point read by key: these rows answer writes, inside the writer's
  // lock (a fill's response is five of them).
  std::vector<std::pair<std::string, std::int64_t>> equal = {{"id", id}};
  if (bot) {
    if (entity == "bots") {
      if (*bot != id) return "null";
    } else {
      equal.emplace_back("bot_id", *bot);
    }
  }
  return ReadEntityRow(store, entity, equal).value_or("null");
}

std::string PositionRow(Store& store, BotId bot, AccountId account, InstrumentId instrument) {
  // Positions have no id: one row per bot, account and instrument.
  return ReadEntityRow(store, "positions",
                       {{"bot_id", bot}, {"account_id", account}, {"instrument_id", instrument}})
      .value_or("null");
}

Bot ResolveBot(Store& store, const std::string& name_or_id) {
  if (std::optional<Bot> b = store.bots().FindByName(name_or_id)) return *b;
  std::int64_t id = 0;
  const auto r = std::from_chars(name_or_id.data(), name_or_id.data() + name_or_id.size(), id);
  if (!name_or_id.empty() && r.ec == std::errc() && r.ptr == name_or_id.data() + name_or_id.size())
    return store.bots().Get(id);
  throw ApiError(404, "not_found", fmt::format("no bot named or numbered '{}'", name_or_id), "bot");
}

}  // namespace tradestore::server
