// Helpers for the record repositories' tests: a fresh seeded store per
// backend, a second (test) bot, and SQLite query plans.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sql/connection.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"

namespace tradestore::testing {

// Expects `call` to throw Error of `kind` whose message contains `text`.
#define EXPECT_STORE_ERROR(call, expected_kind, text)                                      \
  do {                                                                                     \
    try {                                                                                  \
      call;                                                                                \
      ADD_FAILURE() << "expected " << ::tradestore::ToString(expected_kind) << ": " #call; \
    } catch (const ::tradestore::Error& e) {                                               \
      EXPECT_EQ(e.kind(), expected_kind) << e.what();                                      \
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();          \
    }                                                                                      \
  } while (0)

class RecordsTest : public ::testing::TestWithParam<Backend> {
 protected:
  RecordsTest() : s_(FreshStoreUrl(GetParam())) {
    Bot b;
    b.name = "bot-test";
    b.mode = RunMode::kPaper;
    b.is_test = true;
    b.version = "9.9";
    test_bot_ = s_.store.bots().Create(b);
    test_account_ = s_.store.accounts().Create(test_bot_.id, "main");
  }
  Store& store() { return s_.store; }
  BotId bot() const { return s_.bot.id; }
  AccountId account() const { return s_.account.id; }
  bool sqlite() const { return GetParam() == Backend::kSqlite; }

  // SQLite's EXPLAIN QUERY PLAN of `sql` (literal values, no parameters) on
  // the database `db`, its detail lines joined by " | ".
  std::string Plan(detail::Database db, const std::string& sql) {
    auto& st = detail::ImplOf(store()).connection(db).Prepare("EXPLAIN QUERY PLAN " + sql);
    std::string out;
    while (st.Step()) out += st.GetText(3) + " | ";
    st.Reset();
    return out;
  }

  Seeded s_;
  Bot test_bot_;
  Account test_account_;
  Timestamp t0_ = Timestamp::Parse("2024-05-01T00:00:00Z");
};

}  // namespace tradestore::testing
