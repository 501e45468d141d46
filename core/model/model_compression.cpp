#include "model_compression.h"

#include <map>
#include <memory>

#include "../calibration_stats.h"
#include "../errors.h"
#include "../input_source.h"
#include "../progress.h"
#include "llama_forward.h"

namespace layerlens {

namespace {

// What enters each linear layer whose name starts with `prefix`, over every calibration
// sequence (rows in sequence order). Sequences run in parallel; each keeps only its prefix's
// inputs, so memory is those inputs plus one sequence's activations per thread.
std::map<std::string, MatrixF> captured_inputs(const LlamaModel& model, const std::vector<std::vector<int>>& calibration,
                                               const std::string& prefix, Progress& progress) {
    const auto n = static_cast<long long>(calibration.size());
    std::vector<std::map<std::string, MatrixF>> pieces(calibration.size());
    std::vector<std::string> errors(calibration.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (long long s = 0; s < n; ++s) {
        if (progress.cancelled()) continue;
        try {
            llama_logits(model, calibration[static_cast<size_t>(s)], [&](const std::string& name, const MatrixF& X) {
                if (name.rfind(prefix, 0) == 0) pieces[static_cast<size_t>(s)][name] = X;
            });
        } catch (const std::exception& e) {
            errors[static_cast<size_t>(s)] = "calibration sequence " + std::to_string(s) + ": " + e.what();
        }
    }
    progress.check();
    for (const std::string& error : errors)
        if (!error.empty()) throw InputError(error);
    std::map<std::string, MatrixF> inputs;
    for (const auto& [name, first] : pieces.front()) {
        Eigen::Index rows = 0;
        for (const auto& piece : pieces) rows += piece.at(name).rows();
        MatrixF& X = inputs[name];
        X.resize(rows, first.cols());
        Eigen::Index at = 0;
        for (auto& piece : pieces) {
            MatrixF& part = piece.at(name);
            X.middleRows(at, part.rows()) = part;
            at += part.rows();
            part = MatrixF();
        }
    }
    return inputs;
}

}  // namespace

ModelCompressionReport compress_model(LlamaModel& model, const std::vector<std::vector<int>>& calibration,
                                      const MethodInfo& method, const CompressionParams& params, bool sequential,
                                      Progress& progress, const LlamaModel* dense) {
    if (calibration.empty()) throw InputError("no calibration sequences");
    ModelCompressionReport report;
    // Not sequential: every block is calibrated on the dense model's activations, captured block
    // by block from it (holding every layer's inputs at once would cost far more than a model).
    std::unique_ptr<const LlamaModel> copy;
    if (!sequential && !dense) dense = (copy = std::make_unique<const LlamaModel>(model)).get();
    const LlamaModel& source = sequential ? model : *dense;
    const std::vector<std::string> names = model.linear_names();
    const double n_layers = static_cast<double>(names.size() - 1);   // the classifier stays dense
    double weights = 0.0, zeros = 0.0, bits = 0.0;
    size_t done = 0;
    for (size_t b = 0; b < model.blocks.size(); ++b) {
        const std::string prefix = "layers." + std::to_string(b) + ".";
        progress.report(static_cast<double>(done) / n_layers, "capturing the inputs of block " + std::to_string(b));
        std::map<std::string, MatrixF> block_inputs = captured_inputs(source, calibration, prefix, progress);
        for (const std::string& name : names) {
            if (name.rfind(prefix, 0) != 0) continue;
            progress.check();
            // Each layer's inputs are used once: moved into the statistics pass, not copied.
            Progress quiet_stats;
            const CalibrationStats stats = accumulate_statistics(
                MatrixInputSource(std::move(block_inputs.at(name)), name + " calibration inputs"), quiet_stats);
            Layer layer;
            layer.name = name;
            layer.W = *model.linear(name);
            SubProgress layer_progress(progress, static_cast<double>(done) / n_layers, static_cast<double>(done + 1) / n_layers);
            layer_progress.report(0.0, name + ": " + method.name);
            MethodResult result;
            try {
                result = run_method(method, layer, stats, params, layer_progress);
            } catch (const ParameterError& e) {
                throw ParameterError(name + ": " + e.what());
            }
            *model.linear(name) = std::move(result.W_hat);
            if (report.layer_errors.empty())
                for (const auto& [key, value] : result.params)
                    if (key.size() < 5 || key.compare(key.size() - 5, 5, "_used") != 0) report.params.emplace_back(key, value);
            report.layer_errors.emplace_back(name, result.relative_output_error);
            const double count = static_cast<double>(layer.W.size());
            weights += count;
            zeros += result.sparsity * count;
            bits += result.bits_per_weight * count;
            report.seconds += result.seconds;
            ++done;
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
