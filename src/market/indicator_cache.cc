// The indicator cache's market-layer half: indicator names, computation over
// a stored series with the streaming indicators, incremental refresh.
#include "tradestore/indicator_cache.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include "store/indicator_cache_internal.h"
#include "tradestore/error.h"
#include "tradestore/indicators.h"
#include "tradestore/market_regime.h"

namespace tradestore {
namespace {

constexpr const char* kKnown =
    "known: sma(N), ema(N), rsi(N), atr(N), adx(N), bollinger(N,K), macd(F,S,G), vwap(session), "
    "regime(N)";

[[noreturn]] void Bad(std::string_view text, const std::string& why) {
  throw InvalidArgument("indicator '" + std::string(text) + "': " + why + " (" + kKnown + ")");
}

std::string Trim(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::size_t ParsePeriod(std::string_view text, std::string_view arg) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
  if (ec != std::errc() || end != arg.data() + arg.size() || value < 1 || value > 100000) {
    Bad(text, "period '" + std::string(arg) + "' is not a whole number in 1..100000");
  }
  return value;
}

std::string FormatK(double k) {
  std::ostringstream s;
  s << k;
  return s.str();
}

// Feeds candles to one indicator and turns its output into a row.
class Runner {
 public:
  explicit Runner(const IndicatorSpec& spec) : spec_(spec) {
    const auto p = [&](std::size_t i) { return spec.periods.at(i); };
    switch (spec.kind) {
      case IndicatorKind::kSma:
        sma_ = std::make_unique<Sma>(p(0));
        break;
      case IndicatorKind::kEma:
        ema_ = std::make_unique<Ema>(p(0));
        break;
      case IndicatorKind::kRsi:
        rsi_ = std::make_unique<Rsi>(p(0));
        break;
      case IndicatorKind::kAtr:
        atr_ = std::make_unique<Atr>(p(0));
        break;
      case IndicatorKind::kAdx:
        adx_ = std::make_unique<Adx>(p(0));
        break;
      case IndicatorKind::kBollinger:
        bollinger_ = std::make_unique<BollingerBands>(p(0), spec.k);
        break;
      case IndicatorKind::kMacd:
        macd_ = std::make_unique<Macd>(p(0), p(1), p(2));
        break;
      case IndicatorKind::kVwap:
        vwap_ = std::make_unique<Vwap>();
        break;
      case IndicatorKind::kRegime: {
        RegimeOptions options;
        options.period = p(0);
        regime_ = std::make_unique<RegimeClassifier>(options);
        break;
      }
    }
  }

  std::optional<IndicatorValue> Update(const Candle& c) {
    IndicatorValue v;
    v.open_time = c.open_time;
    switch (spec_.kind) {
      case IndicatorKind::kSma:
        return Single(v, sma_->Update(c.close));
      case IndicatorKind::kEma:
        return Single(v, ema_->Update(c.close));
      case IndicatorKind::kRsi:
        return Single(v, rsi_->Update(c));
      case IndicatorKind::kAtr:
        return Single(v, atr_->Update(c));
      case IndicatorKind::kVwap:
        return Single(v, vwap_->Update(c));
      case IndicatorKind::kAdx: {
        const auto a = adx_->Update(c);
        if (!a) return std::nullopt;
        v.value = a->adx;
        v.value2 = a->plus_di;
        v.value3 = a->minus_di;
        v.value4 = a->dx;
        return v;
      }
      case IndicatorKind::kBollinger: {
        const auto b = bollinger_->Update(c);
        if (!b) return std::nullopt;
        v.value = b->middle;
        v.value2 = b->upper;
        v.value3 = b->lower;
        v.value4 = b->stddev;
        return v;
      }
      case IndicatorKind::kMacd: {
        const auto m = macd_->Update(c);
        if (!m) return std::nullopt;
        v.value = m->line;
        v.value2 = m->signal;
        v.value3 = m->histogram;
        return v;
      }
      case IndicatorKind::kRegime: {
        const auto r = regime_->Update(c);
        if (!r) return std::nullopt;
        v.value = r->adx;
        v.value2 = r->atr_percent;
        v.label = std::string(ToString(r->trend)) + "/" + std::string(ToString(r->volatility));
        return v;
      }
    }
    return std::nullopt;
  }

 private:
  static std::optional<IndicatorValue> Single(IndicatorValue v, std::optional<double> x) {
    if (!x) return std::nullopt;
    v.value = *x;
    return v;
  }

  IndicatorSpec spec_;
  std::unique_ptr<Sma> sma_;
  std::unique_ptr<Ema> ema_;
  std::unique_ptr<Rsi> rsi_;
  std::unique_ptr<Atr> atr_;
  std::unique_ptr<Adx> adx_;
  std::unique_ptr<BollingerBands> bollinger_;
  std::unique_ptr<Macd> macd_;
  std::unique_ptr<Vwap> vwap_;
  std::unique_ptr<RegimeClassifier> regime_;
};

}  // namespace

IndicatorSpec ParseIndicator(std::string_view text) {
  const std::string s = Trim(text);
  std::string base = s;
  std::vector<std::string> args;
  const std::size_t open = s.find('(');
  if (open != std::string::npos) {
    if (s.back() != ')') Bad(text, "expected NAME or NAME(ARGS)");
    base = s.substr(0, open);
    const std::string inner = s.substr(open + 1, s.size() - open - 2);
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = inner.find(',', start);
      args.push_back(inner.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (args.size() == 1 && args[0].empty()) Bad(text, "empty parameter list");
  }
  IndicatorSpec spec;
  const auto periods = [&](std::size_t max, std::vector<std::size_t> defaults) {
    if (args.size() > max) {
      Bad(text, base + " takes at most " + std::to_string(max) + " parameter(s)");
    }
    for (std::size_t i = 0; i < args.size(); ++i) defaults[i] = ParsePeriod(text, args[i]);
    spec.periods = defaults;
  };
  if (base == "sma" || base == "ema" || base == "rsi" || base == "atr" || base == "adx") {
    const bool is_ma = base == "sma" || base == "ema";
    periods(1, {is_ma ? std::size_t{20} : std::size_t{14}});
    spec.kind = base == "sma"   ? IndicatorKind::kSma
                : base == "ema" ? IndicatorKind::kEma
                : base == "rsi" ? IndicatorKind::kRsi
                : base == "atr" ? IndicatorKind::kAtr
                                : IndicatorKind::kAdx;
    spec.name = base + "(" + std::to_string(spec.periods[0]) + ")";
  } else if (base == "bollinger") {
    if (args.size() > 2) Bad(text, "bollinger takes at most 2 parameters");
    spec.kind = IndicatorKind::kBollinger;
    spec.periods = {args.empty() ? std::size_t{20} : ParsePeriod(text, args[0])};
    if (args.size() == 2) {
      double k = 0;
      const auto [end, ec] = std::from_chars(args[1].data(), args[1].data() + args[1].size(), k);
      if (ec != std::errc() || end != args[1].data() + args[1].size() || !std::isfinite(k) ||
          k < 0) {
        Bad(text, "k '" + args[1] + "' is not a finite number >= 0");
      }
      spec.k = k;
    }
    spec.name = "bollinger(" + std::to_string(spec.periods[0]) + "," + FormatK(spec.k) + ")";
  } else if (base == "macd") {
    if (!args.empty() && args.size() != 3) Bad(text, "macd takes 0 or 3 parameters");
    periods(3, {12, 26, 9});
    if (spec.periods[0] >= spec.periods[1]) Bad(text, "macd needs fast < slow");
    spec.kind = IndicatorKind::kMacd;
    spec.name = "macd(" + std::to_string(spec.periods[0]) + "," + std::to_string(spec.periods[1]) +
                "," + std::to_string(spec.periods[2]) + ")";
  } else if (base == "vwap") {
    if (!(args.empty() || (args.size() == 1 && args[0] == "session"))) {
      Bad(text, "vwap takes only 'session' (UTC-day sessions)");
    }
    spec.kind = IndicatorKind::kVwap;
    spec.name = "vwap(session)";
  } else if (base == "regime") {
    periods(1, {14});
    spec.kind = IndicatorKind::kRegime;
    spec.name =
        spec.periods[0] == 14 ? "regime" : "regime(" + std::to_string(spec.periods[0]) + ")";
  } else {
    Bad(text, "unknown indicator");
  }
  return spec;
}

std::vector<IndicatorValue> ComputeIndicator(Store& store, InstrumentId instrument, Timeframe tf,
                                             const IndicatorSpec& spec) {
  Runner runner(spec);
  std::vector<IndicatorValue> out;
  store.candles().ForEach(instrument, tf, {}, [&](const Candle& c) {
    if (auto v = runner.Update(c)) out.push_back(std::move(*v));
    return true;
  });
  return out;
}

IndicatorCacheUpdate UpdateIndicatorCache(Store& store, InstrumentId instrument, Timeframe tf,
                                          const IndicatorSpec& spec, bool recompute) {
  store.instruments().Get(instrument);  // kNotFound for an unknown instrument
  IndicatorCacheUpdate result;
  result.indicator = spec.name;
  result.candles = store.candles().Info(instrument, tf).count;
  const std::vector<IndicatorValue> values = ComputeIndicator(store, instrument, tf, spec);
  result.defined = static_cast<std::int64_t>(values.size());
  std::vector<IndicatorValue> missing;
  if (recompute) {
    missing = values;
  } else {
    const std::vector<Timestamp> cached =
        detail::CachedIndicatorTimes(store, instrument, tf, spec.name);
    for (const IndicatorValue& v : values) {
      if (!std::binary_search(cached.begin(), cached.end(), v.open_time)) missing.push_back(v);
    }
    result.cached = static_cast<std::int64_t>(values.size() - missing.size());
  }
  if (!missing.empty() || recompute) {
    detail::WriteIndicatorValues(store, instrument, tf, spec.name, missing, recompute);
  }
  result.written = static_cast<std::int64_t>(missing.size());
  if (!values.empty()) result.last = values.back().open_time;
  return result;
}

}  // namespace tradestore
