// ReportTable: a titled table of text cells, the one shape in which reports
// are shown to people. The CLI prints it as aligned text (or CSV); the HTML
// tearsheet renders it as an HTML table. Cells are already formatted (units
// and decimal places chosen by whoever built the table).
#pragma once

#include <string>
#include <vector>

namespace tradestore {

struct ReportTable {
  std::string title;                           // e.g. "Trades", "Monthly returns (%)"
  std::vector<std::string> columns;            // header cells; may be empty
  std::vector<std::vector<std::string>> rows;  // each row has columns.size() cells
                                               // (or 2 for a name/value table)
};

}  // namespace tradestore
