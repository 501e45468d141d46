#include "model_compression.h"

#include <map>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../input_source.h"
#include "../progress.h"
#include "llama_forward.h"

namespace layerlens {

namespace {

// What enters each linear layer whose name starts with `prefix`, over every calibration
// sequence (rows in sequence order).
std::map<std::string, MatrixF> captured_inputs(const LlamaModel& model, const std::vector<std::vector<int>>& calibration,
                                               const std::string& prefix) {
    std::map<std::string, std::vector<MatrixF>> pieces;
    for (const std::vector<int>& tokens : calibration)
        llama_logits(model, tokens, [&](const std::string& name, const MatrixF& X) {
            if (name.rfind(prefix, 0) == 0) pieces[name].push_back(X);
        });
    std::map<std::string, MatrixF> inputs;
    for (auto& [name, parts] : pieces) {
        Eigen::Index rows = 0;
        for (const MatrixF& part : parts) rows += part.rows();
        MatrixF& X = inputs[name];
        X.resize(rows, parts.front().cols());
        Eigen::Index at = 0;
        for (const MatrixF& part : parts) {
            X.middleRows(at, part.rows()) = part;
            at += part.rows();
        }
    }
    return inputs;
}

}  // namespace

ModelCompressionReport compress_model(LlamaModel& model, const std::vector<std::vector<int>>& calibration,
                                      const MethodInfo& method, const CompressionParams& params, bool sequential,
                                      Progress& progress) {
    if (calibration.empty()) throw InputError("no calibration sequences");
    ModelCompressionReport report;
    const size_t n_blocks = model.blocks.size();
    // Not sequential: every block's inputs come from the dense model, captured once.
    std::map<std::string, MatrixF> dense_inputs;
    if (!sequential) dense_inputs = captured_inputs(model, calibration, "layers.");
    double weights = 0.0, zeros = 0.0, bits = 0.0;
    for (size_t b = 0; b < n_blocks; ++b) {
        const std::string prefix = "layers." + std::to_string(b) + ".";
        std::map<std::string, MatrixF> block_inputs;
        if (sequential) block_inputs = captured_inputs(model, calibration, prefix);
        for (const std::string& name : model.linear_names()) {
            if (name.rfind(prefix, 0) != 0) continue;
            progress.check();
            // Each layer's inputs are used once: moved into the statistics pass, not copied.
            MatrixF X = std::move(sequential ? block_inputs.at(name) : dense_inputs.at(name));
            Progress quiet_stats;
            const CalibrationStats stats =
                accumulate_statistics(MatrixInputSource(std::move(X), name + " calibration inputs"), quiet_stats);
            Layer layer;
            layer.name = name;
            layer.W = *model.linear(name);
            SubProgress layer_progress(progress, static_cast<double>(b) / static_cast<double>(n_blocks),
                                       static_cast<double>(b + 1) / static_cast<double>(n_blocks));
            MethodResult result;
            try {
                result = run_method(method, layer, stats, params, layer_progress);
            } catch (const ParameterError& e) {
                throw ParameterError(name + ": " + e.what());
            }
            *model.linear(name) = result.W_hat;
            report.layer_errors.emplace_back(name, result.relative_output_error);
            const double count = static_cast<double>(layer.W.size());
            weights += count;
            zeros += result.sparsity * count;
            bits += result.bits_per_weight * count;
            report.seconds += result.seconds;
        }
    }
    double error_sum = 0.0;
    for (const auto& [name, e] : report.layer_errors) error_sum += e;
    report.mean_layer_error = report.layer_errors.empty() ? 0.0 : error_sum / static_cast<double>(report.layer_errors.size());
    report.sparsity = weights > 0 ? zeros / weights : 0.0;
    report.bits_per_weight = weights > 0 ? bits / weights : 0.0;
    return report;
}

}  // namespace layerlens
