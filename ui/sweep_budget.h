#pragma once
// The budget of a sweep row back as CompressionParams, so that a cell of the layer map can set
// the method panel: the inverse of core's budget_label ("50%", "2:4", "INT4 g128", "INT4 per
// row", "50% + INT4 g128", "params 50%"). A JSONL row keeps only that label and the settings the
// method reported (where auto group 128 and an explicit 128 read alike), so the label is what
// is parsed; the answer is checked by printing it again with budget_label.
#include <optional>
#include <string>

#include "compression_params.h"

namespace layerlens::ui {

// nullopt when the label is not one budget_label prints for this method (or the method is unknown).
std::optional<CompressionParams> budgetFromLabel(const std::string& method, const std::string& label);

}  // namespace layerlens::ui
