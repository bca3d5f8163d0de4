// Conversions between tradestore's value types and Python's, for the
// bindings in module.cc:
//   Decimal    <-> decimal.Decimal (exact, through the canonical text); int
//                  and str are accepted too; float is refused with TypeError
//                  (no silent binary floating point in money);
//   Timestamp  <-> datetime.datetime with tzinfo=UTC (µs); aware datetimes
//                  in any zone, pandas.Timestamp and numpy.datetime64 are
//                  accepted; a naive datetime is refused with TypeError;
//   enums      <-> their stable lowercase names ("buy", "filled", "1h", ...).
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>

#include "tradestore/audit.h"
#include "tradestore/bot.h"
#include "tradestore/config.h"
#include "tradestore/decimal.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/fill.h"
#include "tradestore/ledger.h"
#include "tradestore/order.h"
#include "tradestore/order_types.h"
#include "tradestore/position.h"
#include "tradestore/risk.h"
#include "tradestore/signal.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

namespace tradestore::python {

// Python objects looked up once (the module holds the interpreter's
// references for its whole life; never destroyed, as pybind11 advises for
// objects that may outlive the interpreter's teardown).
struct PyTypes {
  pybind11::object decimal;     // decimal.Decimal
  pybind11::object datetime;    // datetime.datetime
  pybind11::object timedelta;   // datetime.timedelta
  pybind11::object epoch;       // datetime(1970, 1, 1, tzinfo=timezone.utc)
  pybind11::object datetime64;  // numpy.datetime64, or None without numpy
};
PyTypes& Types();

}  // namespace tradestore::python

namespace pybind11::detail {

template <>
struct type_caster<tradestore::Decimal> {
  PYBIND11_TYPE_CASTER(tradestore::Decimal, const_name("decimal.Decimal"));

  bool load(handle src, bool) {
    PyObject* p = src.ptr();
    if (PyFloat_Check(p)) {
      throw type_error("money and quantities must be decimal.Decimal, int or str, not float (" +
                       std::string(pybind11::repr(src)) +
                       "): a float cannot hold most decimal values exactly");
    }
    if (PyBool_Check(p)) return false;
    if (PyLong_Check(p) || PyUnicode_Check(p) ||
        PyObject_IsInstance(p, tradestore::python::Types().decimal.ptr()) == 1) {
      value = tradestore::Decimal::Parse(std::string(pybind11::str(src)));
      return true;
    }
    return false;
  }
  static handle cast(const tradestore::Decimal& d, return_value_policy, handle) {
    return tradestore::python::Types().decimal(d.ToString()).release();
  }
};

template <>
struct type_caster<tradestore::Timestamp> {
  PYBIND11_TYPE_CASTER(tradestore::Timestamp, const_name("datetime.datetime"));

  bool load(handle src, bool) {
    auto& types = tradestore::python::Types();
    PyObject* p = src.ptr();
    if (PyObject_IsInstance(p, types.datetime.ptr()) == 1) {
      object offset = src.attr("utcoffset")();
      if (offset.is_none()) {
        throw type_error("naive datetime " + std::string(pybind11::str(src)) +
                         " refused: times must be timezone-aware (e.g. tzinfo=timezone.utc)");
      }
      object delta = src - types.epoch;
      const std::int64_t days = delta.attr("days").cast<std::int64_t>();
      const std::int64_t seconds = delta.attr("seconds").cast<std::int64_t>();
      const std::int64_t micros = delta.attr("microseconds").cast<std::int64_t>();
      value = tradestore::Timestamp(days * tradestore::kMicrosPerDay +
                                    seconds * tradestore::kMicrosPerSecond + micros);
      return true;
    }
    if (!types.datetime64.is_none() && PyObject_IsInstance(p, types.datetime64.ptr()) == 1) {
      object us = src.attr("astype")("datetime64[us]");
      if (pybind11::module_::import("numpy").attr("isnat")(us).cast<bool>()) {
        throw value_error("numpy.datetime64('NaT') is not a time");
      }
      value = tradestore::Timestamp(us.attr("astype")("int64").cast<std::int64_t>());
      return true;
    }
    return false;
  }
  static handle cast(const tradestore::Timestamp& t, return_value_policy, handle) {
    auto& types = tradestore::python::Types();
    return (types.epoch + types.timedelta(0, 0, t.micros())).release();
  }
};

// An enum as its lowercase name; `Parse` throws Error(kInvalidArgument)
// naming an unknown text.
template <class E, E (*Parse)(std::string_view)>
struct enum_name_caster {
  PYBIND11_TYPE_CASTER(E, const_name("str"));
  bool load(handle src, bool) {
    if (!PyUnicode_Check(src.ptr())) return false;
    value = Parse(src.cast<std::string>());
    return true;
  }
  static handle cast(const E& e, return_value_policy, handle) {
    return pybind11::str(std::string(tradestore::ToString(e))).release();
  }
};

#define TRADESTORE_ENUM_CASTER(E, PARSE) \
  template <>                            \
  struct type_caster<E> : enum_name_caster<E, &PARSE> {}

TRADESTORE_ENUM_CASTER(tradestore::Side, tradestore::ParseSide);
TRADESTORE_ENUM_CASTER(tradestore::OrderType, tradestore::ParseOrderType);
TRADESTORE_ENUM_CASTER(tradestore::TimeInForce, tradestore::ParseTimeInForce);
TRADESTORE_ENUM_CASTER(tradestore::OrderStatus, tradestore::ParseOrderStatus);
TRADESTORE_ENUM_CASTER(tradestore::OrderEventKind, tradestore::ParseOrderEventKind);
TRADESTORE_ENUM_CASTER(tradestore::RunMode, tradestore::ParseRunMode);
TRADESTORE_ENUM_CASTER(tradestore::BotStatus, tradestore::ParseBotStatus);
TRADESTORE_ENUM_CASTER(tradestore::Liquidity, tradestore::ParseLiquidity);
TRADESTORE_ENUM_CASTER(tradestore::AccountKind, tradestore::ParseAccountKind);
TRADESTORE_ENUM_CASTER(tradestore::LedgerEntryType, tradestore::ParseLedgerEntryType);
TRADESTORE_ENUM_CASTER(tradestore::SnapshotKind, tradestore::ParseSnapshotKind);
TRADESTORE_ENUM_CASTER(tradestore::PositionEventType, tradestore::ParsePositionEventType);
TRADESTORE_ENUM_CASTER(tradestore::SignalAction, tradestore::ParseSignalAction);
TRADESTORE_ENUM_CASTER(tradestore::SignalResult, tradestore::ParseSignalResult);
TRADESTORE_ENUM_CASTER(tradestore::Timeframe, tradestore::ParseTimeframe);
TRADESTORE_ENUM_CASTER(tradestore::RiskLimitKind, tradestore::ParseRiskLimitKind);
TRADESTORE_ENUM_CASTER(tradestore::ConfigKind, tradestore::ParseConfigKind);
TRADESTORE_ENUM_CASTER(tradestore::Severity, tradestore::ParseSeverity);
TRADESTORE_ENUM_CASTER(tradestore::DataFormat, tradestore::ParseDataFormat);

#undef TRADESTORE_ENUM_CASTER

}  // namespace pybind11::detail
