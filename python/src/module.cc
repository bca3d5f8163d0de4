// tradestore._core: the pybind11 bindings over the public C++ API
// (include/tradestore/*.h). The pure-Python package around it
// (python/tradestore/) adds the pandas shapes and the documentation; see
// docs/python.md.
//
// Conventions (conversions.h): money is decimal.Decimal, times are aware
// datetimes (UTC), enums are their lowercase names, records are classes
// with one attribute per C++ field (constructible with keywords).
// Every call that touches the database releases the GIL and holds the
// store's mutex: a Store may be shared by threads (calls are serialised)
// but, as in C++, one Store per thread is the way to run them in parallel.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "conversions.h"
#include "tradestore/audit.h"
#include "tradestore/candle_import.h"
#include "tradestore/change_feed.h"
#include "tradestore/config.h"
#include "tradestore/daily_pnl.h"
#include "tradestore/error.h"
#include "tradestore/execution_latency.h"
#include "tradestore/export_import.h"
#include "tradestore/ml_result.h"
#include "tradestore/news.h"
#include "tradestore/paper_broker.h"
#include "tradestore/pattern.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/risk.h"
#include "tradestore/store.h"
#include "tradestore/strategy.h"

namespace py = pybind11;

namespace tradestore::python {

PyTypes& Types() {
  static PyTypes* types = [] {
    auto* t = new PyTypes;
    t->decimal = py::module_::import("decimal").attr("Decimal");
    py::module_ dt = py::module_::import("datetime");
    t->datetime = dt.attr("datetime");
    t->timedelta = dt.attr("timedelta");
    t->epoch = t->datetime(1970, 1, 1, 0, 0, 0, 0, dt.attr("timezone").attr("utc"));
    try {
      t->datetime64 = py::module_::import("numpy").attr("datetime64");
    } catch (const py::error_already_set&) {
      t->datetime64 = py::none();
    }
    return t;
  }();
  return *types;
}

namespace {

// ---------------------------------------------------------------------------
// Errors: tradestore.Error and one subclass per ErrorKind. A kind this
// module does not know (added to error.h later) maps to the base class.

PyObject* g_error = nullptr;
PyObject* g_invalid_argument = nullptr;
PyObject* g_not_found = nullptr;
PyObject* g_conflict = nullptr;
PyObject* g_unavailable = nullptr;
PyObject* g_storage = nullptr;
PyObject* g_internal = nullptr;
PyObject* g_in_doubt = nullptr;

PyObject* ClassFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return g_invalid_argument;
    case ErrorKind::kNotFound:
      return g_not_found;
    case ErrorKind::kConflict:
      return g_conflict;
    case ErrorKind::kUnavailable:
      return g_unavailable;
    case ErrorKind::kStorage:
      return g_storage;
    case ErrorKind::kInternal:
      return g_internal;
    case ErrorKind::kInDoubt:
      return g_in_doubt;
    default:
      return g_error;
  }
}

PyObject* MakeError(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  const std::string qualified = std::string("tradestore.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  return cls;
}

void RegisterErrors(py::module_& m) {
  g_error = MakeError(m, "Error",
                      "Base of every tradestore error. Attributes: kind (str, e.g. 'conflict'), "
                      "native_code (the driver's code or ''), retryable (bool: repeating the "
                      "whole unit of work may succeed).",
                      py::make_tuple(py::handle(PyExc_Exception)));
  auto with = [](PyObject* a, PyObject* b) {
    return b ? py::make_tuple(py::handle(a), py::handle(b)) : py::make_tuple(py::handle(a));
  };
  g_invalid_argument =
      MakeError(m, "InvalidArgument", "Bad input: a malformed value or a failed validation (400).",
                with(g_error, PyExc_ValueError));
  g_not_found = MakeError(m, "NotFound", "The named row or file does not exist (404).",
                          with(g_error, PyExc_LookupError));
  g_conflict = MakeError(
      m, "Conflict",
      "A domain rule or unique key refuses the change (409), e.g. a fill on a cancelled order, "
      "or the commit of a unit of work poisoned by an earlier error.",
      with(g_error, nullptr));
  g_unavailable = MakeError(m, "Unavailable",
                            "Busy, locked past the busy timeout, or the server is unreachable "
                            "(503); usually retryable.",
                            with(g_error, nullptr));
  g_storage = MakeError(m, "StorageError", "The database failed: I/O, corruption, full disk (500).",
                        with(g_error, nullptr));
  g_internal = MakeError(m, "InternalError", "A bug in tradestore (500).", with(g_error, nullptr));
  g_in_doubt = MakeError(m, "InDoubt",
                         "The connection was lost during COMMIT: the unit of work may or may not "
                         "have been committed (503). Check the store before repeating it.",
                         with(g_error, nullptr));

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* cls = ClassFor(e.kind());
      py::object instance = py::reinterpret_borrow<py::object>(cls)(e.what());
      instance.attr("kind") = std::string(ToString(e.kind()));
      instance.attr("native_code") = e.native_code();
      instance.attr("retryable") = e.retryable();
      PyErr_SetObject(cls, instance.ptr());
    }
  });
}

// ---------------------------------------------------------------------------
// Records: a class per struct, keyword constructor, one attribute per field;
// `_fields` lists them (the package adds __repr__ and __eq__ from it).

template <class T>
T FromKwargs(const py::object& base, const py::kwargs& kwargs) {
  py::object o = base.is_none() ? py::cast(T{}) : py::cast(base.cast<T>());
  for (auto item : kwargs) py::setattr(o, item.first, item.second);
  return o.cast<T>();
}

template <class T>
class Record : public py::class_<T> {
 public:
  Record(py::handle scope, const char* name, const char* doc) : py::class_<T>(scope, name, doc) {
    this->def(py::init([](const py::kwargs& kwargs) { return FromKwargs<T>(py::none(), kwargs); }),
              "Builds the record from keyword arguments (one per attribute); the others keep "
              "their defaults.");
  }
  template <class M>
  Record& f(const char* name, M T::*member, const char* doc = "") {
    this->def_readwrite(name, member, doc);
    fields_.append(name);
    return *this;
  }
  // A read-only attribute computed by `get` (e.g. an enum without a parser).
  template <class G>
  Record& ro(const char* name, G get, const char* doc = "") {
    this->def_property_readonly(name, get, doc);
    fields_.append(name);
    return *this;
  }
  ~Record() { this->attr("_fields") = py::tuple(fields_); }

 private:
  py::list fields_;
};

// ---------------------------------------------------------------------------
// The store and its repositories. Repositories hold the store handle so they
// keep it alive and see when it was closed.

struct StoreHandle {
  std::optional<Store> store;
  std::string url;
  std::mutex mutex;

  Store& get() {
    if (!store) throw Error(ErrorKind::kInvalidArgument, "the store " + url + " is closed");
    return *store;
  }
};
using Handle = std::shared_ptr<StoreHandle>;

// Runs `f(store)` with the GIL released and the store's mutex held.
template <class F>
auto Run(StoreHandle& h, F&& f) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(h.mutex);
  return f(h.get());
}

struct Repo {
  Handle h;
};
#define REPO(Name) \
  struct Name : Repo {}
REPO(Instruments);
REPO(Candles);
REPO(Bots);
REPO(Accounts);
REPO(Ledger);
REPO(Signals);
REPO(Orders);
REPO(Positions);
REPO(Trades);
REPO(Portfolio);
REPO(Risk);
REPO(Configs);
REPO(Strategies);
REPO(Audit);
REPO(DailyPnls);
REPO(Patterns);
REPO(MlResults);
REPO(Latency);
REPO(News);
REPO(Changes);
#undef REPO

// A bot given by id (int) or name (str).
BotId ResolveBot(Store& store, const std::variant<BotId, std::string>& bot) {
  if (const BotId* id = std::get_if<BotId>(&bot)) return *id;
  const std::string& name = std::get<std::string>(bot);
  if (auto found = store.bots().FindByName(name)) return found->id;
  throw NotFound("bot '" + name + "' is not in the store");
}
using BotRef = std::variant<BotId, std::string>;

TimeRange Range(std::optional<Timestamp> from, std::optional<Timestamp> to) {
  TimeRange r;
  r.from = from;
  r.to = to;
  return r;
}

// A unit of work as a context manager.
class PyUnitOfWork {
 public:
  PyUnitOfWork(Handle h, bool market) : h_(std::move(h)), market_(market) {}
  PyUnitOfWork& Enter() {
    if (uow_) throw Error(ErrorKind::kInvalidArgument, "this unit of work was already entered");
    Run(*h_, [&](Store& s) {
      uow_.emplace(market_ ? s.BeginMarket() : s.BeginTrading());
      return 0;
    });
    return *this;
  }
  bool Exit(const py::object& type, const py::object&, const py::object&) {
    if (!uow_) return false;
    if (type.is_none()) {
      Run(*h_, [&](Store&) {
        std::optional<UnitOfWork> u = std::move(uow_);
        uow_.reset();
        u->Commit();  // throws Conflict when poisoned: nothing committed
        return 0;
      });
    } else {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(h_->mutex);
      uow_.reset();  // rolls back
    }
    return false;  // never swallows the exception
  }

 private:
  Handle h_;
  bool market_;
  std::optional<UnitOfWork> uow_;
};

// ---------------------------------------------------------------------------
// Columns for DataFrames (the package assembles them, tradestore/_frames.py).

py::array_t<std::int64_t> Int64Array(std::size_t n) { return py::array_t<std::int64_t>(n); }
py::array_t<double> DoubleArray(std::size_t n) { return py::array_t<double>(n); }

// Builds {name: column} where a column is a numpy array (int64 µs for
// times, "t:" prefixed names), or a list of Python objects (Decimal, str).
class Columns {
 public:
  explicit Columns(std::size_t n, bool money_float) : n_(n), money_float_(money_float) {}

  template <class Row, class F>
  void Int(const char* name, const std::vector<Row>& rows, F get) {
    auto a = Int64Array(n_);
    auto* p = a.mutable_data();
    for (std::size_t i = 0; i < n_; ++i) p[i] = get(rows[i]);
    out_[name] = a;
  }
  template <class Row, class F>
  void Time(const char* name, const std::vector<Row>& rows, F get) {
    auto a = Int64Array(n_);
    auto* p = a.mutable_data();
    for (std::size_t i = 0; i < n_; ++i) p[i] = get(rows[i]).micros();
    out_[(std::string("t:") + name).c_str()] = a;
  }
  template <class Row, class F>
  void Double(const char* name, const std::vector<Row>& rows, F get) {
    auto a = DoubleArray(n_);
    auto* p = a.mutable_data();
    for (std::size_t i = 0; i < n_; ++i) p[i] = get(rows[i]);
    out_[name] = a;
  }
  // Optional ints: float64 with NaN for none would lose ids above 2^53, so a
  // pair (values, mask) that the package turns into pandas' Int64.
  template <class Row, class F>
  void OptInt(const char* name, const std::vector<Row>& rows, F get) {
    auto a = Int64Array(n_);
    py::array_t<bool> mask(n_);
    auto* p = a.mutable_data();
    auto* m = mask.mutable_data();
    for (std::size_t i = 0; i < n_; ++i) {
      std::optional<std::int64_t> v = get(rows[i]);
      p[i] = v.value_or(0);
      m[i] = !v.has_value();
    }
    out_[(std::string("i:") + name).c_str()] = py::make_tuple(a, mask);
  }
  template <class Row, class F>
  void Money(const char* name, const std::vector<Row>& rows, F get) {
    if (money_float_) {
      Double(name, rows, [&](const Row& r) {
        std::optional<Decimal> d = get(r);
        return d ? d->ToDouble() : std::nan("");
      });
      return;
    }
    py::list l(n_);
    for (std::size_t i = 0; i < n_; ++i) {
      std::optional<Decimal> d = get(rows[i]);
      l[i] = d ? py::cast(*d) : py::none();
    }
    out_[name] = l;
  }
  template <class Row, class F>
  void Object(const char* name, const std::vector<Row>& rows, F get) {
    py::list l(n_);
    for (std::size_t i = 0; i < n_; ++i) l[i] = py::cast(get(rows[i]));
    out_[name] = l;
  }
  py::dict Done() { return out_; }

 private:
  std::size_t n_;
  bool money_float_;
  py::dict out_;
};

bool MoneyFloat(const std::string& money) {
  if (money == "decimal") return false;
  if (money == "float") return true;
  throw InvalidArgument("money='" + money + "': choose 'decimal' or 'float'");
}

py::dict TradeColumns(const std::vector<Trade>& t, bool money_float) {
  Columns c(t.size(), money_float);
  c.Int("id", t, [](const Trade& r) { return r.id; });
  c.Int("bot_id", t, [](const Trade& r) { return r.bot_id; });
  c.Int("account_id", t, [](const Trade& r) { return r.account_id; });
  c.Int("instrument_id", t, [](const Trade& r) { return r.instrument_id; });
  c.Object("strategy", t, [](const Trade& r) { return r.strategy; });
  c.Object("side", t, [](const Trade& r) { return std::string(ToString(r.side)); });
  c.Time("entry_time", t, [](const Trade& r) { return r.entry_time; });
  c.Time("exit_time", t, [](const Trade& r) { return r.exit_time; });
  c.Money("entry_price", t, [](const Trade& r) { return std::optional(r.entry_price); });
  c.Money("exit_price", t, [](const Trade& r) { return std::optional(r.exit_price); });
  c.Money("quantity", t, [](const Trade& r) { return std::optional(r.quantity); });
  c.Money("gross_pnl", t, [](const Trade& r) { return std::optional(r.gross_pnl); });
  c.Money("fees", t, [](const Trade& r) { return std::optional(r.fees); });
  c.Money("net_pnl", t, [](const Trade& r) { return std::optional(r.net_pnl); });
  c.Money("mae", t, [](const Trade& r) { return std::optional(r.mae); });
  c.Money("mfe", t, [](const Trade& r) { return std::optional(r.mfe); });
  c.Double("pnl_percent", t, [](const Trade& r) { return r.pnl_percent; });
  c.Object("outcome", t, [](const Trade& r) { return r.outcome; });
  c.Object("exit_reason", t, [](const Trade& r) { return r.exit_reason; });
  c.OptInt("signal_id", t, [](const Trade& r) { return r.signal_id; });
  c.OptInt("entry_order_id", t, [](const Trade& r) { return r.entry_order_id; });
  c.OptInt("exit_order_id", t, [](const Trade& r) { return r.exit_order_id; });
  c.Money("initial_stop", t, [](const Trade& r) { return r.initial_stop; });
  c.Double("r_multiple", t, [](const Trade& r) { return r.r_multiple.value_or(std::nan("")); });
  c.Object("regime", t, [](const Trade& r) { return r.regime; });
  c.Object("mode", t, [](const Trade& r) { return std::string(ToString(r.mode)); });
  return c.Done();
}

py::dict FillColumns(const std::vector<Fill>& f, bool money_float) {
  Columns c(f.size(), money_float);
  c.Int("id", f, [](const Fill& r) { return r.id; });
  c.Int("bot_id", f, [](const Fill& r) { return r.bot_id; });
  c.Int("order_id", f, [](const Fill& r) { return r.order_id; });
  c.Int("instrument_id", f, [](const Fill& r) { return r.instrument_id; });
  c.Int("account_id", f, [](const Fill& r) { return r.account_id; });
  c.Object("venue", f, [](const Fill& r) { return r.venue; });
  c.Object("venue_fill_id", f, [](const Fill& r) { return r.venue_fill_id; });
  c.Object("side", f, [](const Fill& r) { return std::string(ToString(r.side)); });
  c.Money("quantity", f, [](const Fill& r) { return std::optional(r.quantity); });
  c.Money("price", f, [](const Fill& r) { return std::optional(r.price); });
  c.Money("fee", f, [](const Fill& r) { return std::optional(r.fee); });
  c.Object("fee_currency", f, [](const Fill& r) { return r.fee_currency; });
  c.Object("liquidity", f, [](const Fill& r) { return std::string(ToString(r.liquidity)); });
  c.Time("time", f, [](const Fill& r) { return r.time; });
  return c.Done();
}

py::dict LedgerColumns(const std::vector<LedgerEntry>& e, bool money_float) {
  Columns c(e.size(), money_float);
  c.Int("id", e, [](const LedgerEntry& r) { return r.id; });
  c.Int("bot_id", e, [](const LedgerEntry& r) { return r.bot_id; });
  c.Int("account_id", e, [](const LedgerEntry& r) { return r.account_id; });
  c.Time("time", e, [](const LedgerEntry& r) { return r.time; });
  c.Object("type", e, [](const LedgerEntry& r) { return std::string(ToString(r.type)); });
  c.Object("currency", e, [](const LedgerEntry& r) { return r.currency; });
  c.Money("amount", e, [](const LedgerEntry& r) { return std::optional(r.amount); });
  c.Money("balance_after", e, [](const LedgerEntry& r) { return std::optional(r.balance_after); });
  c.OptInt("order_id", e, [](const LedgerEntry& r) { return r.order_id; });
  c.OptInt("fill_id", e, [](const LedgerEntry& r) { return r.fill_id; });
  c.OptInt("trade_id", e, [](const LedgerEntry& r) { return r.trade_id; });
  c.Object("description", e, [](const LedgerEntry& r) { return r.description; });
  c.Int("journal_id", e, [](const LedgerEntry& r) { return r.journal_id; });
  return c.Done();
}

py::dict EquityColumns(const std::vector<PortfolioSnapshot>& s, bool money_float) {
  Columns c(s.size(), money_float);
  c.Time("time", s, [](const PortfolioSnapshot& r) { return r.time; });
  c.Money("equity", s, [](const PortfolioSnapshot& r) { return std::optional(r.equity); });
  c.Money("cash", s, [](const PortfolioSnapshot& r) { return std::optional(r.cash); });
  c.Money("unrealized_pnl", s,
          [](const PortfolioSnapshot& r) { return std::optional(r.unrealized_pnl); });
  c.Int("open_positions", s,
        [](const PortfolioSnapshot& r) { return static_cast<std::int64_t>(r.open_positions); });
  return c.Done();
}

// The account of a bot's equity curve: the one named, else "main", else its
// first (lowest id) non-system account.
AccountId ResolveAccount(Store& s, BotId bot, const std::optional<std::string>& name) {
  std::vector<Account> accounts = s.accounts().List(bot);
  if (name) {
    for (const Account& a : accounts) {
      if (a.name == *name) return a.id;
    }
    throw NotFound("account '" + *name + "' of bot " + std::to_string(bot) + " does not exist");
  }
  for (const Account& a : accounts) {
    if (a.name == "main") return a.id;
  }
  if (accounts.empty()) throw NotFound("bot " + std::to_string(bot) + " has no account");
  return accounts.front().id;
}

Instrument FindInstrument(Store& s, const std::string& symbol,
                          const std::optional<std::string>& venue) {
  if (venue) {
    if (auto found = s.instruments().Find(*venue, symbol)) return *found;
    throw NotFound("instrument '" + symbol + "' on venue '" + *venue + "' is not in the store");
  }
  std::optional<Instrument> match;
  for (Instrument& i : s.instruments().List()) {
    if (i.symbol != symbol) continue;
    if (match) {
      throw InvalidArgument("instrument '" + symbol + "' is listed on several venues; pass venue=");
    }
    match = std::move(i);
  }
  if (!match) throw NotFound("instrument '" + symbol + "' is not in the store");
  return *match;
}

constexpr std::int64_t kMaxPandasMicros = std::numeric_limits<std::int64_t>::max() / 1000;

// Candles into numpy: open_time (int64 ns), a (5, n) float64 block of
// open/high/low/close/volume (one pandas block, no copy), trades (int64).
py::tuple ReadCandles(StoreHandle& h, const std::string& symbol, Timeframe tf,
                      std::optional<Timestamp> from, std::optional<Timestamp> to,
                      const std::optional<std::string>& venue) {
  // The capacity: an upper bound of the rows in range (count of the series,
  // and the number of buckets between the bounds), so arrays never grow.
  auto [instrument, info] = Run(h, [&](Store& s) {
    Instrument i = FindInstrument(s, symbol, venue);
    return std::make_pair(i, s.candles().Info(i.id, tf));
  });
  std::int64_t capacity = info.count;
  if (info.first && info.last) {
    const Timestamp lo = from && *from > *info.first ? *from : *info.first;
    const Timestamp hi = to && *to <= *info.last ? *to - 1 : *info.last;
    capacity = hi < lo ? 0 : std::min<std::int64_t>(capacity, (hi - lo) / Duration(tf) + 2);
  }
  const auto cap = static_cast<std::size_t>(capacity);
  py::array_t<std::int64_t> times(cap);
  py::array_t<double> block({static_cast<py::ssize_t>(5), static_cast<py::ssize_t>(cap)});
  py::array_t<std::int64_t> trades(cap);
  std::int64_t* t = times.mutable_data();
  double* b = block.mutable_data();
  std::int64_t* n_trades = trades.mutable_data();
  std::size_t n = 0;
  Run(h, [&](Store& s) {
    s.candles().ForEach(instrument.id, tf, Range(from, to), [&](const Candle& c) {
      if (n == cap) {
        throw Error(ErrorKind::kInternal, "candles changed while being read; read again");
      }
      // Nanoseconds, pandas' unit, so that the index needs no conversion.
      const std::int64_t us = c.open_time.micros();
      if (us > kMaxPandasMicros || us < -kMaxPandasMicros) {
        throw InvalidArgument("candle at " + c.open_time.ToIso() +
                              " is outside pandas' range of times (years 1677 to 2262)");
      }
      t[n] = us * 1000;
      b[n] = c.open;
      b[cap + n] = c.high;
      b[2 * cap + n] = c.low;
      b[3 * cap + n] = c.close;
      b[4 * cap + n] = c.volume;
      n_trades[n] = c.trades;
      ++n;
      return true;
    });
    return 0;
  });
  return py::make_tuple(times, block, trades, n, py::cast(instrument));
}

std::int64_t WriteCandles(
    StoreHandle& h, const std::string& symbol, Timeframe tf, const std::string& venue,
    py::array_t<std::int64_t, py::array::c_style> times,
    py::array_t<double, py::array::c_style> open, py::array_t<double, py::array::c_style> high,
    py::array_t<double, py::array::c_style> low, py::array_t<double, py::array::c_style> close,
    py::array_t<double, py::array::c_style> volume,
    py::array_t<std::int64_t, py::array::c_style> trades, const std::optional<std::string>& base,
    const std::optional<std::string>& quote, std::optional<Timestamp> compact_before,
    bool compact_all, bool apply_policy) {
  const auto n = static_cast<std::size_t>(times.size());
  for (const auto* a : {&open, &high, &low, &close, &volume}) {
    if (static_cast<std::size_t>(a->size()) != n) throw InvalidArgument("columns differ in length");
  }
  if (static_cast<std::size_t>(trades.size()) != n)
    throw InvalidArgument("columns differ in length");
  const std::int64_t* t = times.data();
  const double *o = open.data(), *hi = high.data(), *lo = low.data(), *c = close.data(),
               *v = volume.data();
  const std::int64_t* tr = trades.data();
  return Run(h, [&](Store& s) -> std::int64_t {
    // Checked first, so that bad input changes nothing.
    for (std::size_t i = 0; i < n; ++i) {
      const Timestamp ts(t[i]);
      auto fail = [&](const std::string& what) {
        throw InvalidArgument("write_candles: row " + std::to_string(i) + " (" + ts.ToIso() +
                              "): " + what);
      };
      if (!IsAligned(ts, tf))
        fail("open time is not aligned to the " + std::string(ToString(tf)) + " timeframe");
      if (!std::isfinite(o[i]) || !std::isfinite(hi[i]) || !std::isfinite(lo[i]) ||
          !std::isfinite(c[i]) || !std::isfinite(v[i])) {
        fail("prices and volume must be finite");
      }
      if (lo[i] > hi[i] || o[i] > hi[i] || c[i] > hi[i] || o[i] < lo[i] || c[i] < lo[i]) {
        fail("needs low <= open, close <= high (open " + std::to_string(o[i]) + ", high " +
             std::to_string(hi[i]) + ", low " + std::to_string(lo[i]) + ", close " +
             std::to_string(c[i]) + ")");
      }
      if (v[i] < 0) fail("volume " + std::to_string(v[i]) + " is negative");
      if (tr[i] < -1) fail("trades " + std::to_string(tr[i]) + " is negative");
    }
    UnitOfWork uow = s.BeginMarket();
    std::optional<Instrument> instrument = s.instruments().Find(venue, symbol);
    if (!instrument) {
      Instrument i;
      i.symbol = symbol;
      i.venue = venue;
      if (base && quote) {
        i.base_asset = *base;
        i.quote_asset = *quote;
      } else {
        auto [b, q] = SplitSymbol(symbol);
        i.base_asset = base.value_or(b);
        i.quote_asset = quote.value_or(q);
      }
      instrument = s.instruments().Upsert(i);
    }
    // A new series written in time order gets its coverage from the rows
    // themselves (as the candle import does), saving a second pass.
    bool increasing = true;
    for (std::size_t i = 1; i < n && increasing; ++i) increasing = t[i] > t[i - 1];
    const bool fresh = increasing && n > 0 && s.candles().Info(instrument->id, tf).count == 0;
    // Compaction as import_candles: the cutoff given, else the store's
    // policy for the timeframe (read in this unit of work) unless opted out.
    CandleWriterOptions options;
    if (compact_all) {
      options.compact_before = Timestamp(std::numeric_limits<std::int64_t>::max());
    } else if (compact_before) {
      options.compact_before = compact_before;
    } else if (apply_policy) {
      options.compact_before = s.candles().CompactionCutoffFor(tf);
    }
    CandleWriter w = s.candles().OpenWriter(instrument->id, tf, options);
    for (std::size_t i = 0; i < n; ++i) {
      Candle candle;
      candle.open_time = Timestamp(t[i]);
      candle.open = o[i];
      candle.high = hi[i];
      candle.low = lo[i];
      candle.close = c[i];
      candle.volume = v[i];
      candle.trades = tr[i];
      w.Add(candle);
    }
    w.Commit();
    if (fresh) {
      CandleCoverage coverage;
      coverage.instrument_id = instrument->id;
      coverage.timeframe = tf;
      coverage.first = Timestamp(t[0]);
      coverage.last = Timestamp(t[n - 1]);
      coverage.count = static_cast<std::int64_t>(n);
      const Micros d = Duration(tf);
      coverage.expected_count = (t[n - 1] - t[0]) / d + 1;
      for (std::size_t i = 1; i < n; ++i) coverage.gap_count += t[i] - t[i - 1] > d ? 1 : 0;
      coverage.updated_at = Timestamp::Now();
      s.candles().SaveCoverage(coverage);
    } else {
      s.candles().RefreshCoverage(instrument->id, tf);
    }
    uow.Commit();
    return static_cast<std::int64_t>(n);
  });
}

// Paper broker bound to a store handle.
struct PyPaperBroker {
  Handle h;
  std::unique_ptr<paper::PaperBroker> broker;
};

void BindRecords(py::module_& m) {
  Record<Instrument>(m, "Instrument", "A tradable instrument (market schema).")
      .f("id", &Instrument::id, "assigned by the store")
      .f("symbol", &Instrument::symbol, "the venue's symbol, e.g. 'BTCUSDC'")
      .f("venue", &Instrument::venue, "e.g. 'kraken'; '' for unspecified")
      .f("base_asset", &Instrument::base_asset)
      .f("quote_asset", &Instrument::quote_asset, "the currency of prices and P&L")
      .f("price_precision", &Instrument::price_precision)
      .f("size_precision", &Instrument::size_precision)
      .f("tick_size", &Instrument::tick_size)
      .f("lot_size", &Instrument::lot_size);
  Record<Candle>(m, "Candle", "One OHLCV candle; prices and volume are float by design.")
      .f("open_time", &Candle::open_time, "bucket start, aware UTC datetime")
      .f("open", &Candle::open)
      .f("high", &Candle::high)
      .f("low", &Candle::low)
      .f("close", &Candle::close)
      .f("volume", &Candle::volume, "base-asset volume, >= 0")
      .f("trades", &Candle::trades, "trades in the bucket; -1 = unknown");
  Record<CandleRangeInfo>(m, "CandleRangeInfo", "Count and bounds of a candle series.")
      .f("count", &CandleRangeInfo::count)
      .f("first", &CandleRangeInfo::first)
      .f("last", &CandleRangeInfo::last);
  Record<CandleCoverage>(m, "CandleCoverage", "Stored coverage of a candle series.")
      .f("instrument_id", &CandleCoverage::instrument_id)
      .f("timeframe", &CandleCoverage::timeframe)
      .f("first", &CandleCoverage::first)
      .f("last", &CandleCoverage::last)
      .f("count", &CandleCoverage::count)
      .f("expected_count", &CandleCoverage::expected_count)
      .f("gap_count", &CandleCoverage::gap_count)
      .f("updated_at", &CandleCoverage::updated_at);
  Record<CandleGap>(m, "CandleGap", "A run of missing buckets [start, end).")
      .f("start", &CandleGap::start)
      .f("end", &CandleGap::end)
      .f("missing", &CandleGap::missing);
  Record<Bot>(m, "Bot", "A bot: every trading row carries its id.")
      .f("id", &Bot::id)
      .f("name", &Bot::name, "unique")
      .f("version", &Bot::version)
      .f("strategy", &Bot::strategy)
      .f("mode", &Bot::mode, "'live', 'paper' or 'backtest'")
      .f("is_test", &Bot::is_test)
      .f("created_at", &Bot::created_at)
      .f("status", &Bot::status, "'active', 'paused', 'stopped', 'error' or 'retired'")
      .f("equity", &Bot::equity)
      .f("equity_currency", &Bot::equity_currency)
      .f("max_position", &Bot::max_position)
      .f("max_daily_loss", &Bot::max_daily_loss)
      .f("last_heartbeat_at", &Bot::last_heartbeat_at)
      .f("runtime_state", &Bot::runtime_state)
      .f("runtime_message", &Bot::runtime_message)
      .f("updated_at", &Bot::updated_at);
  Record<Account>(m, "Account", "An account of a bot.")
      .f("id", &Account::id)
      .f("bot_id", &Account::bot_id)
      .f("name", &Account::name)
      .f("created_at", &Account::created_at)
      .f("kind", &Account::kind, "'bot' or 'system'")
      .f("mode", &Account::mode)
      .f("is_test", &Account::is_test);
  Record<Balance>(m, "Balance", "An account's balance in one currency.")
      .f("account_id", &Balance::account_id)
      .f("currency", &Balance::currency)
      .f("amount", &Balance::amount, "equals the sum of the account's entries")
      .f("updated_at", &Balance::updated_at)
      .f("locked", &Balance::locked, "reserved by open orders, >= 0");
  Record<LedgerEntry>(m, "LedgerEntry", "One ledger posting (signed: credit > 0).")
      .f("id", &LedgerEntry::id)
      .f("bot_id", &LedgerEntry::bot_id)
      .f("account_id", &LedgerEntry::account_id)
      .f("time", &LedgerEntry::time)
      .f("type", &LedgerEntry::type,
         "'deposit', 'withdrawal', 'fee', 'realized_pnl', 'transfer', 'adjustment', 'funding'")
      .f("currency", &LedgerEntry::currency)
      .f("amount", &LedgerEntry::amount)
      .f("balance_after", &LedgerEntry::balance_after)
      .f("order_id", &LedgerEntry::order_id)
      .f("fill_id", &LedgerEntry::fill_id)
      .f("trade_id", &LedgerEntry::trade_id)
      .f("description", &LedgerEntry::description)
      .f("journal_id", &LedgerEntry::journal_id)
      .f("mode", &LedgerEntry::mode)
      .f("is_test", &LedgerEntry::is_test);
  Record<LedgerSum>(m, "LedgerSum", "Exact sum of entries by type and currency.")
      .f("type", &LedgerSum::type)
      .f("currency", &LedgerSum::currency)
      .f("amount", &LedgerSum::amount)
      .f("count", &LedgerSum::count);
  Record<BalanceSnapshot>(m, "BalanceSnapshot", "A balance-history row.")
      .f("bot_id", &BalanceSnapshot::bot_id)
      .f("account_id", &BalanceSnapshot::account_id)
      .f("currency", &BalanceSnapshot::currency)
      .f("time", &BalanceSnapshot::time)
      .f("kind", &BalanceSnapshot::kind)
      .f("amount", &BalanceSnapshot::amount)
      .f("locked", &BalanceSnapshot::locked)
      .f("available", &BalanceSnapshot::available)
      .f("unrealized_pnl", &BalanceSnapshot::unrealized_pnl)
      .f("equity", &BalanceSnapshot::equity)
      .f("margin_used", &BalanceSnapshot::margin_used)
      .f("free_margin", &BalanceSnapshot::free_margin)
      .f("margin_level", &BalanceSnapshot::margin_level);
  Record<Order>(m, "Order", "An order and its lifecycle state.")
      .f("id", &Order::id)
      .f("bot_id", &Order::bot_id)
      .f("account_id", &Order::account_id)
      .f("instrument_id", &Order::instrument_id)
      .f("client_order_id", &Order::client_order_id, "unique per bot; generated when empty")
      .f("venue_order_id", &Order::venue_order_id)
      .f("signal_id", &Order::signal_id)
      .f("strategy", &Order::strategy)
      .f("side", &Order::side, "'buy' or 'sell'")
      .f("type", &Order::type, "'market', 'limit', 'stop' or 'stop_limit'")
      .f("time_in_force", &Order::time_in_force, "'gtc', 'ioc', 'fok' or 'day'")
      .f("quantity", &Order::quantity, "> 0, base units")
      .f("limit_price", &Order::limit_price)
      .f("stop_price", &Order::stop_price)
      .f("status", &Order::status)
      .f("filled_quantity", &Order::filled_quantity)
      .f("average_fill_price", &Order::average_fill_price)
      .f("reason", &Order::reason)
      .f("exit_reason", &Order::exit_reason)
      .f("triggered_at", &Order::triggered_at)
      .f("mode", &Order::mode)
      .f("is_test", &Order::is_test)
      .f("created_at", &Order::created_at)
      .f("updated_at", &Order::updated_at)
      .f("expected_price", &Order::expected_price)
      .f("strategy_version", &Order::strategy_version)
      .f("bot_version", &Order::bot_version)
      .f("trade_id", &Order::trade_id)
      .f("retry_count", &Order::retry_count)
      .f("last_error", &Order::last_error)
      .f("reserved", &Order::reserved);
  Record<OrderEvent>(m, "OrderEvent", "One change of an order.")
      .f("id", &OrderEvent::id)
      .f("bot_id", &OrderEvent::bot_id)
      .f("order_id", &OrderEvent::order_id)
      .f("time", &OrderEvent::time)
      .f("from_status", &OrderEvent::from_status)
      .f("to_status", &OrderEvent::to_status)
      .f("reason", &OrderEvent::reason)
      .f("kind", &OrderEvent::kind)
      .f("quantity", &OrderEvent::quantity)
      .f("limit_price", &OrderEvent::limit_price)
      .f("stop_price", &OrderEvent::stop_price);
  Record<OrderAmendment>(m, "OrderAmendment", "What orders.amend changes.")
      .f("quantity", &OrderAmendment::quantity)
      .f("limit_price", &OrderAmendment::limit_price)
      .f("stop_price", &OrderAmendment::stop_price);
  Record<Fill>(m, "Fill", "An execution; idempotent on (bot, venue, venue_fill_id).")
      .f("id", &Fill::id)
      .f("bot_id", &Fill::bot_id)
      .f("order_id", &Fill::order_id)
      .f("instrument_id", &Fill::instrument_id)
      .f("account_id", &Fill::account_id)
      .f("venue", &Fill::venue)
      .f("venue_fill_id", &Fill::venue_fill_id)
      .f("side", &Fill::side)
      .f("quantity", &Fill::quantity)
      .f("price", &Fill::price)
      .f("fee", &Fill::fee)
      .f("fee_currency", &Fill::fee_currency)
      .f("liquidity", &Fill::liquidity, "'maker' or 'taker'")
      .f("time", &Fill::time)
      .f("mode", &Fill::mode)
      .f("is_test", &Fill::is_test);
  Record<Position>(m, "Position", "A bot's net position in one instrument on one account.")
      .f("bot_id", &Position::bot_id)
      .f("account_id", &Position::account_id)
      .f("instrument_id", &Position::instrument_id)
      .f("quantity", &Position::quantity, "signed; 0 = flat")
      .f("average_entry_price", &Position::average_entry_price)
      .f("realized_pnl", &Position::realized_pnl)
      .f("fees", &Position::fees)
      .f("opened_at", &Position::opened_at)
      .f("updated_at", &Position::updated_at)
      .f("stop_loss", &Position::stop_loss)
      .f("take_profit", &Position::take_profit)
      .f("trailing_distance", &Position::trailing_distance)
      .f("trailing_percent", &Position::trailing_percent)
      .f("highest_price", &Position::highest_price)
      .f("lowest_price", &Position::lowest_price)
      .f("last_price", &Position::last_price)
      .f("last_price_at", &Position::last_price_at)
      .f("unrealized_pnl", &Position::unrealized_pnl)
      .f("mode", &Position::mode)
      .f("is_test", &Position::is_test);
  Record<StopSettings>(m, "StopSettings", "Stops of an open position.")
      .f("stop_loss", &StopSettings::stop_loss)
      .f("take_profit", &StopSettings::take_profit)
      .f("trailing_distance", &StopSettings::trailing_distance)
      .f("trailing_percent", &StopSettings::trailing_percent);
  Record<TradeContext>(m, "TradeContext", "Journal context of the open trade.")
      .f("initial_stop", &TradeContext::initial_stop)
      .f("target", &TradeContext::target)
      .f("risk_amount", &TradeContext::risk_amount)
      .f("position_size_rule", &TradeContext::position_size_rule)
      .f("regime", &TradeContext::regime)
      .f("volatility", &TradeContext::volatility)
      .f("atr", &TradeContext::atr)
      .f("session", &TradeContext::session)
      .f("trend", &TradeContext::trend)
      .f("setup", &TradeContext::setup);
  Record<PositionEvent>(m, "PositionEvent", "One change of a position.")
      .f("id", &PositionEvent::id)
      .f("bot_id", &PositionEvent::bot_id)
      .f("account_id", &PositionEvent::account_id)
      .f("instrument_id", &PositionEvent::instrument_id)
      .f("time", &PositionEvent::time)
      .f("type", &PositionEvent::type)
      .f("quantity_change", &PositionEvent::quantity_change)
      .f("quantity", &PositionEvent::quantity)
      .f("price", &PositionEvent::price)
      .f("average_entry_price", &PositionEvent::average_entry_price)
      .f("realized_pnl", &PositionEvent::realized_pnl)
      .f("fill_id", &PositionEvent::fill_id)
      .f("trade_id", &PositionEvent::trade_id)
      .f("message", &PositionEvent::message);
  Record<PositionChange>(m, "PositionChange", "What one fill did to a position.")
      .f("after", &PositionChange::after)
      .f("closed_quantity", &PositionChange::closed_quantity)
      .f("opened_quantity", &PositionChange::opened_quantity)
      .f("realized_pnl", &PositionChange::realized_pnl)
      .f("closed", &PositionChange::closed)
      .f("flipped", &PositionChange::flipped);
  Record<Trade> trade(m, "Trade", "A closed trade (the journal).");
  trade.f("id", &Trade::id)
      .f("bot_id", &Trade::bot_id)
      .f("account_id", &Trade::account_id)
      .f("instrument_id", &Trade::instrument_id)
      .f("strategy", &Trade::strategy)
      .f("side", &Trade::side, "'buy' = long trade, 'sell' = short trade")
      .f("entry_time", &Trade::entry_time)
      .f("exit_time", &Trade::exit_time)
      .f("entry_price", &Trade::entry_price)
      .f("exit_price", &Trade::exit_price)
      .f("quantity", &Trade::quantity)
      .f("gross_pnl", &Trade::gross_pnl)
      .f("fees", &Trade::fees)
      .f("net_pnl", &Trade::net_pnl)
      .f("mae", &Trade::mae)
      .f("mfe", &Trade::mfe)
      .f("exit_reason", &Trade::exit_reason)
      .f("signal_id", &Trade::signal_id)
      .f("mode", &Trade::mode)
      .f("is_test", &Trade::is_test)
      .f("strategy_version", &Trade::strategy_version)
      .f("bot_version", &Trade::bot_version)
      .f("entry_order_id", &Trade::entry_order_id)
      .f("exit_order_id", &Trade::exit_order_id)
      .f("entry_fees", &Trade::entry_fees)
      .f("exit_fees", &Trade::exit_fees)
      .f("entry_slippage", &Trade::entry_slippage)
      .f("exit_slippage", &Trade::exit_slippage)
      .f("pnl_percent", &Trade::pnl_percent)
      .f("outcome", &Trade::outcome)
      .f("initial_stop", &Trade::initial_stop)
      .f("target", &Trade::target)
      .f("risk_amount", &Trade::risk_amount)
      .f("position_size_rule", &Trade::position_size_rule)
      .f("r_multiple", &Trade::r_multiple)
      .f("mae_r", &Trade::mae_r)
      .f("mfe_r", &Trade::mfe_r)
      .f("regime", &Trade::regime)
      .f("volatility", &Trade::volatility)
      .f("atr", &Trade::atr)
      .f("session", &Trade::session)
      .f("trend", &Trade::trend)
      .f("setup", &Trade::setup)
      .f("tags", &Trade::tags)
      .f("notes", &Trade::notes)
      .f("mental_state", &Trade::mental_state)
      .f("rule_breaks", &Trade::rule_breaks)
      .f("grade", &Trade::grade)
      .f("links", &Trade::links)
      .f("reviewed_at", &Trade::reviewed_at);
  Record<TradeReview>(m, "TradeReview", "Review fields of a closed trade.")
      .f("setup", &TradeReview::setup)
      .f("tags", &TradeReview::tags)
      .f("notes", &TradeReview::notes)
      .f("mental_state", &TradeReview::mental_state)
      .f("rule_breaks", &TradeReview::rule_breaks)
      .f("grade", &TradeReview::grade)
      .f("links", &TradeReview::links);
  Record<FillOutcome>(m, "FillOutcome", "What recording one fill did (one unit of work).")
      .f("duplicate", &FillOutcome::duplicate, "the fill was already recorded: nothing changed")
      .f("fill", &FillOutcome::fill)
      .f("order", &FillOutcome::order)
      .f("position", &FillOutcome::position)
      .f("change", &FillOutcome::change)
      .f("closed_trade", &FillOutcome::closed_trade)
      .f("ledger_entries", &FillOutcome::ledger_entries);
  Record<SignalComponent>(m, "SignalComponent", "One component of a signal.")
      .f("name", &SignalComponent::name)
      .f("signal", &SignalComponent::signal, "'buy', 'sell' or 'hold'")
      .f("confidence", &SignalComponent::confidence)
      .f("weight", &SignalComponent::weight);
  Record<SignalOutcome>(m, "SignalOutcome", "Outcome of a signal from its closed trades.")
      .f("result", &SignalOutcome::result)
      .f("net_pnl", &SignalOutcome::net_pnl)
      .f("trades", &SignalOutcome::trades)
      .f("closed_at", &SignalOutcome::closed_at);
  Record<Signal>(m, "Signal", "A strategy's signal.")
      .f("id", &Signal::id)
      .f("bot_id", &Signal::bot_id)
      .f("instrument_id", &Signal::instrument_id)
      .f("strategy", &Signal::strategy)
      .f("time", &Signal::time)
      .f("side", &Signal::side)
      .f("strength", &Signal::strength)
      .f("price", &Signal::price)
      .f("acted_on", &Signal::acted_on)
      .f("note", &Signal::note)
      .f("mode", &Signal::mode)
      .f("is_test", &Signal::is_test)
      .f("confidence", &Signal::confidence)
      .f("aggregation_method", &Signal::aggregation_method)
      .f("components", &Signal::components)
      .f("filters_passed", &Signal::filters_passed)
      .f("filters_failed", &Signal::filters_failed)
      .f("strategy_version", &Signal::strategy_version)
      .f("bot_version", &Signal::bot_version)
      .f("outcome", &Signal::outcome);
  Record<SignalLinks>(m, "SignalLinks", "Orders and trades that name a signal.")
      .f("orders", &SignalLinks::orders)
      .f("trades", &SignalLinks::trades);
  Record<PortfolioSnapshot>(m, "PortfolioSnapshot", "A point of an account's equity curve.")
      .f("bot_id", &PortfolioSnapshot::bot_id)
      .f("account_id", &PortfolioSnapshot::account_id)
      .f("time", &PortfolioSnapshot::time)
      .f("equity", &PortfolioSnapshot::equity)
      .f("cash", &PortfolioSnapshot::cash)
      .f("unrealized_pnl", &PortfolioSnapshot::unrealized_pnl)
      .f("open_positions", &PortfolioSnapshot::open_positions)
      .f("exposure_gross", &PortfolioSnapshot::exposure_gross)
      .f("exposure_net", &PortfolioSnapshot::exposure_net)
      .f("var", &PortfolioSnapshot::var)
      .f("var_confidence", &PortfolioSnapshot::var_confidence)
      .f("mode", &PortfolioSnapshot::mode)
      .f("is_test", &PortfolioSnapshot::is_test)
      .f("bot_version", &PortfolioSnapshot::bot_version);
  Record<PortfolioTotal>(m, "PortfolioTotal", "Sum of the latest snapshots across bots.")
      .f("at", &PortfolioTotal::at)
      .f("snapshots", &PortfolioTotal::snapshots)
      .f("equity", &PortfolioTotal::equity)
      .f("cash", &PortfolioTotal::cash)
      .f("unrealized_pnl", &PortfolioTotal::unrealized_pnl)
      .f("exposure_gross", &PortfolioTotal::exposure_gross)
      .f("exposure_net", &PortfolioTotal::exposure_net)
      .f("open_positions", &PortfolioTotal::open_positions);
  Record<RiskLimits>(m, "RiskLimits", "A version of a bot's risk limits.")
      .f("id", &RiskLimits::id)
      .f("bot_id", &RiskLimits::bot_id)
      .f("version", &RiskLimits::version)
      .f("max_position", &RiskLimits::max_position)
      .f("max_daily_loss", &RiskLimits::max_daily_loss)
      .f("max_drawdown", &RiskLimits::max_drawdown)
      .f("max_open_orders", &RiskLimits::max_open_orders)
      .f("effective_from", &RiskLimits::effective_from)
      .f("effective_to", &RiskLimits::effective_to)
      .f("note", &RiskLimits::note)
      .f("created_at", &RiskLimits::created_at);
  Record<RiskValues>(m, "RiskValues", "Current values checked against the limits.")
      .f("position", &RiskValues::position)
      .f("daily_loss", &RiskValues::daily_loss)
      .f("drawdown", &RiskValues::drawdown)
      .f("open_orders", &RiskValues::open_orders);
  Record<RiskEvent>(m, "RiskEvent", "A risk limit hit.")
      .f("id", &RiskEvent::id)
      .f("bot_id", &RiskEvent::bot_id)
      .f("time", &RiskEvent::time)
      .f("limit", &RiskEvent::limit)
      .f("limits_version", &RiskEvent::limits_version)
      .f("value", &RiskEvent::value)
      .f("threshold", &RiskEvent::threshold)
      .f("action", &RiskEvent::action)
      .f("message", &RiskEvent::message)
      .f("resolution", &RiskEvent::resolution)
      .f("resolved_at", &RiskEvent::resolved_at);
  Record<ConfigVersion>(m, "ConfigVersion", "A version of a bot or strategy configuration.")
      .f("id", &ConfigVersion::id)
      .f("bot_id", &ConfigVersion::bot_id)
      .f("kind", &ConfigVersion::kind, "'bot' or 'strategy'")
      .f("name", &ConfigVersion::name)
      .f("version", &ConfigVersion::version)
      .f("document", &ConfigVersion::document, "JSON text")
      .f("effective_from", &ConfigVersion::effective_from)
      .f("effective_to", &ConfigVersion::effective_to)
      .f("note", &ConfigVersion::note)
      .f("created_at", &ConfigVersion::created_at);
  Record<StrategyDefinition>(m, "StrategyDefinition", "A strategy's (name, version) definition.")
      .f("id", &StrategyDefinition::id)
      .f("name", &StrategyDefinition::name)
      .f("version", &StrategyDefinition::version)
      .f("description", &StrategyDefinition::description)
      .f("parameters", &StrategyDefinition::parameters, "JSON object text")
      .f("created_at", &StrategyDefinition::created_at);
  Record<SystemEvent>(m, "SystemEvent", "An audit event.")
      .f("id", &SystemEvent::id)
      .f("time", &SystemEvent::time)
      .f("bot_id", &SystemEvent::bot_id)
      .f("component", &SystemEvent::component)
      .f("event_type", &SystemEvent::event_type)
      .f("severity", &SystemEvent::severity, "'debug', 'info', 'warning', 'error', 'critical'")
      .f("message", &SystemEvent::message)
      .f("details", &SystemEvent::details, "JSON object text")
      .f("mode", &SystemEvent::mode)
      .f("is_test", &SystemEvent::is_test);
  Record<ErrorLogEntry>(m, "ErrorLogEntry", "An error-log row.")
      .f("id", &ErrorLogEntry::id)
      .f("time", &ErrorLogEntry::time)
      .f("bot_id", &ErrorLogEntry::bot_id)
      .f("component", &ErrorLogEntry::component)
      .f("severity", &ErrorLogEntry::severity)
      .f("code", &ErrorLogEntry::code)
      .f("message", &ErrorLogEntry::message)
      .f("context", &ErrorLogEntry::context, "JSON object text")
      .f("mode", &ErrorLogEntry::mode)
      .f("is_test", &ErrorLogEntry::is_test);
  Record<DailyPnl>(m, "DailyPnl", "One bot's P&L of one UTC day in one currency (analytics).")
      .f("bot_id", &DailyPnl::bot_id)
      .f("account_id", &DailyPnl::account_id)
      .f("currency", &DailyPnl::currency)
      .f("date", &DailyPnl::date, "UTC midnight")
      .f("realized", &DailyPnl::realized, "realized P&L of trades closed that day, before fees")
      .f("unrealized", &DailyPnl::unrealized, "change of unrealized P&L over the day")
      .f("fees", &DailyPnl::fees, "fees paid that day, >= 0")
      .f("net", &DailyPnl::net, "computed by the store: realized + unrealized - fees")
      .f("equity_start", &DailyPnl::equity_start)
      .f("equity_end", &DailyPnl::equity_end)
      .f("trades", &DailyPnl::trades, "trades closed that day")
      .f("bot_version", &DailyPnl::bot_version)
      .f("strategy_version", &DailyPnl::strategy_version)
      .f("mode", &DailyPnl::mode, "copied from the bot")
      .f("is_test", &DailyPnl::is_test, "copied from the bot")
      .f("updated_at", &DailyPnl::updated_at, "assigned by the store");
  Record<PatternDetection>(m, "PatternDetection", "A chart pattern detected (the pattern cache).")
      .f("id", &PatternDetection::id, "assigned by the store")
      .f("instrument_id", &PatternDetection::instrument_id)
      .f("timeframe", &PatternDetection::timeframe)
      .f("pattern", &PatternDetection::pattern, "e.g. 'double_bottom'")
      .f("confidence", &PatternDetection::confidence, "fraction in [0, 1]")
      .f("detected_at", &PatternDetection::detected_at)
      .f("expires_at", &PatternDetection::expires_at, "> detected_at")
      .f("details", &PatternDetection::details, "JSON object text")
      .f("is_test", &PatternDetection::is_test);
  Record<MlResult>(m, "MlResult", "A model's prediction and, later, the actual value.")
      .f("id", &MlResult::id, "assigned by the store")
      .f("model", &MlResult::model)
      .f("model_version", &MlResult::model_version)
      .f("instrument_id", &MlResult::instrument_id)
      .f("time", &MlResult::time, "when the prediction was made")
      .f("features_hash", &MlResult::features_hash)
      .f("prediction", &MlResult::prediction)
      .f("actual", &MlResult::actual)
      .f("actual_at", &MlResult::actual_at)
      .f("metrics", &MlResult::metrics, "JSON object text")
      .f("is_test", &MlResult::is_test);
  Record<MlErrorStats>(m, "MlErrorStats", "Prediction errors over results with an actual value.")
      .f("count", &MlErrorStats::count)
      .f("mae", &MlErrorStats::mae, "mean |prediction - actual|; NaN when count is 0")
      .f("rmse", &MlErrorStats::rmse, "sqrt(mean (prediction - actual)^2); NaN when count is 0");
  Record<ExecutionLatency>(m, "ExecutionLatency", "The timeline of one order, for latency.")
      .f("bot_id", &ExecutionLatency::bot_id)
      .f("order_id", &ExecutionLatency::order_id)
      .f("signal_id", &ExecutionLatency::signal_id)
      .f("instrument_id", &ExecutionLatency::instrument_id)
      .f("venue", &ExecutionLatency::venue)
      .f("signal_time", &ExecutionLatency::signal_time)
      .f("order_time", &ExecutionLatency::order_time, "submitted")
      .f("ack_time", &ExecutionLatency::ack_time)
      .f("fill_time", &ExecutionLatency::fill_time)
      .f("bot_version", &ExecutionLatency::bot_version)
      .f("mode", &ExecutionLatency::mode, "copied from the bot")
      .f("is_test", &ExecutionLatency::is_test, "copied from the bot");
  Record<LatencyPercentiles>(m, "LatencyPercentiles",
                             "Nearest-rank percentiles of one latency leg, int microseconds.")
      .ro(
          "leg", [](const LatencyPercentiles& p) { return std::string(ToString(p.leg)); },
          "'signal_to_order', 'order_to_ack', 'ack_to_fill', 'order_to_fill' or "
          "'signal_to_fill'")
      .f("count", &LatencyPercentiles::count)
      .f("min", &LatencyPercentiles::min)
      .f("p50", &LatencyPercentiles::p50)
      .f("p90", &LatencyPercentiles::p90)
      .f("p99", &LatencyPercentiles::p99)
      .f("max", &LatencyPercentiles::max);
  Record<NewsFeed>(m, "NewsFeed", "A news feed a bot follows.")
      .f("id", &NewsFeed::id, "assigned by the store")
      .f("bot_id", &NewsFeed::bot_id)
      .f("name", &NewsFeed::name, "unique per bot")
      .f("url", &NewsFeed::url)
      .f("category", &NewsFeed::category)
      .f("enabled", &NewsFeed::enabled)
      .f("mode", &NewsFeed::mode, "copied from the bot")
      .f("is_test", &NewsFeed::is_test, "copied from the bot")
      .f("created_at", &NewsFeed::created_at, "assigned by the store")
      .f("updated_at", &NewsFeed::updated_at);
  Record<SeenNewsItem>(m, "SeenNewsItem", "A news item a bot has seen (deduplication).")
      .f("bot_id", &SeenNewsItem::bot_id)
      .f("feed_id", &SeenNewsItem::feed_id)
      .f("item_key", &SeenNewsItem::item_key)
      .f("title", &SeenNewsItem::title)
      .f("url", &SeenNewsItem::url)
      .f("published_at", &SeenNewsItem::published_at)
      .f("time", &SeenNewsItem::time, "first seen; now when left at the epoch")
      .f("mode", &SeenNewsItem::mode, "copied from the bot")
      .f("is_test", &SeenNewsItem::is_test, "copied from the bot");
  Record<ChangeEvent>(m, "ChangeEvent", "One committed change (the change feed).")
      .f("cursor", &ChangeEvent::cursor, "after(cursor) continues after this event")
      .f("kind", &ChangeEvent::kind,
         "'order', 'fill', 'position', 'trade-closed', 'balance', 'risk-event', "
         "'bot-heartbeat' or 'candles-imported'")
      .f("bot", &ChangeEvent::bot, "None for candles-imported")
      .f("entity", &ChangeEvent::entity, "'orders', 'fills', ..., 'candle-coverage'")
      .f("row_id", &ChangeEvent::row_id)
      .f("sub_key", &ChangeEvent::sub_key)
      .f("time", &ChangeEvent::time, "when recorded");
  Record<ChangeBatch>(m, "ChangeBatch", "Events after a cursor, and the cursor to continue from.")
      .f("events", &ChangeBatch::events, "in commit order")
      .f("cursor", &ChangeBatch::cursor);
  Record<paper::PaperConfig>(m, "PaperConfig", "Fees, slippage and fills of the paper broker.")
      .f("maker_fee_bps", &paper::PaperConfig::maker_fee_bps)
      .f("taker_fee_bps", &paper::PaperConfig::taker_fee_bps)
      .f("slippage_bps", &paper::PaperConfig::slippage_bps)
      .f("max_volume_participation", &paper::PaperConfig::max_volume_participation)
      .f("fee_decimals", &paper::PaperConfig::fee_decimals);
}

using py::arg;

void BindRepositories(py::module_& m) {
  py::class_<Instruments>(m, "Instruments", "store.instruments: tradable instruments.")
      .def(
          "upsert",
          [](Instruments& r, const py::object& i, const py::kwargs& kw) {
            Instrument v = FromKwargs<Instrument>(i, kw);
            return Run(*r.h, [&](Store& s) { return s.instruments().Upsert(v); });
          },
          "Inserts, or updates by (venue, symbol); returns it with its id. InvalidArgument for "
          "an empty symbol or a precision outside 0..18.",
          arg("instrument") = py::none())
      .def(
          "find",
          [](Instruments& r, const std::string& venue, const std::string& symbol) {
            return Run(*r.h, [&](Store& s) { return s.instruments().Find(venue, symbol); });
          },
          "The instrument (venue, symbol), or None.", arg("venue"), arg("symbol"))
      .def(
          "get",
          [](Instruments& r, InstrumentId id) {
            return Run(*r.h, [&](Store& s) { return s.instruments().Get(id); });
          },
          "By id; NotFound if missing.", arg("id"))
      .def(
          "list",
          [](Instruments& r) {
            return Run(*r.h, [&](Store& s) { return s.instruments().List(); });
          },
          "Every instrument.");

  py::class_<Candles>(m, "Candles", "store.candles_repo: candle series and coverage.")
      .def(
          "info",
          [](Candles& r, InstrumentId id, Timeframe tf) {
            return Run(*r.h, [&](Store& s) { return s.candles().Info(id, tf); });
          },
          "Count, first and last open time of a series.", arg("instrument_id"), arg("timeframe"))
      .def(
          "range",
          [](Candles& r, InstrumentId id, Timeframe tf, std::optional<Timestamp> start,
             std::optional<Timestamp> end) {
            return Run(*r.h,
                       [&](Store& s) { return s.candles().Range(id, tf, Range(start, end)); });
          },
          "Candles (list of Candle) with start <= open_time < end, oldest first. For many "
          "candles use store.candles(), which returns a DataFrame.",
          arg("instrument_id"), arg("timeframe"), arg("start") = py::none(),
          arg("end") = py::none())
      .def(
          "coverage",
          [](Candles& r, std::optional<InstrumentId> id, std::optional<Timeframe> tf) {
            return Run(*r.h, [&](Store& s) { return s.candles().Coverage(id, tf); });
          },
          "Stored coverage rows.", arg("instrument_id") = py::none(), arg("timeframe") = py::none())
      .def(
          "refresh_coverage",
          [](Candles& r, InstrumentId id, Timeframe tf) {
            return Run(*r.h, [&](Store& s) { return s.candles().RefreshCoverage(id, tf); });
          },
          "Recomputes a series' coverage row; None when empty.", arg("instrument_id"),
          arg("timeframe"))
      .def(
          "gaps",
          [](Candles& r, InstrumentId id, Timeframe tf, std::int64_t limit) {
            return Run(*r.h, [&](Store& s) { return s.candles().Gaps(id, tf, limit); });
          },
          "Gaps of a series, oldest first (at most limit when > 0).", arg("instrument_id"),
          arg("timeframe"), arg("limit") = 0)
      .def(
          "set_compaction_policy",
          [](Candles& r, Micros older_than, std::optional<Timeframe> tf) {
            Run(*r.h, [&](Store& s) { s.candles().SetCompactionPolicy(tf, older_than); });
          },
          "Sets the compaction policy of imports (docs/storage.md, \"Compaction policy\"): "
          "imports of a series of `timeframe` (None: the default, for every timeframe without "
          "its own) store its candles older than `older_than` microseconds (0: every candle) "
          "as chunks. InvalidArgument for a negative age.",
          arg("older_than"), arg("timeframe") = py::none())
      .def(
          "clear_compaction_policy",
          [](Candles& r, std::optional<Timeframe> tf) {
            return Run(*r.h, [&](Store& s) { return s.candles().ClearCompactionPolicy(tf); });
          },
          "Removes the policy of `timeframe` (None: the default); False when there was none.",
          arg("timeframe") = py::none())
      .def(
          "compaction_policies",
          [](Candles& r) {
            const auto policies =
                Run(*r.h, [&](Store& s) { return s.candles().CompactionPolicies(); });
            py::list out;
            for (const CandleCompactionPolicy& p : policies) {
              py::dict d;
              d["timeframe"] =
                  p.timeframe ? py::cast(std::string(ToString(*p.timeframe))) : py::none();
              d["older_than"] = p.older_than;
              d["updated_at"] = p.updated_at;
              out.append(d);
            }
            return out;
          },
          "Every policy as a dict (timeframe: str or None for the default, older_than: int "
          "microseconds, updated_at: UTC datetime), the default first.")
      .def(
          "compact",
          [](Candles& r, std::optional<InstrumentId> id, std::optional<Timeframe> tf,
             std::optional<Timestamp> before) {
            const CandleCompaction c =
                Run(*r.h, [&](Store& s) { return s.candles().Compact(id, tf, before); });
            py::dict d;
            d["series"] = c.series;
            d["candles"] = c.candles;
            d["chunks"] = c.chunks;
            d["bytes"] = c.bytes;
            return d;
          },
          "Moves the candles stored as rows opening before `before` (None: every row) into "
          "compressed chunks (docs/storage.md, \"Candle chunks\"), of one instrument or all, "
          "one timeframe or all, each series one unit of work; reads see no difference. "
          "Returns a dict: series, candles (moved), chunks (written), bytes (their size). "
          "NotFound for an unknown instrument.",
          arg("instrument_id") = py::none(), arg("timeframe") = py::none(),
          arg("before") = py::none())
      .def(
          "upgrade_chunks",
          [](Candles& r, std::optional<InstrumentId> id, std::optional<Timeframe> tf) {
            const CandleChunkUpgrade u =
                Run(*r.h, [&](Store& s) { return s.candles().UpgradeChunks(id, tf); });
            py::dict d;
            d["series"] = u.series;
            d["chunks"] = u.chunks;
            d["candles"] = u.candles;
            d["bytes_before"] = u.bytes_before;
            d["bytes_after"] = u.bytes_after;
            return d;
          },
          "Rewrites every chunk of another format than the store writes (3, which decodes "
          "faster; 2 on a store opened with chunk_format=2, for builds before format 3; "
          "docs/storage.md, \"Chunk format versions\") in that one; candles unchanged, chunks "
          "already in it left as they are, each series one unit of work. Returns a dict: "
          "series, chunks, candles, bytes_before, bytes_after. NotFound for an unknown "
          "instrument.",
          arg("instrument_id") = py::none(), arg("timeframe") = py::none());

  py::class_<Bots>(m, "Bots", "store.bots: the bot registry.")
      .def(
          "create",
          [](Bots& r, const py::object& b, const py::kwargs& kw) {
            Bot v = FromKwargs<Bot>(b, kw);
            return Run(*r.h, [&](Store& s) { return s.bots().Create(v); });
          },
          "Registers a bot (a Bot or keywords); Conflict if the name is taken.",
          arg("bot") = py::none())
      .def(
          "get_or_create",
          [](Bots& r, const py::object& b, const py::kwargs& kw) {
            Bot v = FromKwargs<Bot>(b, kw);
            return Run(*r.h, [&](Store& s) { return s.bots().GetOrCreate(v); });
          },
          "The bot named bot.name, created if missing.", arg("bot") = py::none())
      .def(
          "find",
          [](Bots& r, const std::string& name) {
            return Run(*r.h, [&](Store& s) { return s.bots().FindByName(name); });
          },
          "The bot with this name, or None.", arg("name"))
      .def(
          "get",
          [](Bots& r, const BotRef& bot) {
            return Run(*r.h, [&](Store& s) { return s.bots().Get(ResolveBot(s, bot)); });
          },
          "A bot by id or name; NotFound if missing.", arg("bot"))
      .def(
          "list",
          [](Bots& r, bool include_test) {
            return Run(*r.h, [&](Store& s) { return s.bots().List(include_test); });
          },
          "Every bot (test bots only with include_test).", arg("include_test") = false)
      .def(
          "update",
          [](Bots& r, const Bot& b, Timestamp time) {
            return Run(*r.h, [&](Store& s) { return s.bots().Update(b, time); });
          },
          "Updates registry fields of bot.id.", arg("bot"), arg("time"))
      .def(
          "heartbeat",
          [](Bots& r, const BotRef& bot, Timestamp time, const std::string& state,
             const std::string& message, std::optional<Decimal> equity) {
            return Run(*r.h, [&](Store& s) {
              return s.bots().Heartbeat(ResolveBot(s, bot), time, state, message, equity);
            });
          },
          "Records a heartbeat; Conflict for a retired bot.", arg("bot"), arg("time"), arg("state"),
          arg("message") = "", arg("equity") = py::none())
      .def(
          "set_status",
          [](Bots& r, const BotRef& bot, BotStatus status, Timestamp time,
             const std::string& message) {
            return Run(*r.h, [&](Store& s) {
              return s.bots().SetStatus(ResolveBot(s, bot), status, time, message);
            });
          },
          "Sets the registry status.", arg("bot"), arg("status"), arg("time"), arg("message") = "")
      .def(
          "list_stale",
          [](Bots& r, Timestamp now, Micros max_age_us, bool include_test) {
            return Run(*r.h,
                       [&](Store& s) { return s.bots().ListStale(now, max_age_us, include_test); });
          },
          "Active bots whose last heartbeat is older than now - max_age_us (µs).", arg("now"),
          arg("max_age_us"), arg("include_test") = false);

  py::class_<Accounts>(m, "Accounts", "store.accounts: accounts and balances.")
      .def(
          "create",
          [](Accounts& r, const BotRef& bot, const std::string& name) {
            return Run(*r.h,
                       [&](Store& s) { return s.accounts().Create(ResolveBot(s, bot), name); });
          },
          "Creates an account; Conflict if the name is taken.", arg("bot"), arg("name"))
      .def(
          "get_or_create",
          [](Accounts& r, const BotRef& bot, const std::string& name) {
            return Run(
                *r.h, [&](Store& s) { return s.accounts().GetOrCreate(ResolveBot(s, bot), name); });
          },
          "The account, created if missing.", arg("bot"), arg("name"))
      .def(
          "get",
          [](Accounts& r, const BotRef& bot, AccountId id) {
            return Run(*r.h, [&](Store& s) { return s.accounts().Get(ResolveBot(s, bot), id); });
          },
          "By id; NotFound if missing.", arg("bot"), arg("id"))
      .def(
          "list",
          [](Accounts& r, const BotRef& bot, bool include_system) {
            return Run(*r.h, [&](Store& s) {
              return s.accounts().List(ResolveBot(s, bot), include_system);
            });
          },
          "A bot's accounts.", arg("bot"), arg("include_system") = false)
      .def(
          "balances",
          [](Accounts& r, const BotRef& bot, AccountId id) {
            return Run(*r.h,
                       [&](Store& s) { return s.accounts().Balances(ResolveBot(s, bot), id); });
          },
          "All balances of an account (list of Balance).", arg("bot"), arg("account_id"))
      .def(
          "balance",
          [](Accounts& r, const BotRef& bot, AccountId id, const std::string& currency) {
            return Run(*r.h, [&](Store& s) {
              return s.accounts().BalanceOf(ResolveBot(s, bot), id, currency);
            });
          },
          "The balance in one currency (Decimal; 0 if never held).", arg("bot"), arg("account_id"),
          arg("currency"));

  py::class_<Ledger>(m, "Ledger", "store.ledger: double-entry postings.")
      .def(
          "post",
          [](Ledger& r, const py::object& e, const py::kwargs& kw) {
            LedgerEntry v = FromKwargs<LedgerEntry>(e, kw);
            return Run(*r.h, [&](Store& s) { return s.ledger().Post(v); });
          },
          "Posts one movement (a LedgerEntry or keywords); returns it with balance_after. "
          "InvalidArgument when the amount's sign does not fit the type.",
          arg("entry") = py::none())
      .def(
          "transfer",
          [](Ledger& r, const BotRef& bot, AccountId from, AccountId to,
             const std::string& currency, Decimal amount, Timestamp time,
             const std::string& description) {
            return Run(*r.h, [&](Store& s) {
              return s.ledger().Transfer(ResolveBot(s, bot), from, to, currency, amount, time,
                                         description);
            });
          },
          "Moves amount (> 0) between two accounts of a bot; returns (from leg, to leg).",
          arg("bot"), arg("from_account"), arg("to_account"), arg("currency"), arg("amount"),
          arg("time"), arg("description") = "")
      .def(
          "entries",
          [](Ledger& r, const BotRef& bot, AccountId account, const std::string& currency,
             std::optional<Timestamp> start, std::optional<Timestamp> end) {
            return Run(*r.h, [&](Store& s) {
              return s.ledger().Entries(ResolveBot(s, bot), account, currency, Range(start, end));
            });
          },
          "Entries of an account, oldest first.", arg("bot"), arg("account_id"),
          arg("currency") = "", arg("start") = py::none(), arg("end") = py::none())
      .def(
          "journal",
          [](Ledger& r, const BotRef& bot, std::int64_t journal_id) {
            return Run(
                *r.h, [&](Store& s) { return s.ledger().Journal(ResolveBot(s, bot), journal_id); });
          },
          "The legs of one journal.", arg("bot"), arg("journal_id"))
      .def(
          "balance_at",
          [](Ledger& r, const BotRef& bot, AccountId account, const std::string& currency,
             Timestamp at) {
            return Run(*r.h, [&](Store& s) {
              return s.ledger().BalanceAt(ResolveBot(s, bot), account, currency, at);
            });
          },
          "Exact balance at a time (entries with time <= at).", arg("bot"), arg("account_id"),
          arg("currency"), arg("at"))
      .def(
          "sum_entries",
          [](Ledger& r, const BotRef& bot, AccountId account, const std::string& currency) {
            return Run(*r.h, [&](Store& s) {
              return s.ledger().SumEntries(ResolveBot(s, bot), account, currency);
            });
          },
          "Sum of an account's entries in a currency (equals its balance).", arg("bot"),
          arg("account_id"), arg("currency"))
      .def(
          "sums",
          [](Ledger& r, std::optional<BotRef> bot, std::optional<AccountId> account,
             std::optional<std::string> currency, bool include_system) {
            return Run(*r.h, [&](Store& s) {
              LedgerFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.account = account;
              f.currency = currency;
              f.include_system = include_system;
              return s.ledger().Sums(f);
            });
          },
          "Exact sums by type and currency.", arg("bot") = py::none(),
          arg("account_id") = py::none(), arg("currency") = py::none(),
          arg("include_system") = false)
      .def(
          "snapshot",
          [](Ledger& r, const BotRef& bot, AccountId account, Timestamp time, SnapshotKind kind) {
            return Run(*r.h, [&](Store& s) {
              return s.ledger().Snapshot(ResolveBot(s, bot), account, time, kind);
            });
          },
          "Records the account's balances as balance-history rows.", arg("bot"), arg("account_id"),
          arg("time"), arg("kind") = "on_demand")
      .def(
          "history",
          [](Ledger& r, const BotRef& bot, AccountId account, const std::string& currency,
             std::optional<Timestamp> start, std::optional<Timestamp> end) {
            return Run(*r.h, [&](Store& s) {
              return s.ledger().History(ResolveBot(s, bot), account, currency, Range(start, end));
            });
          },
          "Balance-history rows, oldest first.", arg("bot"), arg("account_id"),
          arg("currency") = "", arg("start") = py::none(), arg("end") = py::none());

  py::class_<Signals>(m, "Signals", "store.signals: strategy signals.")
      .def(
          "record",
          [](Signals& r, const py::object& sig, const py::kwargs& kw) {
            Signal v = FromKwargs<Signal>(sig, kw);
            return Run(*r.h, [&](Store& s) { return s.signals().Record(v); });
          },
          "Records a signal (a Signal or keywords) with its components.",
          arg("signal") = py::none())
      .def(
          "mark_acted_on",
          [](Signals& r, const BotRef& bot, SignalId id) {
            Run(*r.h, [&](Store& s) {
              s.signals().MarkActedOn(ResolveBot(s, bot), id);
              return 0;
            });
          },
          "Marks that an order was placed for it.", arg("bot"), arg("id"))
      .def(
          "get",
          [](Signals& r, const BotRef& bot, SignalId id) {
            return Run(*r.h, [&](Store& s) { return s.signals().Get(ResolveBot(s, bot), id); });
          },
          "By id; NotFound if missing.", arg("bot"), arg("id"))
      .def(
          "list",
          [](Signals& r, const BotRef& bot, std::optional<Timestamp> start,
             std::optional<Timestamp> end) {
            return Run(*r.h, [&](Store& s) {
              return s.signals().List(ResolveBot(s, bot), Range(start, end));
            });
          },
          "A bot's signals, oldest first.", arg("bot"), arg("start") = py::none(),
          arg("end") = py::none())
      .def(
          "links",
          [](Signals& r, const BotRef& bot, SignalId id) {
            return Run(*r.h, [&](Store& s) { return s.signals().Links(ResolveBot(s, bot), id); });
          },
          "Orders and trades naming the signal.", arg("bot"), arg("id"))
      .def(
          "record_outcome",
          [](Signals& r, const BotRef& bot, SignalId id) {
            return Run(*r.h,
                       [&](Store& s) { return s.signals().RecordOutcome(ResolveBot(s, bot), id); });
          },
          "Derives and stores the outcome from the linked closed trades.", arg("bot"), arg("id"));

  py::class_<Orders>(m, "Orders", "store.orders: orders, their events and fills.")
      .def(
          "create",
          [](Orders& r, const py::object& o, const py::kwargs& kw) {
            Order v = FromKwargs<Order>(o, kw);
            return Run(*r.h, [&](Store& s) { return s.orders().Create(v); });
          },
          "Records a new order (an Order or keywords). InvalidArgument for a non-positive "
          "quantity or missing prices; Conflict for a duplicate client_order_id.",
          arg("order") = py::none())
      .def(
          "transition",
          [](Orders& r, const BotRef& bot, OrderId id, OrderStatus to, Timestamp time,
             const std::string& reason) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().Transition(ResolveBot(s, bot), id, to, time, reason);
            });
          },
          "Moves an order to a status; Conflict naming both states if not allowed.", arg("bot"),
          arg("id"), arg("to"), arg("time"), arg("reason") = "")
      .def(
          "accept",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time,
             const std::string& venue_id) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().Accept(ResolveBot(s, bot), id, time, venue_id);
            });
          },
          "new -> accepted, with the venue's order id.", arg("bot"), arg("id"), arg("time"),
          arg("venue_order_id") = "")
      .def(
          "cancel",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time, const std::string& reason) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().Cancel(ResolveBot(s, bot), id, time, reason);
            });
          },
          "Cancels an open order.", arg("bot"), arg("id"), arg("time"), arg("reason") = "")
      .def(
          "expire",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time, const std::string& reason) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().Expire(ResolveBot(s, bot), id, time, reason);
            });
          },
          "Expires an open order.", arg("bot"), arg("id"), arg("time"), arg("reason") = "")
      .def(
          "reject",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time, const std::string& reason) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().Reject(ResolveBot(s, bot), id, time, reason);
            });
          },
          "Rejects a new order (reason required).", arg("bot"), arg("id"), arg("time"),
          arg("reason"))
      .def(
          "amend",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time,
             std::optional<Decimal> quantity, std::optional<Decimal> limit_price,
             std::optional<Decimal> stop_price, const std::string& reason) {
            OrderAmendment a{quantity, limit_price, stop_price};
            return Run(*r.h, [&](Store& s) {
              return s.orders().Amend(ResolveBot(s, bot), id, a, time, reason);
            });
          },
          "Amends an open order in place.", arg("bot"), arg("id"), arg("time"),
          arg("quantity") = py::none(), arg("limit_price") = py::none(),
          arg("stop_price") = py::none(), arg("reason") = "")
      .def(
          "mark_triggered",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().MarkTriggered(ResolveBot(s, bot), id, time);
            });
          },
          "Records that a stop order's stop price was reached.", arg("bot"), arg("id"), arg("time"))
      .def(
          "record_retry",
          [](Orders& r, const BotRef& bot, OrderId id, Timestamp time, const std::string& error) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().RecordRetry(ResolveBot(s, bot), id, time, error);
            });
          },
          "Records a failed attempt to send or change an order.", arg("bot"), arg("id"),
          arg("time"), arg("error"))
      .def(
          "get",
          [](Orders& r, const BotRef& bot, OrderId id) {
            return Run(*r.h, [&](Store& s) { return s.orders().Get(ResolveBot(s, bot), id); });
          },
          "By id; NotFound if missing.", arg("bot"), arg("id"))
      .def(
          "find_by_client_id",
          [](Orders& r, const BotRef& bot, const std::string& client_order_id) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().FindByClientId(ResolveBot(s, bot), client_order_id);
            });
          },
          "The order with this client_order_id, or None.", arg("bot"), arg("client_order_id"))
      .def(
          "list_open",
          [](Orders& r, const BotRef& bot) {
            return Run(*r.h, [&](Store& s) { return s.orders().ListOpen(ResolveBot(s, bot)); });
          },
          "Orders not in a terminal status, oldest first.", arg("bot"))
      .def(
          "list",
          [](Orders& r, const BotRef& bot, std::optional<Timestamp> start,
             std::optional<Timestamp> end) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().List(ResolveBot(s, bot), Range(start, end));
            });
          },
          "A bot's orders, oldest first.", arg("bot"), arg("start") = py::none(),
          arg("end") = py::none())
      .def(
          "events",
          [](Orders& r, const BotRef& bot, OrderId id) {
            return Run(*r.h, [&](Store& s) { return s.orders().Events(ResolveBot(s, bot), id); });
          },
          "An order's events, oldest first.", arg("bot"), arg("id"))
      .def(
          "record_fill",
          [](Orders& r, const py::object& f, const py::kwargs& kw) {
            Fill v = FromKwargs<Fill>(f, kw);
            return Run(*r.h, [&](Store& s) { return s.orders().RecordFill(v); });
          },
          "Records a fill (a Fill or keywords) and its effects in one unit of work: order, "
          "position, fee and realized P&L ledger entries, closed trade. Idempotent on (bot, "
          "venue, venue_fill_id): a resend returns duplicate=True and changes nothing; a "
          "resend that differs is Conflict naming each field.",
          arg("fill") = py::none())
      .def(
          "fills",
          [](Orders& r, const BotRef& bot, OrderId id) {
            return Run(*r.h, [&](Store& s) { return s.orders().Fills(ResolveBot(s, bot), id); });
          },
          "Fills of one order.", arg("bot"), arg("id"))
      .def(
          "list_fills",
          [](Orders& r, const BotRef& bot, std::optional<Timestamp> start,
             std::optional<Timestamp> end) {
            return Run(*r.h, [&](Store& s) {
              return s.orders().ListFills(ResolveBot(s, bot), Range(start, end));
            });
          },
          "A bot's fills, oldest first.", arg("bot"), arg("start") = py::none(),
          arg("end") = py::none());

  py::class_<Positions>(m, "Positions", "store.positions: net positions.")
      .def(
          "get",
          [](Positions& r, const BotRef& bot, AccountId account, InstrumentId instrument) {
            return Run(*r.h, [&](Store& s) {
              return s.positions().Get(ResolveBot(s, bot), account, instrument);
            });
          },
          "The position, or None.", arg("bot"), arg("account_id"), arg("instrument_id"))
      .def(
          "list_open",
          [](Positions& r, const BotRef& bot) {
            return Run(*r.h, [&](Store& s) { return s.positions().ListOpen(ResolveBot(s, bot)); });
          },
          "Non-flat positions of a bot.", arg("bot"))
      .def(
          "mark_price",
          [](Positions& r, const BotRef& bot, AccountId account, InstrumentId instrument,
             Decimal price, Timestamp time, bool record_event) {
            return Run(*r.h, [&](Store& s) {
              return s.positions().MarkPrice(ResolveBot(s, bot), account, instrument, price, time,
                                             record_event);
            });
          },
          "Marks an open position to a price (unrealized P&L, trailing stop).", arg("bot"),
          arg("account_id"), arg("instrument_id"), arg("price"), arg("time"),
          arg("record_event") = false)
      .def(
          "set_stops",
          [](Positions& r, const BotRef& bot, AccountId account, InstrumentId instrument,
             Timestamp time, const py::kwargs& kw) {
            StopSettings st = FromKwargs<StopSettings>(py::none(), kw);
            return Run(*r.h, [&](Store& s) {
              return s.positions().SetStops(ResolveBot(s, bot), account, instrument, st, time);
            });
          },
          "Sets the stops (stop_loss=, take_profit=, trailing_distance=, trailing_percent=).",
          arg("bot"), arg("account_id"), arg("instrument_id"), arg("time"))
      .def(
          "set_trade_context",
          [](Positions& r, const BotRef& bot, AccountId account, InstrumentId instrument,
             const py::kwargs& kw) {
            TradeContext c = FromKwargs<TradeContext>(py::none(), kw);
            Run(*r.h, [&](Store& s) {
              s.positions().SetTradeContext(ResolveBot(s, bot), account, instrument, c);
              return 0;
            });
          },
          "Sets the journal context of the open trade (keywords of TradeContext).", arg("bot"),
          arg("account_id"), arg("instrument_id"))
      .def(
          "events",
          [](Positions& r, const BotRef& bot, AccountId account, InstrumentId instrument) {
            return Run(*r.h, [&](Store& s) {
              return s.positions().Events(ResolveBot(s, bot), account, instrument);
            });
          },
          "Events of one position, oldest first.", arg("bot"), arg("account_id"),
          arg("instrument_id"));

  py::class_<Trades>(m, "Trades", "store.trades_repo: the closed-trade journal.")
      .def(
          "list",
          [](Trades& r, std::optional<BotRef> bot, std::optional<std::string> strategy,
             std::optional<Timestamp> start, std::optional<Timestamp> end, bool include_test,
             std::int64_t limit) {
            return Run(*r.h, [&](Store& s) {
              TradeFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.strategy = strategy;
              f.exit_time = Range(start, end);
              f.include_test = include_test;
              f.limit = limit;
              return s.trades().List(f);
            });
          },
          "Closed trades, oldest exit first.", arg("bot") = py::none(),
          arg("strategy") = py::none(), arg("start") = py::none(), arg("end") = py::none(),
          arg("include_test") = false, arg("limit") = 0)
      .def(
          "get",
          [](Trades& r, const BotRef& bot, TradeId id) {
            return Run(*r.h, [&](Store& s) { return s.trades().Get(ResolveBot(s, bot), id); });
          },
          "By id; NotFound if missing.", arg("bot"), arg("id"))
      .def(
          "update_review",
          [](Trades& r, const BotRef& bot, TradeId id, Timestamp time, const py::kwargs& kw) {
            TradeReview rv = FromKwargs<TradeReview>(py::none(), kw);
            return Run(*r.h, [&](Store& s) {
              return s.trades().UpdateReview(ResolveBot(s, bot), id, rv, time);
            });
          },
          "Sets the review fields (keywords of TradeReview).", arg("bot"), arg("id"), arg("time"));

  py::class_<Portfolio>(m, "Portfolio", "store.portfolio: equity snapshots.")
      .def(
          "record",
          [](Portfolio& r, const py::object& p, const py::kwargs& kw) {
            PortfolioSnapshot v = FromKwargs<PortfolioSnapshot>(p, kw);
            Run(*r.h, [&](Store& s) {
              s.portfolio().Record(v);
              return 0;
            });
          },
          "Records (or replaces) a snapshot.", arg("snapshot") = py::none())
      .def(
          "curve",
          [](Portfolio& r, const BotRef& bot, AccountId account, std::optional<Timestamp> start,
             std::optional<Timestamp> end) {
            return Run(*r.h, [&](Store& s) {
              return s.portfolio().Curve(ResolveBot(s, bot), account, Range(start, end));
            });
          },
          "Snapshots of one account, oldest first.", arg("bot"), arg("account_id"),
          arg("start") = py::none(), arg("end") = py::none())
      .def(
          "total",
          [](Portfolio& r, Timestamp at, bool include_test) {
            return Run(*r.h, [&](Store& s) { return s.portfolio().Total(at, include_test); });
          },
          "Sum of the latest snapshots across bots.", arg("at"), arg("include_test") = false);

  py::class_<Risk>(m, "Risk", "store.risk: risk limits and risk events.")
      .def(
          "set_limits",
          [](Risk& r, const py::object& l, const py::kwargs& kw) {
            RiskLimits v = FromKwargs<RiskLimits>(l, kw);
            return Run(*r.h, [&](Store& s) { return s.risk().SetLimits(v); });
          },
          "Saves a new version of a bot's limits.", arg("limits") = py::none())
      .def(
          "limits_at",
          [](Risk& r, const BotRef& bot, Timestamp at) {
            return Run(*r.h, [&](Store& s) { return s.risk().LimitsAt(ResolveBot(s, bot), at); });
          },
          "The limits in force at a time, or None.", arg("bot"), arg("at"))
      .def(
          "limits_history",
          [](Risk& r, const BotRef& bot) {
            return Run(*r.h, [&](Store& s) { return s.risk().LimitsHistory(ResolveBot(s, bot)); });
          },
          "Every version of a bot's limits.", arg("bot"))
      .def(
          "evaluate",
          [](Risk& r, const BotRef& bot, const RiskValues& values, Timestamp time,
             const std::string& action) {
            return Run(*r.h, [&](Store& s) {
              return s.risk().Evaluate(ResolveBot(s, bot), values, time, action);
            });
          },
          "Checks values against the limits, recording an event per breach.", arg("bot"),
          arg("values"), arg("time"), arg("action"))
      .def(
          "record_event",
          [](Risk& r, const py::object& e, const py::kwargs& kw) {
            RiskEvent v = FromKwargs<RiskEvent>(e, kw);
            return Run(*r.h, [&](Store& s) { return s.risk().RecordEvent(v); });
          },
          "Records a risk event.", arg("event") = py::none())
      .def(
          "resolve",
          [](Risk& r, const BotRef& bot, std::int64_t id, const std::string& resolution,
             Timestamp time) {
            return Run(*r.h, [&](Store& s) {
              return s.risk().Resolve(ResolveBot(s, bot), id, resolution, time);
            });
          },
          "Resolves an event.", arg("bot"), arg("id"), arg("resolution"), arg("time"))
      .def(
          "events",
          [](Risk& r, std::optional<BotRef> bot, bool only_open, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              RiskEventFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.only_open = only_open;
              f.include_test = include_test;
              return s.risk().Events(f);
            });
          },
          "Risk events, oldest first.", arg("bot") = py::none(), arg("only_open") = false,
          arg("include_test") = false);

  py::class_<Configs>(m, "Configs", "store.configs: versioned configurations.")
      .def(
          "save",
          [](Configs& r, const py::object& c, const py::kwargs& kw) {
            ConfigVersion v = FromKwargs<ConfigVersion>(c, kw);
            return Run(*r.h, [&](Store& s) { return s.configs().Save(v); });
          },
          "Saves a new version (document: JSON text).", arg("config") = py::none())
      .def(
          "current",
          [](Configs& r, const BotRef& bot, ConfigKind kind, const std::string& name) {
            return Run(*r.h, [&](Store& s) {
              return s.configs().Current(ResolveBot(s, bot), kind, name);
            });
          },
          "The version in force now, or None.", arg("bot"), arg("kind"), arg("name"))
      .def(
          "version_at",
          [](Configs& r, const BotRef& bot, ConfigKind kind, const std::string& name,
             Timestamp at) {
            return Run(*r.h, [&](Store& s) {
              return s.configs().VersionAt(ResolveBot(s, bot), kind, name, at);
            });
          },
          "The version in force at a time, or None.", arg("bot"), arg("kind"), arg("name"),
          arg("at"))
      .def(
          "history",
          [](Configs& r, const BotRef& bot, ConfigKind kind, const std::string& name) {
            return Run(*r.h, [&](Store& s) {
              return s.configs().History(ResolveBot(s, bot), kind, name);
            });
          },
          "Every version, oldest first.", arg("bot"), arg("kind"), arg("name"));

  py::class_<Strategies>(m, "Strategies", "store.strategies: strategy definitions.")
      .def(
          "define",
          [](Strategies& r, const py::object& d, const py::kwargs& kw) {
            StrategyDefinition v = FromKwargs<StrategyDefinition>(d, kw);
            return Run(*r.h, [&](Store& s) { return s.strategies().Define(v); });
          },
          "Defines (name, version); Conflict if it exists.", arg("definition") = py::none())
      .def(
          "get",
          [](Strategies& r, const std::string& name, const std::string& version) {
            return Run(*r.h, [&](Store& s) { return s.strategies().Get(name, version); });
          },
          "NotFound if missing.", arg("name"), arg("version"))
      .def(
          "list",
          [](Strategies& r) { return Run(*r.h, [&](Store& s) { return s.strategies().List(); }); },
          "Every definition.");

  py::class_<Audit>(m, "Audit", "store.audit: system events and the error log.")
      .def(
          "record_event",
          [](Audit& r, const py::object& e, const py::kwargs& kw) {
            SystemEvent v = FromKwargs<SystemEvent>(e, kw);
            return Run(*r.h, [&](Store& s) { return s.audit().RecordEvent(v); });
          },
          "Records a system event.", arg("event") = py::none())
      .def(
          "events",
          [](Audit& r, std::optional<BotRef> bot, std::optional<std::string> component,
             std::int64_t limit) {
            return Run(*r.h, [&](Store& s) {
              AuditFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.component = component;
              f.limit = limit;
              return s.audit().Events(f);
            });
          },
          "System events, oldest first.", arg("bot") = py::none(), arg("component") = py::none(),
          arg("limit") = 0)
      .def(
          "log_error",
          [](Audit& r, const py::object& e, const py::kwargs& kw) {
            ErrorLogEntry v = FromKwargs<ErrorLogEntry>(e, kw);
            return Run(*r.h, [&](Store& s) { return s.audit().LogError(v); });
          },
          "Records an error-log row.", arg("entry") = py::none())
      .def(
          "errors",
          [](Audit& r, std::optional<BotRef> bot, std::optional<std::string> component,
             std::int64_t limit) {
            return Run(*r.h, [&](Store& s) {
              AuditFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.component = component;
              f.limit = limit;
              return s.audit().Errors(f);
            });
          },
          "Error-log rows, oldest first.", arg("bot") = py::none(), arg("component") = py::none(),
          arg("limit") = 0);

  py::class_<DailyPnls>(m, "DailyPnls", "store.daily_pnl: daily P&L per bot, account, currency.")
      .def(
          "upsert",
          [](DailyPnls& r, const py::object& row, const py::kwargs& kw) {
            DailyPnl v = FromKwargs<DailyPnl>(row, kw);
            return Run(*r.h, [&](Store& s) { return s.daily_pnl().Upsert(v); });
          },
          "Inserts or replaces the row of (bot_id, account_id, currency, date); date must be "
          "UTC midnight, fees >= 0, trades >= 0 (InvalidArgument otherwise; NotFound for an "
          "unknown bot). Returns the stored row with net computed.",
          arg("row") = py::none())
      .def(
          "list",
          [](DailyPnls& r, std::optional<BotRef> bot, std::optional<AccountId> account,
             std::optional<std::string> currency, std::optional<Timestamp> start,
             std::optional<Timestamp> end, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              DailyPnlFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.account = account;
              f.currency = currency;
              f.range = Range(start, end);
              f.include_test = include_test;
              return s.daily_pnl().List(f);
            });
          },
          "Rows by date (start inclusive, end exclusive).", arg("bot") = py::none(),
          arg("account") = py::none(), arg("currency") = py::none(), arg("start") = py::none(),
          arg("end") = py::none(), arg("include_test") = false);

  py::class_<Patterns>(m, "Patterns", "store.patterns: the chart pattern cache.")
      .def(
          "record",
          [](Patterns& r, const py::object& d, const py::kwargs& kw) {
            PatternDetection v = FromKwargs<PatternDetection>(d, kw);
            return Run(*r.h, [&](Store& s) { return s.patterns().Record(v); });
          },
          "Records a detection (confidence in [0, 1], expires_at > detected_at, details a JSON "
          "object: InvalidArgument otherwise).",
          arg("detection") = py::none())
      .def(
          "active",
          [](Patterns& r, InstrumentId instrument_id, Timestamp at,
             std::optional<Timeframe> timeframe, std::optional<std::string> pattern,
             double min_confidence, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              PatternQuery q;
              q.instrument_id = instrument_id;
              q.at = at;
              q.timeframe = timeframe;
              q.pattern = pattern;
              q.min_confidence = min_confidence;
              q.include_test = include_test;
              return s.patterns().Active(q);
            });
          },
          "Detections unexpired at `at` (expires_at > at), highest confidence first.",
          arg("instrument_id"), arg("at"), arg("timeframe") = py::none(),
          arg("pattern") = py::none(), arg("min_confidence") = 0.0, arg("include_test") = false)
      .def(
          "purge_expired",
          [](Patterns& r, Timestamp before) {
            return Run(*r.h, [&](Store& s) { return s.patterns().PurgeExpired(before); });
          },
          "Deletes detections that expired before `before`; returns how many.", arg("before"));

  py::class_<MlResults>(m, "MlResults", "store.ml_results: model predictions and outcomes.")
      .def(
          "record",
          [](MlResults& r, const py::object& res, const py::kwargs& kw) {
            MlResult v = FromKwargs<MlResult>(res, kw);
            return Run(*r.h, [&](Store& s) { return s.ml_results().Record(v); });
          },
          "Records a prediction (model required, metrics a JSON object).",
          arg("result") = py::none())
      .def(
          "set_actual",
          [](MlResults& r, std::int64_t id, double actual, Timestamp actual_at,
             const std::string& metrics) {
            return Run(*r.h, [&](Store& s) {
              return s.ml_results().SetActual(id, actual, actual_at, metrics);
            });
          },
          "Sets the actual value (NotFound for an unknown id).", arg("id"), arg("actual"),
          arg("actual_at"), arg("metrics") = "")
      .def(
          "get",
          [](MlResults& r, std::int64_t id) {
            return Run(*r.h, [&](Store& s) { return s.ml_results().Get(id); });
          },
          "NotFound if missing.", arg("id"))
      .def(
          "list",
          [](MlResults& r, const std::string& model, std::optional<std::string> model_version,
             std::optional<Timestamp> start, std::optional<Timestamp> end, bool only_with_actual,
             bool include_test) {
            return Run(*r.h, [&](Store& s) {
              MlResultFilter f;
              f.model = model;
              f.model_version = model_version;
              f.range = Range(start, end);
              f.only_with_actual = only_with_actual;
              f.include_test = include_test;
              return s.ml_results().List(f);
            });
          },
          "A model's results by time.", arg("model"), arg("model_version") = py::none(),
          arg("start") = py::none(), arg("end") = py::none(), arg("only_with_actual") = false,
          arg("include_test") = false)
      .def(
          "errors",
          [](MlResults& r, const std::string& model, std::optional<std::string> model_version,
             std::optional<Timestamp> start, std::optional<Timestamp> end, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              MlResultFilter f;
              f.model = model;
              f.model_version = model_version;
              f.range = Range(start, end);
              f.include_test = include_test;
              return s.ml_results().Errors(f);
            });
          },
          "MAE and RMSE of prediction vs actual over the results that have one.", arg("model"),
          arg("model_version") = py::none(), arg("start") = py::none(), arg("end") = py::none(),
          arg("include_test") = false);

  py::class_<Latency>(m, "Latency", "store.latency: execution latency of orders.")
      .def(
          "record",
          [](Latency& r, const py::object& row, const py::kwargs& kw) {
            ExecutionLatency v = FromKwargs<ExecutionLatency>(row, kw);
            return Run(*r.h, [&](Store& s) { return s.latency().Record(v); });
          },
          "Inserts or replaces the timeline of (bot_id, order_id); times must be in order "
          "(InvalidArgument otherwise).",
          arg("row") = py::none())
      .def(
          "find",
          [](Latency& r, const BotRef& bot, OrderId order) {
            return Run(*r.h, [&](Store& s) { return s.latency().Find(ResolveBot(s, bot), order); });
          },
          "The timeline of an order, or None.", arg("bot"), arg("order"))
      .def(
          "list",
          [](Latency& r, std::optional<BotRef> bot, std::optional<Timestamp> start,
             std::optional<Timestamp> end, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              LatencyFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.range = Range(start, end);
              f.include_test = include_test;
              return s.latency().List(f);
            });
          },
          "Timelines by order time.", arg("bot") = py::none(), arg("start") = py::none(),
          arg("end") = py::none(), arg("include_test") = false)
      .def(
          "percentiles",
          [](Latency& r, std::optional<BotRef> bot, std::optional<Timestamp> start,
             std::optional<Timestamp> end, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              LatencyFilter f;
              if (bot) f.bot = ResolveBot(s, *bot);
              f.range = Range(start, end);
              f.include_test = include_test;
              return s.latency().Percentiles(f);
            });
          },
          "Nearest-rank min, p50, p90, p99 and max of each leg (int microseconds).",
          arg("bot") = py::none(), arg("start") = py::none(), arg("end") = py::none(),
          arg("include_test") = false);

  py::class_<News>(m, "News", "store.news: news feeds and the items a bot has seen.")
      .def(
          "add_feed",
          [](News& r, const py::object& feed, const py::kwargs& kw) {
            NewsFeed v = FromKwargs<NewsFeed>(feed, kw);
            return Run(*r.h, [&](Store& s) { return s.news().AddFeed(v); });
          },
          "Adds a feed (Conflict if the bot has one of that name).", arg("feed") = py::none())
      .def(
          "set_feed_enabled",
          [](News& r, const BotRef& bot, std::int64_t feed_id, bool enabled) {
            return Run(*r.h, [&](Store& s) {
              return s.news().SetFeedEnabled(ResolveBot(s, bot), feed_id, enabled);
            });
          },
          "Enables or disables a feed (NotFound if missing).", arg("bot"), arg("feed_id"),
          arg("enabled"))
      .def(
          "get_feed",
          [](News& r, const BotRef& bot, std::int64_t feed_id) {
            return Run(*r.h,
                       [&](Store& s) { return s.news().GetFeed(ResolveBot(s, bot), feed_id); });
          },
          "NotFound if missing.", arg("bot"), arg("feed_id"))
      .def(
          "feeds",
          [](News& r, const BotRef& bot, bool include_disabled) {
            return Run(*r.h, [&](Store& s) {
              return s.news().Feeds(ResolveBot(s, bot), include_disabled);
            });
          },
          "A bot's feeds by name.", arg("bot"), arg("include_disabled") = false)
      .def(
          "all_feeds",
          [](News& r, bool include_test) {
            return Run(*r.h, [&](Store& s) { return s.news().AllFeeds(include_test); });
          },
          "Every bot's feeds.", arg("include_test") = false)
      .def(
          "mark_seen",
          [](News& r, const py::object& item, const py::kwargs& kw) {
            SeenNewsItem v = FromKwargs<SeenNewsItem>(item, kw);
            return Run(*r.h, [&](Store& s) { return s.news().MarkSeen(v); });
          },
          "Records an item as seen; False if it was already (the first sighting is kept).",
          arg("item") = py::none())
      .def(
          "is_seen",
          [](News& r, const BotRef& bot, std::int64_t feed_id, const std::string& item_key) {
            return Run(*r.h, [&](Store& s) {
              return s.news().IsSeen(ResolveBot(s, bot), feed_id, item_key);
            });
          },
          "Whether the bot has seen the item.", arg("bot"), arg("feed_id"), arg("item_key"))
      .def(
          "seen",
          [](News& r, std::optional<BotRef> bot, std::optional<Timestamp> start,
             std::optional<Timestamp> end, bool include_test) {
            return Run(*r.h, [&](Store& s) {
              std::optional<BotId> id;
              if (bot) id = ResolveBot(s, *bot);
              return s.news().Seen(id, Range(start, end), include_test);
            });
          },
          "Seen items by time (all bots when bot is None).", arg("bot") = py::none(),
          arg("start") = py::none(), arg("end") = py::none(), arg("include_test") = false)
      .def(
          "forget_seen_before",
          [](News& r, const BotRef& bot, Timestamp before) {
            return Run(*r.h, [&](Store& s) {
              return s.news().ForgetSeenBefore(ResolveBot(s, bot), before);
            });
          },
          "Deletes a bot's items seen before `before`; returns how many.", arg("bot"),
          arg("before"));

  py::class_<Changes>(m, "Changes",
                      "store.changes: the change feed, every committed order, fill, position, "
                      "closed trade, balance, risk event, heartbeat and candle import, in commit "
                      "order (what the server's event stream sends).")
      .def(
          "head",
          [](Changes& r) { return Run(*r.h, [&](Store& s) { return s.changes().Head(); }); },
          "The cursor of the newest committed change: after(head()) returns only what comes "
          "later.")
      .def(
          "after",
          [](Changes& r, const std::string& cursor, std::size_t limit, std::optional<BotRef> bot) {
            return Run(*r.h, [&](Store& s) {
              std::optional<BotId> id;
              if (bot) id = ResolveBot(s, *bot);
              return s.changes().After(cursor, limit, id);
            });
          },
          "Up to `limit` events after `cursor` ('' for the oldest kept), in commit order; "
          "InvalidArgument for a malformed cursor.",
          arg("cursor") = "", arg("limit") = 1000, arg("bot") = py::none())
      .def(
          "wait_for_change",
          [](Changes& r, double timeout_seconds) {
            if (!(timeout_seconds >= 0)) {
              throw Error(ErrorKind::kInvalidArgument, "timeout_seconds must be >= 0");
            }
            const auto timeout = std::chrono::milliseconds(
                static_cast<std::int64_t>(std::min(timeout_seconds, 86400.0) * 1000));
            return Run(*r.h, [&](Store& s) { return s.changes().WaitForChange(timeout); });
          },
          "Blocks (GIL released, the store's other calls wait) until a change may have been "
          "committed or the timeout passes; True when something changed. Then call after().",
          arg("timeout_seconds"));
}

template <class R>
R MakeRepo(const Handle& h) {
  R r;
  r.h = h;
  return r;
}

void BindStore(py::module_& m) {
  py::class_<PyUnitOfWork>(m, "UnitOfWork",
                           "A group of calls committed together (see Store.unit_of_work).")
      .def("__enter__", &PyUnitOfWork::Enter, py::return_value_policy::reference_internal)
      .def("__exit__", &PyUnitOfWork::Exit);

  py::class_<StoreHandle, Handle>(m, "Store", "An open store (see tradestore.open).")
      .def(py::init([](const std::optional<std::string>& url,
                       std::optional<std::string> synchronous, std::optional<int> busy_timeout_ms,
                       bool migrate, std::optional<int> retry_ms, std::optional<bool> group_commit,
                       bool read_replica, std::optional<int> chunk_format) {
             auto h = std::make_shared<StoreHandle>();
             StoreOptions options;
             options.synchronous = std::move(synchronous);
             options.busy_timeout_ms = busy_timeout_ms;
             options.migrate = migrate;
             options.retry_ms = retry_ms;
             options.group_commit = group_commit;
             options.read_replica = read_replica;
             options.chunk_format = chunk_format;
             py::gil_scoped_release release;
             h->url = url ? *url : Store::DefaultUrl();
             h->store.emplace(Store::Open(h->url, options));
             return h;
           }),
           arg("url") = py::none(), arg("synchronous") = py::none(),
           arg("busy_timeout_ms") = py::none(), arg("migrate") = true, arg("retry_ms") = py::none(),
           arg("group_commit") = py::none(), arg("read_replica") = false,
           arg("chunk_format") = py::none())
      .def_property_readonly(
          "url", [](StoreHandle& h) { return h.url; }, "The store's URL.")
      .def_property_readonly("closed", [](StoreHandle& h) { return !h.store.has_value(); })
      .def(
          "close",
          [](StoreHandle& h) {
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(h.mutex);
            h.store.reset();
          },
          "Closes the store; later calls raise InvalidArgument. Idempotent.")
      .def(
          "unit_of_work",
          [](const Handle& h, const std::string& database) {
            if (database != "trading" && database != "market") {
              throw InvalidArgument("unit_of_work('" + database +
                                    "'): database must be 'trading' or 'market'");
            }
            return PyUnitOfWork(h, database == "market");
          },
          "A context manager grouping calls on one database ('trading': bots, accounts, "
          "ledger, signals, orders, fills, positions, trades, portfolio, risk, configs, audit; "
          "'market': instruments, candles) into one atomic unit: committed when the block "
          "ends, rolled back when it raises. A call that raised inside poisons the unit: even "
          "if the exception was caught, the commit at the end rolls back and raises Conflict. "
          "Units nest (inner ones join the outermost).",
          arg("database") = "trading")
      .def_property_readonly("instruments", &MakeRepo<Instruments>)
      .def_property_readonly("candles_repo", &MakeRepo<Candles>)
      .def_property_readonly("bots", &MakeRepo<Bots>)
      .def_property_readonly("accounts", &MakeRepo<Accounts>)
      .def_property_readonly("ledger_repo", &MakeRepo<Ledger>)
      .def_property_readonly("signals", &MakeRepo<Signals>)
      .def_property_readonly("orders", &MakeRepo<Orders>)
      .def_property_readonly("positions", &MakeRepo<Positions>)
      .def_property_readonly("trades_repo", &MakeRepo<Trades>)
      .def_property_readonly("portfolio", &MakeRepo<Portfolio>)
      .def_property_readonly("risk", &MakeRepo<Risk>)
      .def_property_readonly("configs", &MakeRepo<Configs>)
      .def_property_readonly("strategies", &MakeRepo<Strategies>)
      .def_property_readonly("audit", &MakeRepo<Audit>)
      .def_property_readonly("daily_pnl", &MakeRepo<DailyPnls>)
      .def_property_readonly("patterns", &MakeRepo<Patterns>)
      .def_property_readonly("ml_results", &MakeRepo<MlResults>)
      .def_property_readonly("latency", &MakeRepo<Latency>)
      .def_property_readonly("news", &MakeRepo<News>)
      .def_property_readonly("changes", &MakeRepo<Changes>);

  // Bulk reads and writes for the package's DataFrame functions.
  m.def("_read_candles", &ReadCandles);
  m.def("_write_candles", &WriteCandles);
  m.def("_trade_columns",
        [](StoreHandle& h, std::optional<BotRef> bot, std::optional<std::string> strategy,
           std::optional<Timestamp> start, std::optional<Timestamp> end, bool include_test,
           const std::string& money) {
          const bool f = MoneyFloat(money);
          auto trades = Run(h, [&](Store& s) {
            TradeFilter filter;
            if (bot) filter.bot = ResolveBot(s, *bot);
            filter.strategy = strategy;
            filter.exit_time = Range(start, end);
            filter.include_test = include_test;
            return s.trades().List(filter);
          });
          return TradeColumns(trades, f);
        });
  m.def("_fill_columns", [](StoreHandle& h, const BotRef& bot, std::optional<Timestamp> start,
                            std::optional<Timestamp> end, const std::string& money) {
    const bool f = MoneyFloat(money);
    auto fills = Run(
        h, [&](Store& s) { return s.orders().ListFills(ResolveBot(s, bot), Range(start, end)); });
    return FillColumns(fills, f);
  });
  m.def("_ledger_columns",
        [](StoreHandle& h, std::optional<BotRef> bot, std::optional<AccountId> account,
           std::optional<std::string> currency, std::optional<LedgerEntryType> type,
           std::optional<Timestamp> start, std::optional<Timestamp> end, bool include_system,
           bool include_test, const std::string& money) {
          const bool f = MoneyFloat(money);
          auto entries = Run(h, [&](Store& s) {
            LedgerFilter filter;
            if (bot) filter.bot = ResolveBot(s, *bot);
            filter.account = account;
            filter.currency = currency;
            filter.type = type;
            filter.from = start;
            filter.to = end;
            filter.include_system = include_system;
            filter.include_test = include_test;
            return s.ledger().Query(filter);
          });
          return LedgerColumns(entries, f);
        });
  m.def("_equity_columns",
        [](StoreHandle& h, const BotRef& bot, const std::optional<std::string>& account,
           std::optional<Timestamp> start, std::optional<Timestamp> end, const std::string& money) {
          const bool f = MoneyFloat(money);
          auto curve = Run(h, [&](Store& s) {
            const BotId id = ResolveBot(s, bot);
            return s.portfolio().Curve(id, ResolveAccount(s, id, account), Range(start, end));
          });
          return EquityColumns(curve, f);
        });
  m.def("_report_json",
        [](StoreHandle& h, const std::string& bot, const std::string& strategy, bool all_bots,
           std::optional<Timestamp> start, std::optional<Timestamp> end, double periods_per_year,
           std::size_t rolling_trades, std::size_t rolling_days) {
          StatisticsSelection selection;
          selection.bot = bot;
          selection.strategy = strategy;
          selection.all_bots = all_bots;
          selection.range = Range(start, end);
          StatisticsOptions options;
          options.periods_per_year = periods_per_year;
          options.rolling_trades = rolling_trades;
          options.rolling_days = rolling_days;
          return Run(h, [&](Store& s) { return ReportJson(s, selection, options, -1); });
        });
  m.def("_default_periods_per_year", [] { return kTradingDaysPerYear; });
  m.def("_import_candles",
        [](StoreHandle& h, const std::string& path, const std::string& symbol, Timeframe tf,
           const std::string& venue, std::optional<std::string> format, double price_divisor,
           std::optional<std::string> base, std::optional<std::string> quote,
           std::optional<int> price_precision, std::optional<int> size_precision,
           bool allow_missing_volume, const std::string& on_duplicate,
           std::optional<Timestamp> compact_before, bool compact_all, bool apply_policy) {
          CandleImportOptions o;
          o.apply_compaction_policy = apply_policy;
          if (compact_all) {
            o.compact_before = Timestamp(std::numeric_limits<std::int64_t>::max());
          } else {
            o.compact_before = compact_before;
          }
          if (on_duplicate == "refuse") {
            o.on_duplicate = CandleDuplicatePolicy::kRefuse;
          } else if (on_duplicate == "first") {
            o.on_duplicate = CandleDuplicatePolicy::kFirst;
          } else if (on_duplicate == "last") {
            o.on_duplicate = CandleDuplicatePolicy::kLast;
          } else {
            throw InvalidArgument("import_candles: on_duplicate: '" + on_duplicate +
                                  "' is not one of refuse, first, last");
          }
          o.symbol = symbol;
          o.venue = venue;
          o.timeframe = tf;
          o.format = std::move(format);
          o.price_divisor = price_divisor;
          o.base_asset = std::move(base);
          o.quote_asset = std::move(quote);
          o.price_precision = price_precision;
          o.size_precision = size_precision;
          o.allow_missing_volume = allow_missing_volume;
          CandleImportSummary r = Run(h, [&](Store& s) { return ImportCandles(s, path, o); });
          py::dict d;
          d["file"] = r.file;
          d["layout"] = r.layout;
          d["instrument"] = r.instrument;
          d["rows_read"] = r.rows_read;
          d["rows_in_store"] = r.rows_in_store;
          d["identical_duplicates"] = r.identical_duplicates;
          d["conflicting_duplicates"] = r.conflicting_duplicates;
          d["first"] = r.first;
          d["last"] = r.last;
          d["newest_first"] = r.newest_first;
          d["seconds"] = r.seconds;
          if (r.compact_before && r.compact_before->micros() > Timestamp::kMaxMicros) {
            d["compact_before"] = "all";  // past every representable time
          } else {
            d["compact_before"] = r.compact_before;
          }
          d["candles_compacted"] = r.candles_compacted;
          d["chunks_written"] = r.chunks_written;
          return d;
        });
  m.def("_export", [](StoreHandle& h, const std::string& entity, const std::string& path,
                      std::optional<DataFormat> format, std::optional<std::string> bot,
                      std::optional<std::string> symbol, std::optional<std::string> venue,
                      std::optional<std::string> timeframe, std::optional<std::string> strategy,
                      std::optional<Timestamp> start, std::optional<Timestamp> end,
                      std::optional<std::int64_t> limit, bool include_test) {
    ExportOptions o;
    if (format) {
      o.format = *format;
    } else if (auto f = FormatFromExtension(path)) {
      o.format = *f;
    } else {
      throw InvalidArgument("export: cannot tell the format of '" + path +
                            "' from its extension; pass format='csv', 'jsonl' or 'sql'");
    }
    o.filter.bot = std::move(bot);
    o.filter.symbol = std::move(symbol);
    o.filter.venue = std::move(venue);
    o.filter.timeframe = std::move(timeframe);
    o.filter.strategy = std::move(strategy);
    o.filter.from = start;
    o.filter.to = end;
    o.filter.limit = limit;
    o.filter.include_test = include_test;
    ExportSummary r = Run(h, [&](Store& s) { return ExportEntityToFile(s, entity, path, o); });
    py::dict d;
    d["entity"] = r.entity;
    d["table"] = r.table;
    d["rows"] = r.rows;
    return d;
  });
  m.def("_known_entities", &KnownEntities);

  py::class_<PyPaperBroker>(m, "PaperBroker",
                            "Simulated execution of a bot's orders against candles, recorded "
                            "exactly as a live venue's reports (docs/paper-broker.md).")
      .def(py::init([](const Handle& h, const BotRef& bot, AccountId account,
                       const paper::PaperConfig& config, const std::string& venue) {
             PyPaperBroker b;
             b.h = h;
             b.broker = Run(*h, [&](Store& s) {
               return std::make_unique<paper::PaperBroker>(s, ResolveBot(s, bot), account, config,
                                                           venue);
             });
             return b;
           }),
           arg("store"), arg("bot"), arg("account_id"), arg("config"), arg("venue") = "paper")
      .def(
          "submit",
          [](PyPaperBroker& b, const py::object& o, const py::kwargs& kw) {
            Order v = FromKwargs<Order>(o, kw);
            return Run(*b.h, [&](Store&) { return b.broker->Submit(v); });
          },
          "Records an order (an Order or keywords) and accepts it; it works from the first "
          "candle opening at or after order.created_at.",
          arg("order") = py::none())
      .def(
          "cancel",
          [](PyPaperBroker& b, OrderId id, Timestamp time, const std::string& reason) {
            return Run(*b.h, [&](Store&) { return b.broker->Cancel(id, time, reason); });
          },
          "Cancels a working order.", arg("id"), arg("time"), arg("reason") = "cancelled by user")
      .def(
          "on_candle",
          [](PyPaperBroker& b, const Instrument& instrument, Timeframe tf, const Candle& candle) {
            return Run(*b.h, [&](Store&) { return b.broker->OnCandle(instrument, tf, candle); });
          },
          "Processes one candle: expiries, triggers, fills (list of FillOutcome).",
          arg("instrument"), arg("timeframe"), arg("candle"));

  m.def("unrealized_pnl", &UnrealizedPnl,
        "Unrealized P&L of a position marked at a price (Decimal, quote currency).",
        arg("position"), arg("price"));
  m.def("default_url", &Store::DefaultUrl,
        "$TRADESTORE_URL if set and non-empty, else 'sqlite:tradestore-data'.");
}

}  // namespace
}  // namespace tradestore::python

PYBIND11_MODULE(_core, m) {
  using namespace tradestore::python;
  m.doc() = "tradestore's C++ core (pybind11); import tradestore instead.";
  RegisterErrors(m);
  BindRecords(m);
  BindRepositories(m);
  BindStore(m);
}
