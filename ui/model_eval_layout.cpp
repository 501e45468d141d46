#include "model_eval_layout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <variant>

namespace layerlens::ui {

namespace {

// Several target sparsities among the compressed rows: a pruning or joint table.
ChartAxis chooseAxis(const std::vector<ModelEvalRow>& rows) {
    std::vector<double> sparsities;
    for (const ModelEvalRow& row : rows) {
        if (row.method == "dense") continue;
        const double s = budgetX(row, ChartAxis::Sparsity);
        if (std::none_of(sparsities.begin(), sparsities.end(), [&](double t) { return std::abs(t - s) < 1e-9; }))
            sparsities.push_back(s);
    }
    return sparsities.size() > 1 ? ChartAxis::Sparsity : ChartAxis::BitsPerWeight;
}

// A numeric setting of the row ("sparsity"), when the method declared and was given it.
std::optional<double> paramNumber(const KeyValues& params, const std::string& name) {
    for (const auto& [key, value] : params) {
        if (key != name) continue;
        if (const double* d = std::get_if<double>(&value)) return *d;
        if (const long long* i = std::get_if<long long>(&value)) return static_cast<double>(*i);
    }
    return std::nullopt;
}

// The row's N:M pattern as a fraction pruned (2:4 → 0.5), when it has one.
std::optional<double> patternSparsity(const KeyValues& params) {
    for (const auto& [key, value] : params)
        if (const std::string* text = std::get_if<std::string>(&value); key == "nm" && text)
            if (const auto nm = parse_nm(*text); nm && nm->active()) return 1.0 - static_cast<double>(nm->n_keep) / nm->m;
    return std::nullopt;
}

}  // namespace

ModelEvalLayout layoutModelRows(const ModelEvaluation& evaluation) {
    ModelEvalLayout layout;
    layout.shape = model_eval_table_shape(evaluation);
    layout.axis = chooseAxis(evaluation.rows);
    layout.best.assign(layout.shape.budgets.size(), std::numeric_limits<double>::infinity());
    for (const std::vector<int>& cells : layout.shape.cells)
        for (size_t b = 0; b < cells.size(); ++b)
            if (cells[b] >= 0) {
                const double perplexity = evaluation.rows[static_cast<size_t>(cells[b])].perplexity;
                if (std::isfinite(perplexity)) layout.best[b] = std::min(layout.best[b], perplexity);
            }
    return layout;
}

double budgetX(const ModelEvalRow& row, ChartAxis axis) {
    if (axis == ChartAxis::BitsPerWeight) return row.bits_per_weight;
    // The target, not the measured sparsity: quantisation alone also zeroes some small weights.
    if (const auto s = paramNumber(row.params, "sparsity")) return 100.0 * *s;
    return 100.0 * patternSparsity(row.params).value_or(0.0);
}

QString budgetAxisTitle(ChartAxis axis) {
    return axis == ChartAxis::Sparsity ? QString("target sparsity (% of weights pruned)") : QString("bits per weight");
}

QString perplexityText(double perplexity) { return QString::number(perplexity, 'f', 2); }

QString shortPerplexityText(double perplexity) {
    return perplexity >= 1000 ? QString::number(perplexity, 'f', 0) : QString::number(perplexity, 'g', 3);
}

}  // namespace layerlens::ui
