#pragma once
// What a user reads first after a model sweep: per method and budget the mean, median and
// worst E over the layers; per layer the method with the lowest E at each budget; and the
// layers whose E is far above the median of their method (the ones to look at).
#include <string>
#include <vector>

#include "model_sweep_rows.h"

namespace layerlens {

// A layer is an outlier of a method when its E exceeds this multiple of the method's median.
constexpr double kDefaultOutlierFactor = 3.0;

struct SweepPointSummary {
    std::string method, budget;
    std::size_t layers = 0, failed = 0;
    double mean_error = 0.0, median_error = 0.0, worst_error = 0.0;
    std::string worst_layer;
};

struct SweepLayerBest {
    std::string budget, method;   // method empty: every method failed on the layer at this budget
    double error = 0.0;
};

struct SweepLayerSummary {
    std::string layer;
    std::vector<SweepLayerBest> best;   // one per budget, in ModelSweepSummary::budgets order
};

struct SweepOutlier {
    std::string layer, method, budget;
    double error = 0.0, median = 0.0;
};

struct ModelSweepSummary {
    std::vector<SweepPointSummary> points;   // in the sweep's order
    std::vector<std::string> budgets;        // distinct budgets, first-seen order
    std::vector<SweepLayerSummary> layers;   // layer order
    std::vector<SweepOutlier> outliers;      // by how far above the median, largest first
    std::vector<std::string> failures;       // "layer, method budget: message"
    double outlier_factor = kDefaultOutlierFactor;
};

ModelSweepSummary summarise_model_sweep(const std::vector<SweepRow>& rows, double outlier_factor = kDefaultOutlierFactor);
// The summary for people (three tables) and as one JSON object with `methods`, `layers`,
// `outliers` and `failures`.
std::string model_sweep_summary_table(const ModelSweepSummary& summary);
std::string model_sweep_summary_json(const ModelSweepSummary& summary);

}  // namespace layerlens
