#pragma once
// The one result serialiser (STYLE.md "Declared once"): the JSON object of a run (the contract
// scripts rely on), the CSV rows, the budget text, the plain table and the fields of the GUI's
// metrics table all come from here, so the same run prints the same strings everywhere.
#include <string>
#include <vector>

#include "method.h"

namespace layerlens {

// A column of every results table: CSV, the CLI's table and the GUI's metrics table.
struct ResultField {
    std::string key;       // CSV header and JSON key: "relative_output_error"
    std::string header;    // people's tables: "E"
    std::string help;      // tooltip
    std::string (*value)(const MethodResult&);     // exact, for CSV ("0.0123456789")
    std::string (*display)(const MethodResult&);   // for people ("1.235%")
    double (*number)(const MethodResult&);         // sort key; null for text fields (method, budget)
    int table_width;   // the CLI table's column: negative = left-aligned text, positive = right-aligned number
};
// method, budget, relative_output_error, sparsity, bits_per_weight, setup, seconds.
const std::vector<ResultField>& result_fields();

// "W4 g128", "50%", "2:4", "W4 g128 50%", "rank 10": the budget a method reported using.
std::string budget_text(const MethodResult& result);
// Which configuration ran, for a method that has presets (AWP: "best from sparsegpt, layer
// budget"; "paper from wanda, row budget"); empty for the others.
std::string setup_text(const MethodResult& result);

// One JSON object per run: layer, method, params, relative_output_error, sparsity,
// bits_per_weight, seconds, then the method's scalars, series, loss history, timings, warnings.
std::string result_json_text(const std::string& layer, const MethodResult& result);
std::string results_json_text(const std::string& layer, const std::vector<MethodResult>& results);

// "layer," + every result field, one row per result.
std::string csv_header();
std::string csv_row(const std::string& layer, const MethodResult& result);
std::string results_to_csv(const std::string& layer, const std::vector<MethodResult>& results);
// A field quoted for CSV when it holds a comma, quote or newline.
std::string csv_field(const std::string& text);

// The CLI's table for people.
std::string results_to_table(const std::vector<MethodResult>& results);

}  // namespace layerlens
