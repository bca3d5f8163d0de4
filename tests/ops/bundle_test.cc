// Bundles (export all / import all): a whole store round-trips through a
// directory; a bundle that would leave a store failing `check`, a file that
// differs from its manifest, a malformed manifest or a clash with stored
// rows is refused and changes nothing.
#include "tradestore/bundle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ops/ops_test_util.h"
#include "tradestore/check.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using testing::Backend;
using testing::FreshUrl;
using testing::OpsTempDir;
using testing::SeedTrading;
namespace fs = std::filesystem;

// Every entity's CSV export, keyed by entity.
std::map<std::string, std::string> Exports(Store& s) {
  std::map<std::string, std::string> out;
  for (const std::string& entity : AvailableEntities()) {
    std::ostringstream text;
    ExportOptions o;
    o.filter.include_test = true;
    ExportEntity(s, entity, text, o);
    out[entity] = text.str();
  }
  return out;
}

std::int64_t TotalRows(const BundleManifest& m) {
  std::int64_t n = 0;
  for (const BundleEntry& e : m.entries) n += e.rows;
  return n;
}

nlohmann::json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

void WriteJson(const fs::path& path, const nlohmann::json& j) {
  std::ofstream(path, std::ios::trunc) << j.dump(2);
}

template <typename F>
void ExpectError(ErrorKind kind, const std::string& part, F&& f) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << part;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

class BundleTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    Store s = Store::Open(source_url_);
    SeedTrading(s);
    before_ = Exports(s);
    manifest_ =
        ExportBundle(s, bundle_.string(),
                     GetParam() == Backend::kSqlite ? DataFormat::kCsv : DataFormat::kJsonl);
  }

  // The target store is still empty: no bot, no instrument, no candle.
  void ExpectTargetEmpty() {
    Store t = Store::Open(target_url_);
    for (const auto& [entity, text] : Exports(t)) {
      std::istringstream in(text);
      std::string header, row;
      std::getline(in, header);
      EXPECT_FALSE(std::getline(in, row)) << entity << " has rows: " << row;
    }
  }

  OpsTempDir dir_;
  std::string source_url_ = FreshUrl(GetParam(), dir_, "source");
  std::string target_url_ = FreshUrl(GetParam(), dir_, "target");
  fs::path bundle_ = dir_.Sub("bundle");
  std::map<std::string, std::string> before_;
  BundleManifest manifest_;
};

TEST_P(BundleTest, RoundTripsEveryEntityAndPassesCheck) {
  EXPECT_EQ(manifest_.entries.size(), AvailableEntities().size());
  EXPECT_GT(TotalRows(manifest_), 50);
  EXPECT_TRUE(fs::exists(bundle_ / kBundleManifest));
  const BundleManifest read = ReadBundleManifest(bundle_.string());
  ASSERT_EQ(read.entries.size(), manifest_.entries.size());
  EXPECT_EQ(read.entries[7].sha256, manifest_.entries[7].sha256);
  {
    Store t = Store::Open(target_url_);
    const BundleImportSummary s = ImportBundle(t, bundle_.string());
    EXPECT_EQ(s.rows, TotalRows(manifest_));
    EXPECT_EQ(s.coverage_series, 1);  // the seed's one candle series
    EXPECT_GE(s.checks.size(), 10u);
    const auto after = Exports(t);
    for (const auto& [entity, text] : before_) EXPECT_EQ(after.at(entity), text) << entity;
    EXPECT_EQ(t.candles().Coverage().size(), 1u);
  }
  const CheckReport report = CheckStore(target_url_);
  EXPECT_TRUE(report.ok()) << CheckReportToJson(report);
}

TEST_P(BundleTest, ABundleThatWouldFailCheckIsRefusedWhole) {
  // Without the fills, orders' filled quantities, the position, the trades
  // and the ledger's fill references no longer reconcile.
  nlohmann::json m = ReadJson(bundle_ / kBundleManifest);
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& e : m["entities"]) {
    if (e["entity"] != "fills") kept.push_back(e);
  }
  m["entities"] = kept;
  WriteJson(bundle_ / kBundleManifest, m);
  {
    Store t = Store::Open(target_url_);
    ExpectError(ErrorKind::kConflict, "would fail", [&] { ImportBundle(t, bundle_.string()); });
    try {
      ImportBundle(t, bundle_.string());
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("order-fills (trading.orders id="), std::string::npos) << what;
      EXPECT_NE(what.find("positions"), std::string::npos) << what;
      EXPECT_NE(what.find("nothing was imported"), std::string::npos) << what;
    }
  }
  ExpectTargetEmpty();
}

TEST_P(BundleTest, AFileThatDiffersFromTheManifestIsRefusedBeforeAnyWrite) {
  const fs::path orders = bundle_ / manifest_.entries[7].file;
  ASSERT_EQ(manifest_.entries[7].entity, "orders");
  std::string text;
  {
    std::ifstream in(orders);
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  text[text.size() / 2] = text[text.size() / 2] == '1' ? '2' : '1';
  std::ofstream(orders, std::ios::trunc) << text;
  {
    Store t = Store::Open(target_url_);
    ExpectError(ErrorKind::kConflict, "does not match the manifest",
                [&] { ImportBundle(t, bundle_.string()); });
    fs::remove(orders);
    ExpectError(ErrorKind::kNotFound, "listed in the manifest for orders but missing",
                [&] { ImportBundle(t, bundle_.string()); });
  }
  ExpectTargetEmpty();
}

TEST_P(BundleTest, AManifestRowCountThatDiffersIsRefused) {
  nlohmann::json m = ReadJson(bundle_ / kBundleManifest);
  m["entities"][8]["rows"] = m["entities"][8]["rows"].get<int>() + 1;  // order-events
  WriteJson(bundle_ / kBundleManifest, m);
  {
    Store t = Store::Open(target_url_);
    ExpectError(ErrorKind::kConflict, "rows, the manifest says",
                [&] { ImportBundle(t, bundle_.string()); });
  }
  ExpectTargetEmpty();
}

TEST_P(BundleTest, MalformedManifestsNameTheField) {
  const fs::path path = bundle_ / kBundleManifest;
  const nlohmann::json good = ReadJson(path);
  Store t = Store::Open(target_url_);
  const auto refused = [&](nlohmann::json m, const std::string& part) {
    WriteJson(path, m);
    ExpectError(ErrorKind::kInvalidArgument, part, [&] { ImportBundle(t, bundle_.string()); });
  };
  nlohmann::json m = good;
  m["entities"][0]["entity"] = "widgets";
  refused(m, "field 'entities[0].entity': 'widgets' is not an entity");
  m = good;
  m["entities"][1]["entity"] = "instruments";
  refused(m, "field 'entities[1].entity': 'instruments' is listed twice");
  m = good;
  m["entities"][2]["file"] = "../bots.csv";
  refused(m, "field 'entities[2].file': '../bots.csv' is not a file name");
  m = good;
  m["entities"][3].erase("sha256");
  refused(m, "field 'entities[3].sha256': missing");
  m = good;
  m["entities"][3]["rows"] = "four";
  refused(m, "field 'entities[3].rows': has the wrong type");
  m = good;
  m["version"] = 2;
  refused(m, "field 'version': 2 is not a bundle version");
  m = good;
  m["format"] = "tradestore-backup";
  refused(m, "not a tradestore bundle");
  m = good;
  m["data_format"] = "xml";
  refused(m, "field 'data_format'");
  std::ofstream(path, std::ios::trunc) << "{\"format\": ";
  ExpectError(ErrorKind::kInvalidArgument, "not valid JSON",
              [&] { ImportBundle(t, bundle_.string()); });
  std::ofstream(path, std::ios::trunc) << "{\"format\": 1E400}";
  ExpectError(ErrorKind::kInvalidArgument, "not valid JSON",
              [&] { ImportBundle(t, bundle_.string()); });
  fs::remove(path);
  ExpectError(ErrorKind::kNotFound, "no bundle manifest",
              [&] { ImportBundle(t, bundle_.string()); });
}

TEST_P(BundleTest, ImportIntoTheSameStoreClashesAndChangesNothing) {
  Store s = Store::Open(source_url_);
  ExpectError(ErrorKind::kConflict, "instruments", [&] { ImportBundle(s, bundle_.string()); });
  EXPECT_EQ(Exports(s), before_);
}

TEST_P(BundleTest, ExportRefusesANonEmptyDirectory) {
  Store s = Store::Open(source_url_);
  ExpectError(ErrorKind::kConflict, "is not an empty directory",
              [&] { ExportBundle(s, bundle_.string()); });
  EXPECT_EQ(ReadBundleManifest(bundle_.string()).entries.size(), manifest_.entries.size());
}

TRADESTORE_OPS_ON_BOTH_BACKENDS(BundleTest);

}  // namespace
}  // namespace tradestore
