// ImportLegacyJson: a legacy bot's signals.json, trades.json and
// holdings.json; see include/tradestore/legacy_import.h and
// docs/export-import.md.
#include "tradestore/legacy_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "store/entities.h"
#include "store/store_impl.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A field's problem: the record is skipped with this reason.
struct Skip {
  std::string pointer;
  std::string reason;
};

// Reads FILE as JSON; nullopt when missing. Malformed JSON is fatal.
std::optional<json> ReadJson(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kStorage, fmt::format("{}: cannot read", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  // The byte offset -> "line:column".
  const auto position = [&](std::size_t at) {
    at = std::min(at, text.size());
    const std::int64_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
    const std::size_t bol = text.rfind('\n', at == 0 ? 0 : at - 1);
    const std::size_t column = at - (bol == std::string::npos ? 0 : bol + 1) + 1;
    return fmt::format("{}:{}", line, column);
  };
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument(fmt::format("{}:{}: not valid JSON: {}", path.string(),
                                      position(e.byte == 0 ? 0 : e.byte - 1), e.what()));
  } catch (const json::exception& e) {
    // A number beyond a double (1E400) is out_of_range, which carries no offset; its message
    // quotes the number, so the first occurrence of that text places it.
    const std::string what = e.what();
    const std::size_t open = what.find('\'');
    const std::size_t close = what.rfind('\'');
    const std::size_t at =
        open < close ? text.find(what.substr(open + 1, close - open - 1)) : std::string::npos;
    if (at == std::string::npos) {
      throw InvalidArgument(fmt::format("{}: not valid JSON: {}", path.string(), what));
    }
    throw InvalidArgument(
        fmt::format("{}:{}: not valid JSON: {}", path.string(), position(at), what));
  }
}

std::string Ptr(std::size_t index, std::string_view field = {}) {
  return field.empty() ? fmt::format("/{}", index) : fmt::format("/{}/{}", index, field);
}

std::string Shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 60) + "...";
  return s;
}

// Required or optional typed fields of one record; a problem throws Skip.
class Record {
 public:
  Record(const json& j, std::size_t index) : j_(j), index_(index) {
    if (!j.is_object()) throw Skip{Ptr(index), "not a JSON object"};
  }
  const json* Find(std::string_view field) const {
    const auto it = j_.find(std::string(field));
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  const json& Need(std::string_view field) const {
    const json* v = Find(field);
    if (v == nullptr) throw Skip{Ptr(index_, field), fmt::format("missing field '{}'", field)};
    return *v;
  }
  std::string Text(std::string_view field) const {
    const json& v = Need(field);
    if (!v.is_string() || v.get<std::string>().empty()) {
      throw Skip{Ptr(index_, field),
                 fmt::format("'{}' must be a non-empty string, not {}", field, Shown(v))};
    }
    return v.get<std::string>();
  }
  std::int64_t Id(std::string_view field) const {
    const json& v = Need(field);
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_string()) {
      try {
        std::size_t used = 0;
        const std::int64_t id = std::stoll(v.get<std::string>(), &used);
        if (used == v.get<std::string>().size()) return id;
      } catch (const std::exception&) {
      }
    }
    throw Skip{Ptr(index_, field), fmt::format("'{}' must be an integer, not {}", field, Shown(v))};
  }
  // A number or numeric string, exactly as written where possible.
  Decimal Number(std::string_view field) const { return ToDecimal(Need(field), field); }
  std::optional<Decimal> OptionalNumber(std::string_view field) const {
    const json* v = Find(field);
    return v ? std::optional(ToDecimal(*v, field)) : std::nullopt;
  }
  // ISO-8601 text (UTC when no offset) or epoch seconds.
  Timestamp Time(std::string_view field) const {
    const json& v = Need(field);
    if (v.is_string()) {
      if (auto t = Timestamp::TryParse(v.get<std::string>())) return *t;
    } else if (v.is_number() && std::isfinite(v.get<double>())) {
      return Timestamp(static_cast<std::int64_t>(std::llround(v.get<double>() * 1e6)));
    }
    throw Skip{Ptr(index_, field),
               fmt::format("'{}' is not an ISO-8601 time or epoch seconds: {}", field, Shown(v))};
  }
  bool Flag(std::string_view field) const {
    const json* v = Find(field);
    if (v == nullptr) return false;
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_number_integer()) return v->get<std::int64_t>() != 0;
    throw Skip{Ptr(index_, field),
               fmt::format("'{}' must be true or false, not {}", field, Shown(*v))};
  }
  std::size_t index() const { return index_; }

 private:
  Decimal ToDecimal(const json& v, std::string_view field) const {
    std::optional<Decimal> d;
    if (v.is_string()) {
      d = Decimal::TryParse(v.get<std::string>());
    } else if (v.is_number_integer()) {
      d = Decimal::TryParse(v.dump());
    } else if (v.is_number_float() && std::isfinite(v.get<double>())) {
      d = Decimal::TryParse(v.dump());
      if (!d) d = Decimal::FromDouble(v.get<double>(), 12);
    }
    if (!d) {
      throw Skip{Ptr(index_, field), fmt::format("'{}' is not a number: {}", field, Shown(v))};
    }
    return *d;
  }

  const json& j_;
  std::size_t index_;
};

bool IsTestSymbol(const std::string& symbol) {
  if (symbol.size() < 4) return false;
  std::string head = symbol.substr(0, 4);
  std::transform(head.begin(), head.end(), head.begin(), ::toupper);
  return head == "TEST";
}

struct PlannedSignal {
  std::size_t index;
  std::int64_t legacy_id;
  Signal signal;  // bot and instrument set at write time
  std::string symbol;
  bool test = false;
};

struct PlannedTrade {
  std::size_t index;
  std::int64_t legacy_id;
  std::string symbol;
  Side side;
  Decimal amount, price, fee;
  Timestamp time;
  std::optional<std::int64_t> signal_id;
  std::string venue_order_id;
  bool test = false;
};

}  // namespace

LegacyImportReport ImportLegacyJson(Store& store, const std::string& dir,
                                    const LegacyImportOptions& options) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw NotFound(fmt::format("{}: no such directory", dir));
  LegacyImportReport report;

  // bot.json
  std::string bot_name = options.bot_name;
  if (bot_name.empty()) bot_name = fs::absolute(root).lexically_normal().filename().string();
  if (bot_name.empty()) bot_name = fs::absolute(root).lexically_normal().parent_path().filename();
  std::string venue = options.venue, version;
  RunMode mode = RunMode::kLive;
  if (auto b = ReadJson(root / "bot.json")) {
    const std::string file = (root / "bot.json").string();
    if (!b->is_object()) throw InvalidArgument(file + ": must be a JSON object");
    auto text = [&](const char* key, std::string& out) {
      if (!b->contains(key)) return;
      if (!(*b)[key].is_string() || (*b)[key].get<std::string>().empty()) {
        throw InvalidArgument(fmt::format("{}: field '{}' value {}: must be a non-empty string",
                                          file, key, Shown((*b)[key])));
      }
      out = (*b)[key].get<std::string>();
    };
    if (options.bot_name.empty()) text("name", bot_name);
    text("version", version);
    text("venue", venue);
    std::string m;
    text("mode", m);
    if (!m.empty()) {
      try {
        mode = ParseRunMode(m);
      } catch (const Error&) {
        throw InvalidArgument(
            fmt::format("{}: field 'mode' value '{}': use live, paper or backtest", file, m));
      }
    }
  }
  report.bot = bot_name;

  const std::optional<json> signals_json = ReadJson(root / "signals.json");
  const std::optional<json> trades_json = ReadJson(root / "trades.json");
  const std::optional<json> holdings_json = ReadJson(root / "holdings.json");
  if (!signals_json && !trades_json && !holdings_json) {
    throw NotFound(
        fmt::format("{}: none of signals.json, trades.json, holdings.json is there", dir));
  }
  for (const auto& [name, j, want_array] : {std::tuple{"signals.json", &signals_json, true},
                                            std::tuple{"trades.json", &trades_json, true},
                                            std::tuple{"holdings.json", &holdings_json, false}}) {
    if (!*j) continue;
    if (want_array ? !(*j)->is_array() : !(*j)->is_object()) {
      throw InvalidArgument(fmt::format("{}:1:1: the top level must be a JSON {}",
                                        (root / name).string(), want_array ? "array" : "object"));
    }
  }
  auto tag = [&](const char* file, std::string pointer, std::string reason) {
    report.tagged.push_back({file, std::move(pointer), std::move(reason)});
  };
  auto skip = [&](const char* file, std::string pointer, std::string reason) {
    report.skipped.push_back({file, std::move(pointer), std::move(reason)});
  };
  // The test-data rules; returns the reasons that apply.
  auto rules = [&](const std::string& symbol, const std::optional<Decimal>& amount,
                   const std::optional<Decimal>& price, bool test_mode) {
    std::vector<std::string> why;
    if (IsTestSymbol(symbol)) why.push_back(fmt::format("symbol '{}' starts with TEST", symbol));
    if (test_mode) why.push_back("test_mode is true");
    if (amount && amount->IsZero()) why.push_back("zero amount");
    if (amount && *amount > options.max_amount) {
      why.push_back(
          fmt::format("amount {} above {}", amount->ToString(), options.max_amount.ToString()));
    }
    if (price && price->IsZero()) why.push_back("zero price");
    if (price && *price > options.max_price) {
      why.push_back(
          fmt::format("price {} above {}", price->ToString(), options.max_price.ToString()));
    }
    return why;
  };
  auto join = [](const std::vector<std::string>& v) {
    return fmt::format("{}", fmt::join(v, "; "));
  };

  // signals.json
  std::vector<PlannedSignal> signals;
  std::set<std::int64_t> signal_ids;
  if (signals_json) {
    for (std::size_t i = 0; i < signals_json->size(); ++i) {
      try {
        const Record r((*signals_json)[i], i);
        PlannedSignal p;
        p.index = i;
        p.legacy_id = r.Id("id");
        if (!signal_ids.insert(p.legacy_id).second) {
          throw Skip{Ptr(i, "id"), fmt::format("duplicate signal id {}", p.legacy_id)};
        }
        p.symbol = r.Text("symbol");
        p.signal.time = r.Time("timestamp");
        const std::string action = r.Text("final_signal");
        std::string upper = action;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        if (upper == "HOLD") {
          signal_ids.erase(p.legacy_id);
          throw Skip{Ptr(i, "final_signal"), "HOLD: not a buy or sell signal"};
        }
        if (upper != "BUY" && upper != "SELL") {
          signal_ids.erase(p.legacy_id);
          throw Skip{Ptr(i, "final_signal"), fmt::format("'{}' is not BUY, SELL or HOLD", action)};
        }
        p.signal.side = upper == "BUY" ? Side::kBuy : Side::kSell;
        const std::optional<Decimal> confidence = r.OptionalNumber("final_confidence");
        p.signal.strength = confidence ? confidence->ToDouble() : 0.0;
        const std::optional<Decimal> price = r.OptionalNumber("price");
        if (price && price->IsNegative()) {
          signal_ids.erase(p.legacy_id);
          throw Skip{Ptr(i, "price"), fmt::format("negative price {}", price->ToString())};
        }
        if (price) p.signal.price = price->ToDouble();
        p.signal.strategy = "legacy";
        if (const json* m = r.Find("aggregation_method"); m && m->is_string()) {
          p.signal.strategy = m->get<std::string>();
        }
        json note = json::object();
        for (const char* k : {"strategies", "bot_version", "strategy_version"}) {
          if (const json* v = r.Find(k)) note[k] = *v;
        }
        note["legacy_id"] = p.legacy_id;
        p.signal.note = note.dump();
        p.signal.mode = mode;
        const std::vector<std::string> why =
            rules(p.symbol, std::nullopt, price, r.Flag("test_mode"));
        p.test = !why.empty();
        if (p.test) tag("signals.json", Ptr(i), join(why));
        signals.push_back(std::move(p));
      } catch (const Skip& s) {
        skip("signals.json", s.pointer, s.reason);
      }
    }
  }

  // trades.json
  std::vector<PlannedTrade> trades;
  std::set<std::int64_t> trade_ids;
  if (trades_json) {
    for (std::size_t i = 0; i < trades_json->size(); ++i) {
      try {
        const Record r((*trades_json)[i], i);
        PlannedTrade p;
        p.index = i;
        p.legacy_id = r.Id("id");
        if (trade_ids.count(p.legacy_id)) {
          throw Skip{Ptr(i, "id"), fmt::format("duplicate trade id {}", p.legacy_id)};
        }
        p.symbol = r.Text("symbol");
        p.time = r.Time("timestamp");
        std::string action = r.Text("action");
        std::transform(action.begin(), action.end(), action.begin(), ::toupper);
        if (action != "BUY" && action != "SELL") {
          throw Skip{Ptr(i, "action"), fmt::format("'{}' is not BUY or SELL", r.Text("action"))};
        }
        p.side = action == "BUY" ? Side::kBuy : Side::kSell;
        p.amount = r.Number("amount");
        p.price = r.Number("price");
        p.fee = r.OptionalNumber("fee").value_or(Decimal());
        if (p.amount.IsNegative()) {
          throw Skip{Ptr(i, "amount"), fmt::format("negative amount {}", p.amount.ToString())};
        }
        if (p.price.IsNegative()) {
          throw Skip{Ptr(i, "price"), fmt::format("negative price {}", p.price.ToString())};
        }
        if (const json* s = r.Find("signal_id")) {
          (void)s;
          p.signal_id = r.Id("signal_id");
        }
        if (const json* o = r.Find("order_id")) {
          p.venue_order_id = o->is_string() ? o->get<std::string>() : o->dump();
        }
        const std::vector<std::string> why =
            rules(p.symbol, p.amount, p.price, r.Flag("test_mode"));
        p.test = !why.empty();
        if (p.test) {
          if (p.amount.IsZero() || p.price.IsZero()) {
            throw Skip{Ptr(i), "test data (" + join(why) +
                                   "): a zero amount or price cannot be "
                                   "recorded as a fill"};
          }
          tag("trades.json", Ptr(i), join(why));
        }
        trade_ids.insert(p.legacy_id);
        trades.push_back(std::move(p));
      } catch (const Skip& s) {
        skip("trades.json", s.pointer, s.reason);
      }
    }
  }
  std::stable_sort(trades.begin(), trades.end(), [](const PlannedTrade& a, const PlannedTrade& b) {
    return a.time != b.time ? a.time < b.time : a.legacy_id < b.legacy_id;
  });

  // Instruments: found or created (created ones are removed on failure).
  std::map<std::string, InstrumentId> instruments;
  std::vector<std::int64_t> created;
  auto instrument = [&](const std::string& symbol) {
    if (auto it = instruments.find(symbol); it != instruments.end()) return it->second;
    InstrumentId id;
    if (auto found = store.instruments().Find(venue, symbol)) {
      id = found->id;
    } else {
      Instrument i;
      i.venue = venue;
      i.symbol = symbol;
      std::tie(i.base_asset, i.quote_asset) = SplitSymbol(symbol);
      if (i.quote_asset.empty()) i.quote_asset = "USD";
      i.price_precision = 8;
      i.size_precision = 8;
      id = store.instruments().Upsert(i).id;
      created.push_back(id);
    }
    instruments[symbol] = id;
    return id;
  };

  try {
    if (store.bots().FindByName(bot_name)) {
      throw Conflict(
          fmt::format("bot '{}' exists already; a legacy import makes a new bot (use "
                      "--bot NAME)",
                      bot_name));
    }
    const bool any_test =
        std::any_of(signals.begin(), signals.end(), [](const auto& s) { return s.test; }) ||
        std::any_of(trades.begin(), trades.end(), [](const auto& t) { return t.test; });
    const std::string test_name = bot_name + "-test";
    if (any_test && store.bots().FindByName(test_name)) {
      throw Conflict(fmt::format("bot '{}' exists already", test_name));
    }
    for (const auto& s : signals) instrument(s.symbol);
    for (const auto& t : trades) instrument(t.symbol);

    UnitOfWork uow = store.BeginTrading();
    Bot bot;
    bot.name = bot_name;
    bot.version = version;
    bot.strategy = "legacy";
    bot.mode = mode;
    const Bot real = store.bots().Create(bot);
    const AccountId real_account = store.accounts().Create(real.id, "main").id;
    report.bot_id = real.id;
    BotId test_bot = 0;
    AccountId test_account = 0;
    if (any_test) {
      bot.name = test_name;
      bot.is_test = true;
      const Bot t = store.bots().Create(bot);
      test_bot = t.id;
      test_account = store.accounts().Create(t.id, "main").id;
      report.test_bot = test_name;
      report.test_bot_id = test_bot;
    }
    // legacy signal id -> (bot, new id, strategy)
    std::map<std::int64_t, std::tuple<BotId, SignalId, std::string>> signal_map;
    std::set<std::int64_t> acted;
    for (const auto& t : trades) {
      if (t.signal_id) acted.insert(*t.signal_id);
    }
    for (auto& s : signals) {
      Signal sig = s.signal;
      sig.bot_id = s.test ? test_bot : real.id;
      sig.instrument_id = instruments.at(s.symbol);
      sig.is_test = s.test;
      sig.acted_on = acted.count(s.legacy_id) > 0;
      const Signal stored = store.signals().Record(sig);
      signal_map[s.legacy_id] = {sig.bot_id, stored.id, sig.strategy};
      ++report.signals_imported;
    }
    for (const auto& t : trades) {
      Order o;
      o.bot_id = t.test ? test_bot : real.id;
      o.account_id = t.test ? test_account : real_account;
      o.instrument_id = instruments.at(t.symbol);
      o.client_order_id = fmt::format("legacy-{}", t.legacy_id);
      o.venue_order_id = t.venue_order_id;
      o.strategy = "legacy";
      if (t.signal_id) {
        const auto it = signal_map.find(*t.signal_id);
        if (it == signal_map.end()) {
          report.warnings.push_back(
              {"trades.json", Ptr(t.index, "signal_id"),
               fmt::format("signal {} was not imported: the trade is kept without it",
                           *t.signal_id)});
        } else if (std::get<0>(it->second) != o.bot_id) {
          report.warnings.push_back(
              {"trades.json", Ptr(t.index, "signal_id"),
               fmt::format("signal {} is {} and the trade {}: the link is dropped", *t.signal_id,
                           t.test ? "real data" : "test data",
                           t.test ? "test data" : "real data")});
        } else {
          o.signal_id = std::get<1>(it->second);
          o.strategy = std::get<2>(it->second);
        }
      }
      o.side = t.side;
      o.type = OrderType::kMarket;
      o.quantity = t.amount;
      o.mode = mode;
      o.is_test = t.test;
      o.created_at = t.time;
      const Order created_order = store.orders().Create(o);
      store.orders().Transition(o.bot_id, created_order.id, OrderStatus::kAccepted, t.time,
                                "legacy import");
      Fill f;
      f.bot_id = o.bot_id;
      f.order_id = created_order.id;
      f.venue = venue;
      f.venue_fill_id = fmt::format("legacy-{}", t.legacy_id);
      f.quantity = t.amount;
      f.price = t.price;
      f.fee = t.fee;
      f.time = t.time;
      store.orders().RecordFill(f);
      ++report.trades_imported;
    }

    // holdings.json: checked against the net of the real bot's trades.
    if (holdings_json) {
      std::map<std::string, Decimal> net;
      for (const auto& t : trades) {
        if (t.test) continue;
        net[t.symbol] = net[t.symbol] + (t.side == Side::kBuy ? t.amount : -t.amount);
      }
      std::size_t i = 0;
      for (const auto& [symbol, h] : holdings_json->items()) {
        const std::string pointer = "/" + symbol;
        try {
          if (!h.is_object()) throw Skip{pointer, "not a JSON object"};
          const Record r(h, i);
          const Decimal amount = r.Number("amount");
          const std::optional<Decimal> price = r.OptionalNumber("avg_price");
          const std::vector<std::string> why = rules(symbol, amount, price, r.Flag("test_mode"));
          if (!why.empty()) {
            tag("holdings.json", pointer, join(why) + " (holdings are checked, not stored)");
          } else if (net[symbol] == amount) {
            ++report.holdings_verified;
          } else {
            report.warnings.push_back(
                {"holdings.json", pointer + "/amount",
                 fmt::format("holding {} differs from the net of the imported trades {}; "
                             "positions come from the trades",
                             amount.ToString(), net[symbol].ToString())});
          }
        } catch (const Skip& s) {
          // Record's pointers are by index; name the symbol instead.
          const std::size_t slash = s.pointer.find('/', 1);
          skip("holdings.json",
               slash == std::string::npos ? pointer : pointer + s.pointer.substr(slash), s.reason);
        }
        ++i;
      }
    }
    uow.Commit();
  } catch (...) {
    detail::DeleteUnusedInstruments(detail::ImplOf(store), created);
    throw;
  }
  return report;
}

}  // namespace tradestore
