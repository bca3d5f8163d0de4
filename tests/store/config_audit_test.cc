// Versioned configurations, strategy definitions, system events and the
// error log, on both backends.
#include <gtest/gtest.h>

#include "store/records_test_util.h"
#include "tradestore/audit.h"
#include "tradestore/config.h"
#include "tradestore/strategy.h"

namespace tradestore {
namespace {

using testing::RecordsTest;

class Configs : public RecordsTest {
 protected:
  ConfigVersion Doc(BotId b, const std::string& doc, Timestamp from) {
    ConfigVersion c;
    c.bot_id = b;
    c.kind = ConfigKind::kStrategy;
    c.name = "momentum";
    c.document = doc;
    c.effective_from = from;
    return c;
  }
};

TEST_P(Configs, SaveClosesThePreviousVersionAndVersionAtFindsTheOneInForce) {
  const ConfigVersion v1 = store().configs().Save(Doc(bot(), R"({"b": 1, "a": [1, 2]})", t0_));
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.document, R"({"a":[1,2],"b":1})");  // canonical
  const Timestamp t1 = t0_ + kMicrosPerDay;
  const ConfigVersion v2 = store().configs().Save(Doc(bot(), R"({"a": [3], "b": 2})", t1));
  EXPECT_EQ(v2.version, 2);
  const auto history = store().configs().History(bot(), ConfigKind::kStrategy, "momentum");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].effective_to, std::optional<Timestamp>(t1));
  EXPECT_FALSE(history[1].effective_to.has_value());
  auto at = [&](Timestamp t) {
    return store().configs().VersionAt(bot(), ConfigKind::kStrategy, "momentum", t);
  };
  EXPECT_FALSE(at(t0_ - 1).has_value());
  EXPECT_EQ(at(t0_)->version, 1);
  EXPECT_EQ(at(t1 - 1)->document, R"({"a":[1,2],"b":1})");
  EXPECT_EQ(at(t1)->version, 2);
  EXPECT_EQ(at(t1 + 365 * kMicrosPerDay)->version, 2);
  EXPECT_EQ(store().configs().Current(bot(), ConfigKind::kStrategy, "momentum")->version, 2);
  EXPECT_FALSE(store().configs().Current(bot(), ConfigKind::kBot, "momentum").has_value());
  // Another kind or name is a separate history.
  ConfigVersion bot_cfg = Doc(bot(), "[]", t0_);
  bot_cfg.kind = ConfigKind::kBot;
  EXPECT_EQ(store().configs().Save(bot_cfg).version, 1);
  store().configs().Save(Doc(test_bot_.id, "{}", t0_));
  EXPECT_EQ(store().configs().ListCurrent().size(), 2u);
  EXPECT_EQ(store().configs().ListCurrent(std::nullopt, true).size(), 3u);
  EXPECT_EQ(store().configs().ListCurrent(test_bot_.id, true).size(), 1u);
  EXPECT_TRUE(store().configs().ListCurrent(test_bot_.id).empty());
}

TEST_P(Configs, RefusesBadJsonUnknownBotsAndVersionsThatDoNotStartLater) {
  EXPECT_STORE_ERROR(store().configs().Save(Doc(bot(), R"({"a": )", t0_)),
                     ErrorKind::kInvalidArgument, "field 'document' is not valid JSON");
  EXPECT_STORE_ERROR(store().configs().Save(Doc(bot(), R"({"a": 0.1E679833412897})", t0_)),
                     ErrorKind::kInvalidArgument, "field 'document' is not valid JSON");
  EXPECT_STORE_ERROR(store().configs().Save(Doc(bot(), "", t0_)), ErrorKind::kInvalidArgument,
                     "document");
  EXPECT_STORE_ERROR(store().configs().Save(Doc(4711, "{}", t0_)), ErrorKind::kNotFound,
                     "bot 4711");
  ConfigVersion unnamed = Doc(bot(), "{}", t0_);
  unnamed.name.clear();
  EXPECT_STORE_ERROR(store().configs().Save(unnamed), ErrorKind::kInvalidArgument, "name");
  store().configs().Save(Doc(bot(), "{}", t0_));
  EXPECT_STORE_ERROR(store().configs().Save(Doc(bot(), "{}", t0_)), ErrorKind::kConflict,
                     "not after version 1");
  EXPECT_EQ(store().configs().History(bot(), ConfigKind::kStrategy, "momentum").size(), 1u);
  EXPECT_FALSE(store()
                   .configs()
                   .History(bot(), ConfigKind::kStrategy, "momentum")[0]
                   .effective_to.has_value());
}

TEST_P(Configs, StrategyDefinitionsAreUniquePerNameAndVersion) {
  StrategyDefinition d;
  d.name = "momentum";
  d.version = "1.0.0";
  d.description = "breakout momentum";
  d.parameters = R"({"lookback": 20, "atr_mult": 2.5})";
  d.created_at = t0_;
  const StrategyDefinition first = store().strategies().Define(d);
  EXPECT_EQ(first.parameters, R"({"atr_mult":2.5,"lookback":20})");
  EXPECT_STORE_ERROR(store().strategies().Define(d), ErrorKind::kConflict, "already defined");
  d.version = "1.1.0";
  d.created_at = t0_ + 1;
  store().strategies().Define(d);
  EXPECT_EQ(store().strategies().Latest("momentum")->version, "1.1.0");
  EXPECT_FALSE(store().strategies().Latest("other").has_value());
  EXPECT_EQ(store().strategies().Get("momentum", "1.0.0").description, "breakout momentum");
  EXPECT_STORE_ERROR(store().strategies().Get("momentum", "9"), ErrorKind::kNotFound,
                     "is not defined");
  d.version = "2";
  d.parameters = "[1, 2]";
  EXPECT_STORE_ERROR(store().strategies().Define(d), ErrorKind::kInvalidArgument,
                     "must be a JSON object");
  d.parameters = "{nope}";
  EXPECT_STORE_ERROR(store().strategies().Define(d), ErrorKind::kInvalidArgument, "not valid JSON");
  d.version.clear();
  d.parameters = "{}";
  EXPECT_STORE_ERROR(store().strategies().Define(d), ErrorKind::kInvalidArgument, "version");
  EXPECT_EQ(store().strategies().List().size(), 2u);
}

// EXPLAIN QUERY PLAN is SQLite's: the plan tests run on SQLite only.
class ConfigsPlan : public Configs {};
INSTANTIATE_TEST_SUITE_P(Sqlite, ConfigsPlan,
                         ::testing::Values(::tradestore::testing::Backend::kSqlite),
                         ::tradestore::testing::BackendName);

TEST_P(ConfigsPlan, VersionAtUsesItsIndex) {
  EXPECT_NE(Plan(detail::Database::kTrading,
                 "SELECT id FROM config.configs WHERE bot_id = 1 AND kind = 'bot' AND name = 'x' "
                 "AND effective_from <= 5 AND (effective_to IS NULL OR effective_to > 5) "
                 "ORDER BY effective_from DESC LIMIT 1")
                .find("INDEX configs_effective"),
            std::string::npos);
}

TRADESTORE_ON_ALL_BACKENDS(Configs);

class Audit : public RecordsTest {};

TEST_P(Audit, RecordsEventsAndErrorsWithProvenanceAndFilters) {
  SystemEvent start;
  start.time = t0_;
  start.component = "scheduler";
  start.event_type = "startup";
  start.details = R"({"pid": 42})";
  const SystemEvent sys = store().audit().RecordEvent(start);
  EXPECT_FALSE(sys.bot_id.has_value());
  EXPECT_EQ(sys.details, R"({"pid":42})");
  SystemEvent botev = start;
  botev.time = t0_ + 1;
  botev.bot_id = bot();
  botev.event_type = "config_change";
  botev.severity = Severity::kWarning;
  EXPECT_EQ(store().audit().RecordEvent(botev).mode, RunMode::kBacktest);  // the bot's
  SystemEvent testev = botev;
  testev.bot_id = test_bot_.id;
  EXPECT_TRUE(store().audit().RecordEvent(testev).is_test);
  EXPECT_EQ(store().audit().Events().size(), 2u);
  AuditFilter f;
  f.include_test = true;
  EXPECT_EQ(store().audit().Events(f).size(), 3u);
  f.min_severity = Severity::kWarning;
  EXPECT_EQ(store().audit().Events(f).size(), 2u);
  f.bot = bot();
  ASSERT_EQ(store().audit().Events(f).size(), 1u);
  EXPECT_EQ(store().audit().Events(f)[0].event_type, "config_change");

  for (int i = 0; i < 5; ++i) {
    ErrorLogEntry e;
    e.time = t0_ + 10 + i;
    e.bot_id = bot();
    e.component = i % 2 == 0 ? "broker" : "feed";
    e.severity = i == 4 ? Severity::kCritical : Severity::kError;
    e.code = "E" + std::to_string(100 + i);
    e.message = "failure " + std::to_string(i);
    e.context = R"({"order_id": )" + std::to_string(i) + "}";
    store().audit().LogError(e);
  }
  AuditFilter broker;
  broker.component = "broker";
  const auto errs = store().audit().Errors(broker);
  ASSERT_EQ(errs.size(), 3u);
  EXPECT_EQ(errs[0].code, "E100");
  EXPECT_EQ(errs[2].context, R"({"order_id":4})");
  AuditFilter last2;
  last2.limit = 2;
  const auto recent = store().audit().Errors(last2);
  ASSERT_EQ(recent.size(), 2u);  // the two most recent, oldest first
  EXPECT_EQ(recent[0].code, "E103");
  EXPECT_EQ(recent[1].code, "E104");
  AuditFilter critical;
  critical.min_severity = Severity::kCritical;
  EXPECT_EQ(store().audit().Errors(critical).size(), 1u);
  AuditFilter range;
  range.range.from = t0_ + 11;
  range.range.to = t0_ + 13;
  EXPECT_EQ(store().audit().Errors(range).size(), 2u);
}

TEST_P(Audit, RefusesBadEntries) {
  ErrorLogEntry e;
  e.component = "broker";
  e.message = "boom";
  e.context = R"({"a": 1)";
  EXPECT_STORE_ERROR(store().audit().LogError(e), ErrorKind::kInvalidArgument,
                     "field 'context' is not valid JSON");
  e.context = "42";
  EXPECT_STORE_ERROR(store().audit().LogError(e), ErrorKind::kInvalidArgument,
                     "must be a JSON object");
  e.context = "{}";
  e.message.clear();
  EXPECT_STORE_ERROR(store().audit().LogError(e), ErrorKind::kInvalidArgument, "message");
  e.message = "boom";
  e.bot_id = 6060;
  EXPECT_STORE_ERROR(store().audit().LogError(e), ErrorKind::kNotFound, "bot 6060");
  SystemEvent ev;
  ev.component = "x";
  EXPECT_STORE_ERROR(store().audit().RecordEvent(ev), ErrorKind::kInvalidArgument, "event_type");
  ev.event_type = "y";
  ev.component.clear();
  EXPECT_STORE_ERROR(store().audit().RecordEvent(ev), ErrorKind::kInvalidArgument, "component");
  AuditFilter all;
  all.include_test = true;
  EXPECT_TRUE(store().audit().Errors(all).empty());
  EXPECT_TRUE(store().audit().Events(all).empty());
}

// EXPLAIN QUERY PLAN is SQLite's: the plan tests run on SQLite only.
class AuditPlan : public Audit {};
INSTANTIATE_TEST_SUITE_P(Sqlite, AuditPlan,
                         ::testing::Values(::tradestore::testing::Backend::kSqlite),
                         ::tradestore::testing::BackendName);

TEST_P(AuditPlan, QueriesUseTheirIndexes) {
  using detail::Database;
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM audit.error_log WHERE bot_id = 1 AND time >= 5 ORDER BY time")
                .find("INDEX error_log_bot_time"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM audit.error_log WHERE component = 'broker' AND time >= 5")
                .find("INDEX error_log_component_time"),
            std::string::npos);
  EXPECT_NE(
      Plan(Database::kTrading, "SELECT id FROM audit.system_events WHERE time >= 5 AND time < 9")
          .find("INDEX system_events_time"),
      std::string::npos);
}

TRADESTORE_ON_ALL_BACKENDS(Audit);

}  // namespace
}  // namespace tradestore
