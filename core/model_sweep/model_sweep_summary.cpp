#include "model_sweep_summary.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "../result_json.h"

namespace layerlens {

namespace {

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

std::string padded(const std::string& text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace

ModelSweepSummary summarise_model_sweep(const std::vector<SweepRow>& rows, double outlier_factor) {
    ModelSweepSummary summary;
    summary.outlier_factor = outlier_factor;
    std::map<std::pair<std::string, std::string>, std::size_t> point_index;
    std::map<std::string, std::size_t> layer_index;
    std::vector<std::vector<const SweepRow*>> rows_of_point;
    for (const SweepRow& row : rows) {
        const auto key = std::make_pair(row.method, row.budget);
        if (!point_index.count(key)) {
            point_index[key] = summary.points.size();
            SweepPointSummary point;
            point.method = row.method;
            point.budget = row.budget;
            summary.points.push_back(point);
            rows_of_point.emplace_back();
        }
        rows_of_point[point_index[key]].push_back(&row);
        if (std::find(summary.budgets.begin(), summary.budgets.end(), row.budget) == summary.budgets.end())
            summary.budgets.push_back(row.budget);
        if (!layer_index.count(row.layer)) {
            layer_index[row.layer] = summary.layers.size();
            SweepLayerSummary layer;
            layer.layer = row.layer;
            summary.layers.push_back(layer);
        }
        if (!row.error) summary.failures.push_back(row.layer + ", " + row.method + " " + row.budget + ": " + row.failure);
    }
    for (SweepLayerSummary& layer : summary.layers)
        for (const std::string& budget : summary.budgets) layer.best.push_back({budget, "", 0.0});
    for (const SweepRow& row : rows) {
        if (!row.error) continue;
        SweepLayerSummary& layer = summary.layers[layer_index[row.layer]];
        const auto b = static_cast<std::size_t>(std::find(summary.budgets.begin(), summary.budgets.end(), row.budget) -
                                                summary.budgets.begin());
        SweepLayerBest& best = layer.best[b];
        if (best.method.empty() || *row.error < best.error) best = {row.budget, row.method, *row.error};
    }
    for (std::size_t p = 0; p < summary.points.size(); ++p) {
        SweepPointSummary& point = summary.points[p];
        std::vector<double> errors;
        for (const SweepRow* row : rows_of_point[p]) {
            if (!row->error) {
                ++point.failed;
                continue;
            }
            errors.push_back(*row->error);
            if (errors.size() == 1 || *row->error > point.worst_error) point.worst_error = *row->error, point.worst_layer = row->layer;
        }
        point.layers = errors.size();
        if (errors.empty()) continue;
        double sum = 0.0;
        for (double e : errors) sum += e;
        point.mean_error = sum / static_cast<double>(errors.size());
        point.median_error = median(errors);
        for (const SweepRow* row : rows_of_point[p])
            if (row->error && point.median_error > 0 && *row->error > outlier_factor * point.median_error)
                summary.outliers.push_back({row->layer, row->method, row->budget, *row->error, point.median_error});
    }
    std::stable_sort(summary.outliers.begin(), summary.outliers.end(), [](const SweepOutlier& a, const SweepOutlier& b) {
        return a.error / a.median > b.error / b.median;
    });
    return summary;
}

std::string model_sweep_summary_table(const ModelSweepSummary& s) {
    std::string out = "per method (E over the layers):\n";
    std::size_t method_width = 6, layer_width = 5;
    for (const auto& p : s.points) method_width = std::max(method_width, p.method.size() + 1 + p.budget.size());
    for (const auto& l : s.layers) layer_width = std::max(layer_width, l.layer.size());
    out += "  " + padded("method", method_width) + "  " + padded("mean E", 10) + padded("median E", 10) +
           padded("worst E", 10) + "worst layer\n";
    for (const auto& p : s.points) {
        out += "  " + padded(p.method + " " + p.budget, method_width) + "  " + padded(number(p.mean_error), 10) +
               padded(number(p.median_error), 10) + padded(number(p.worst_error), 10) + p.worst_layer;
        if (p.failed) out += "  (" + std::to_string(p.failed) + " failed)";
        out += "\n";
    }
    out += "\nlowest E per layer:\n  " + padded("layer", layer_width);
    for (const auto& budget : s.budgets) out += "  " + padded("at " + budget, 24);
    out += "\n";
    for (const auto& l : s.layers) {
        out += "  " + padded(l.layer, layer_width);
        for (const auto& best : l.best)
            out += "  " + padded(best.method.empty() ? "(failed)" : best.method + " " + number(best.error), 24);
        out += "\n";
    }
    char factor[32];
    std::snprintf(factor, sizeof factor, "%g", s.outlier_factor);
    if (s.outliers.empty()) {
        out += std::string("\nno layer has an E above ") + factor + "x its method's median\n";
    } else {
        out += std::string("\nlayers to look at (E above ") + factor + "x the median of their method):\n";
        for (const auto& o : s.outliers)
            out += "  " + padded(o.layer, layer_width) + "  " + o.method + " " + o.budget + ": E " + number(o.error) + " = " +
                   number(o.error / o.median) + "x the median " + number(o.median) + "\n";
    }
    if (!s.failures.empty()) {
        out += "\nfailed:\n";
        for (const auto& f : s.failures) out += "  " + f + "\n";
    }
    return out;
}

std::string model_sweep_summary_json(const ModelSweepSummary& s) {
    nlohmann::json o;
    nlohmann::json methods = nlohmann::json::array();
    for (const auto& p : s.points)
        methods.push_back({{"method", p.method}, {"budget", p.budget}, {"layers", p.layers}, {"failed", p.failed},
                           {"mean_error", p.mean_error}, {"median_error", p.median_error},
                           {"worst_error", p.worst_error}, {"worst_layer", p.worst_layer}});
    o["methods"] = methods;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : s.layers) {
        nlohmann::json best = nlohmann::json::array();
        for (const auto& b : l.best)
            best.push_back({{"budget", b.budget}, {"method", b.method.empty() ? nlohmann::json() : nlohmann::json(b.method)},
                            {"relative_output_error", b.method.empty() ? nlohmann::json() : nlohmann::json(b.error)}});
        layers.push_back({{"layer", l.layer}, {"best", best}});
    }
    o["layers"] = layers;
    nlohmann::json outliers = nlohmann::json::array();
    for (const auto& x : s.outliers)
        outliers.push_back({{"layer", x.layer}, {"method", x.method}, {"budget", x.budget},
                            {"relative_output_error", x.error}, {"median_error", x.median}, {"ratio", x.error / x.median}});
    o["outliers"] = outliers;
    o["outlier_factor"] = s.outlier_factor;
    o["failures"] = s.failures;
    return json_text(o);
}

}  // namespace layerlens
