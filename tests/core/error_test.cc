#include "tradestore/error.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace tradestore {
namespace {

TEST(ErrorTest, KindNames) {
  EXPECT_EQ(ToString(ErrorKind::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(ToString(ErrorKind::kNotFound), "not_found");
  EXPECT_EQ(ToString(ErrorKind::kConflict), "conflict");
  EXPECT_EQ(ToString(ErrorKind::kUnavailable), "unavailable");
  EXPECT_EQ(ToString(ErrorKind::kStorage), "storage");
  EXPECT_EQ(ToString(ErrorKind::kInternal), "internal");
  EXPECT_EQ(ToString(ErrorKind::kInDoubt), "in_doubt");
}

TEST(ErrorTest, ExitCodes) {
  EXPECT_EQ(ExitCode(ErrorKind::kInvalidArgument), 2);
  EXPECT_EQ(ExitCode(ErrorKind::kNotFound), 3);
  EXPECT_EQ(ExitCode(ErrorKind::kConflict), 4);
  EXPECT_EQ(ExitCode(ErrorKind::kUnavailable), 5);
  EXPECT_EQ(ExitCode(ErrorKind::kStorage), 6);
  EXPECT_EQ(ExitCode(ErrorKind::kInternal), 70);
  EXPECT_EQ(ExitCode(ErrorKind::kInDoubt), 7);
}

TEST(ErrorTest, CarriesKindMessageCodeAndRetryable) {
  const Error e(ErrorKind::kUnavailable, "database is locked", "SQLITE_BUSY", true);
  EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
  EXPECT_STREQ(e.what(), "database is locked");
  EXPECT_EQ(e.native_code(), "SQLITE_BUSY");
  EXPECT_TRUE(e.retryable());

  const Error plain(ErrorKind::kStorage, "disk full");
  EXPECT_EQ(plain.native_code(), "");
  EXPECT_FALSE(plain.retryable());
}

TEST(ErrorTest, IsARuntimeError) {
  try {
    throw Error(ErrorKind::kConflict, "unique key");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "unique key");
    return;
  }
  FAIL() << "not caught as std::runtime_error";
}

TEST(ErrorTest, Shorthands) {
  const Error a = InvalidArgument("bad price \"-1\"");
  EXPECT_EQ(a.kind(), ErrorKind::kInvalidArgument);
  EXPECT_STREQ(a.what(), "bad price \"-1\"");
  EXPECT_FALSE(a.retryable());
  EXPECT_EQ(a.native_code(), "");

  const Error n = NotFound("order 42");
  EXPECT_EQ(n.kind(), ErrorKind::kNotFound);
  EXPECT_STREQ(n.what(), "order 42");

  const Error c = Conflict("fill on a cancelled order");
  EXPECT_EQ(c.kind(), ErrorKind::kConflict);
  EXPECT_STREQ(c.what(), "fill on a cancelled order");
}

}  // namespace
}  // namespace tradestore
