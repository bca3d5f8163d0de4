// Copy between stores and verification; see include/tradestore/copy.h.
#include "tradestore/copy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "store/store_impl.h"
#include "store/table_io.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using detail::Row;
using detail::TableInfo;

// The selected tables in catalog (foreign-key safe) order.
std::vector<const TableInfo*> Selected(const std::vector<std::string>& names) {
  std::vector<const TableInfo*> out;
  if (names.empty()) {
    for (const TableInfo& t : detail::StoreTables()) out.push_back(&t);
    return out;
  }
  std::vector<const TableInfo*> chosen;
  for (const std::string& name : names) chosen.push_back(&detail::FindTable(name));
  // Candles live in two tables (rows and compacted chunks, docs/storage.md
  // "Candle chunks"): naming market.candles copies both.
  const TableInfo& candles = detail::FindTable("market.candles");
  if (std::find(chosen.begin(), chosen.end(), &candles) != chosen.end()) {
    chosen.push_back(&detail::FindTable("market.candle_chunks"));
  }
  for (const TableInfo& t : detail::StoreTables()) {
    if (std::find(chosen.begin(), chosen.end(), &t) != chosen.end()) out.push_back(&t);
  }
  return out;
}

// Refuses stores with tables or columns the catalog does not know (an
// unknown table, even an empty one, included).
void CheckCatalog(Store& store, const char* side) {
  const std::vector<std::string> problems = detail::CatalogDifferences(detail::ImplOf(store));
  if (problems.empty()) return;
  std::string message = std::string("the ") + side + " store (" + store.url() +
                        ") does not match the tables this build of tradestore copies: ";
  for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  throw Conflict(message);
}

TableVerification Verify(Store& from, Store& to, const TableInfo& t) {
  TableVerification v;
  v.table = t.QualifiedName();
  const detail::TableChecksum s = detail::ChecksumTable(detail::ImplOf(from), t);
  const detail::TableChecksum d = detail::ChecksumTable(detail::ImplOf(to), t);
  v.source_rows = s.rows;
  v.source_checksum = s.checksum;
  v.target_rows = d.rows;
  v.target_checksum = d.checksum;
  return v;
}

std::string KeyText(const Row& key) {
  std::string out = "(";
  for (std::size_t i = 0; i < key.size(); ++i) {
    out += (i ? ", " : "") + detail::ValueToString(key[i]);
  }
  return out + ")";
}

void RefuseSameStore(Store& from, Store& to) {
  if (from.url() == to.url()) {
    throw InvalidArgument("cannot copy a store onto itself (" + from.url() + ")");
  }
}

}  // namespace

bool CopyResult::ok() const {
  return std::all_of(tables.begin(), tables.end(),
                     [](const TableVerification& t) { return t.ok(); });
}

CopyResult CopyStore(Store& from, Store& to, const CopyOptions& options) {
  RefuseSameStore(from, to);
  if (options.batch_rows < 1) throw InvalidArgument("copy: batch_rows must be at least 1");
  const std::vector<const TableInfo*> tables = Selected(options.tables);
  CopyResult result;
  CheckCatalog(from, "source");
  CheckCatalog(to, "target");

  // Where each table resumes, checked before anything is written.
  struct Plan {
    const TableInfo* table;
    std::optional<Row> after;
    std::int64_t present = 0;
    std::int64_t to_copy = 0;
  };
  std::vector<Plan> plans;
  std::int64_t total = 0;
  for (const TableInfo* t : tables) {
    Plan p{t, detail::LastKey(detail::ImplOf(to), *t)};
    const std::int64_t source_rows = detail::CountRows(detail::ImplOf(from), *t);
    if (p.after) {
      const detail::TableChecksum there = detail::ChecksumTable(detail::ImplOf(to), *t);
      const detail::TableChecksum here = detail::ChecksumTable(detail::ImplOf(from), *t, p.after);
      if (there.rows != here.rows || there.checksum != here.checksum) {
        throw Conflict(
            "the target already holds different data in " + t->QualifiedName() + ": its " +
            std::to_string(there.rows) + " rows (up to key " + KeyText(*p.after) + ", checksum " +
            there.checksum + ") are not the source's first rows up to that key (" +
            std::to_string(here.rows) + " rows, checksum " + here.checksum +
            "); refusing to copy over them. Copy into an empty store, or remove that table's "
            "rows from the target");
      }
      p.present = there.rows;
    }
    p.to_copy = source_rows - p.present;
    total += p.to_copy;
    plans.push_back(std::move(p));
  }

  std::int64_t done = 0;
  for (Plan& p : plans) {
    TableVerification v;
    std::optional<Row> after = p.after;
    for (;;) {
      const std::vector<Row> rows =
          detail::ReadRows(detail::ImplOf(from), *p.table, after, std::nullopt, options.batch_rows);
      if (rows.empty()) break;
      detail::InsertRows(detail::ImplOf(to), *p.table, rows);
      v.copied_rows += static_cast<std::int64_t>(rows.size());
      done += static_cast<std::int64_t>(rows.size());
      if (options.progress) options.progress({p.table->QualifiedName(), done, total});
      if (static_cast<std::int64_t>(rows.size()) < options.batch_rows) break;
      after = detail::KeyOf(*p.table, rows.back());
    }
    detail::SyncIdentity(detail::ImplOf(to), *p.table);
    TableVerification checked = Verify(from, to, *p.table);
    checked.copied_rows = v.copied_rows;
    checked.resumed_rows = p.present;
    result.tables.push_back(std::move(checked));
  }
  return result;
}

CopyResult VerifyStores(Store& from, Store& to, const std::vector<std::string>& tables) {
  CopyResult result;
  for (const TableInfo* t : Selected(tables)) result.tables.push_back(Verify(from, to, *t));
  return result;
}

}  // namespace tradestore
