#pragma once
// How the Model tab lays out an evaluation's rows, shared by its table and its chart: core's
// table shape (the CLI's text table uses the same), the best compressed method of each budget,
// and the chart's budget axis. The x axis is the target sparsity when the rows prune at different sparsities
// (the pruning and joint tables), else bits per weight (the quantisation table, where every row
// prunes nothing), so a table with one budget shows points rather than lines.
#include <QString>
#include <string>
#include <vector>

#include "model/model_eval_json.h"

namespace layerlens::ui {

enum class ChartAxis { Sparsity, BitsPerWeight };

struct ModelEvalLayout {
    ModelEvalTableShape shape;   // core's table: compressed methods down, budgets across, the dense row apart
    std::vector<double> best;    // per budget: the lowest compressed perplexity (inf when none)
    ChartAxis axis = ChartAxis::BitsPerWeight;
};

ModelEvalLayout layoutModelRows(const ModelEvaluation& evaluation);

// The row's position on the axis: its target sparsity in percent (its "sparsity" parameter, or
// its N:M pattern's share pruned; 0 when it has neither), or its bits per weight.
double budgetX(const ModelEvalRow& row, ChartAxis axis);
QString budgetAxisTitle(ChartAxis axis);

// Perplexity as the table prints it (two decimals), and the shorter form of the dense label.
QString perplexityText(double perplexity);
QString shortPerplexityText(double perplexity);

}  // namespace layerlens::ui
