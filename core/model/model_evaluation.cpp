#include "model_evaluation.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include "../errors.h"
#include "../method_registry.h"
#include "../progress.h"
#include "llama2c_tokenizer.h"
#include "model_comparison.h"
#include "model_compression.h"
#include "model_sampling.h"

namespace layerlens {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs forward passes of the model in `where` (its file, and the compression it had): what goes
// wrong inside them (float32 overflowing, a sampled BOS outside the vocabulary) is about that
// model, so the message names it.
template <class Stage>
auto about_model(const std::string& where, Stage&& stage) -> decltype(stage()) {
    try {
        return stage();
    } catch (const InputError& e) {
        throw InputError(where + ": " + e.what());
    }
}

// Sampling streams: calibration and evaluation never share random numbers.
constexpr std::uint32_t kCalibrationStream = 0, kEvaluationStream = 1;

TokenSequences token_set(const TokenSetSpec& spec, const std::string& what, const ModelEvalRequest& request,
                         const LlamaModel& model, const Llama2cTokenizer* tokenizer, std::uint32_t stream, Progress& progress) {
    const LlamaConfig& c = model.config;
    if (!spec.npy_path.empty() && !spec.text_path.empty())
        throw ParameterError("give the " + what + " tokens as a .npy file or as text, not both");
    TokenSequences sequences;
    if (!spec.npy_path.empty()) {
        sequences = read_token_file(spec.npy_path, c.vocab_size, c.seq_len);
    } else if (!spec.text_path.empty()) {
        if (!tokenizer) throw ParameterError(what + " text (" + spec.text_path + ") needs the tokenizer (--tokenizer)");
        sequences = text_token_sequences(*tokenizer, spec.text_path, request.seq_len);
    } else {
        if (spec.sequences <= 0) throw ParameterError("the " + what + " set needs at least one sequence");
        sequences = about_model(request.model_path, [&] {
            return sample_sequences(model, spec.sequences, request.seq_len, request.seed, progress, stream);
        });
    }
    return sequences;
}

// Sampled evaluation sequences that equal a calibration sequence are redrawn from further
// indices of the evaluation stream, so the two sets never overlap. Files are the user's choice:
// an overlap there is reported, not changed.
void keep_disjoint(TokenSequences& evaluation, const TokenSequences& calibration, bool sampled, const ModelEvalRequest& request,
                   const LlamaModel& model, std::vector<std::string>& notes, Progress& progress) {
    const std::set<std::vector<int>> seen(calibration.begin(), calibration.end());
    int next_index = static_cast<int>(evaluation.size());
    int overlapping = 0;
    for (std::vector<int>& sequence : evaluation) {
        int redraws = 0;
        while (seen.count(sequence)) {
            if (!sampled) {
                ++overlapping;
                break;
            }
            if (++redraws > 100) throw InputError("the model keeps sampling its calibration sequences; use token files");
            sequence = about_model(request.model_path, [&] {
                return sample_sequences(model, 1, request.seq_len, request.seed, progress, kEvaluationStream, next_index++).front();
            });
        }
    }
    if (overlapping > 0)
        notes.push_back(std::to_string(overlapping) + " evaluation sequences are also calibration sequences");
}

// Every point is checked against every distinct layer shape before the first (long) compression.
void validate_points(const std::vector<ModelEvalPoint>& points, const LlamaModel& model) {
    std::set<std::pair<Eigen::Index, Eigen::Index>> shapes;
    std::vector<Layer> layers;
    for (const std::string& name : model.linear_names()) {
        if (name == "output") continue;
        const MatrixF& W = *model.linear(name);
        if (!shapes.insert({W.rows(), W.cols()}).second) continue;
        Layer layer;
        layer.name = name;
        layer.W = W;
        layers.push_back(std::move(layer));
    }
    for (const ModelEvalPoint& point : points)
        for (const Layer& layer : layers) {
            try {
                validate_method(find_method(point.method), layer, point.params);
            } catch (const ParameterError& e) {
                throw ParameterError(point.method + " on " + layer.name + " (" + std::to_string(layer.d_out()) + " x " +
                                     std::to_string(layer.d_in()) + "): " + e.what());
            }
        }
}

}  // namespace

ModelEvaluation evaluate_model(const ModelEvalRequest& request, Progress& progress, const ModelEvalCallbacks& callbacks) {
    for (const ModelEvalPoint& point : request.points) find_method(point.method);
    progress.report(0.0, "loading the model");
    const LoadedModel dense = load_model(request.model_path, request.limits);
    const LlamaConfig& c = dense.model.config;
    if (c.seq_len < 2)
        throw InputError(request.model_path + ": the model's context is " + std::to_string(c.seq_len) +
                         " token; a perplexity needs sequences of at least 2");
    if (request.seq_len < 2 || request.seq_len > c.seq_len)
        throw ParameterError("the sequence length must be 2 to " + std::to_string(c.seq_len) +
                             " (the model's context), got " + std::to_string(request.seq_len));
    validate_points(request.points, dense.model);
    std::unique_ptr<Llama2cTokenizer> tokenizer;
    if (!request.tokenizer_path.empty()) tokenizer = std::make_unique<Llama2cTokenizer>(request.tokenizer_path, c.vocab_size);

    ModelEvaluation evaluation;
    evaluation.model_path = request.model_path;
    evaluation.layout = dense.layout;
    evaluation.config = c;
    evaluation.sequential = request.sequential;

    // Stage weights of the one progress bar: the token sets, the dense row, then each point.
    const double n_points = static_cast<double>(request.points.size());
    const double sets_end = 0.1, dense_end = request.points.empty() ? 1.0 : 0.15;
    const bool need_calibration = !request.points.empty();
    TokenSequences calibration;
    if (need_calibration) {
        SubProgress sub(progress, 0.0, sets_end / 2);
        calibration = token_set(request.calibration, "calibration", request, dense.model, tokenizer.get(), kCalibrationStream, sub);
    }
    TokenSequences evaluation_set;
    {
        SubProgress sub(progress, sets_end / 2, sets_end);
        evaluation_set = token_set(request.evaluation, "evaluation", request, dense.model, tokenizer.get(), kEvaluationStream, sub);
        const bool sampled = request.evaluation.npy_path.empty() && request.evaluation.text_path.empty();
        std::vector<std::string> notes;
        keep_disjoint(evaluation_set, calibration, sampled, request, dense.model, notes, sub);
        evaluation.notes = notes;
    }
    for (const auto& sequence : calibration) evaluation.calibration_tokens += static_cast<long long>(sequence.size());
    evaluation.calibration_sequences = static_cast<long long>(calibration.size());
    evaluation.evaluation_sequences = static_cast<long long>(evaluation_set.size());
    evaluation.calibration_set = calibration;
    evaluation.evaluation_set = evaluation_set;
    if (tokenizer) {
        const std::vector<int>& first = evaluation_set.front();
        for (size_t t = 1; t < first.size(); ++t) evaluation.evaluation_sample += tokenizer->decode(first[t - 1], first[t]);
    }

    {
        SubProgress sub(progress, sets_end, dense_end);
        const auto start = std::chrono::steady_clock::now();
        const ModelComparison dense_score = about_model(request.model_path, [&] {
            return compare_models(dense.model, dense.model, evaluation_set, sub, callbacks.dense_logits);
        });
        ModelEvalRow row;
        row.method = "dense";
        row.perplexity = dense_score.candidate.perplexity();
        row.eval_seconds = seconds_since(start);
        evaluation.evaluation_tokens = dense_score.candidate.predicted;
        evaluation.rows.push_back(row);
        if (callbacks.row) callbacks.row(evaluation, evaluation.rows.back());
    }

    for (size_t k = 0; k < request.points.size(); ++k) {
        const ModelEvalPoint& point = request.points[k];
        const MethodInfo& method = find_method(point.method);
        const double begin = dense_end + (1.0 - dense_end) * static_cast<double>(k) / n_points;
        const double end = dense_end + (1.0 - dense_end) * static_cast<double>(k + 1) / n_points;
        const double split = begin + (end - begin) * 0.85;
        LoadedModel compressed{dense.model, dense.layout, dense.path};
        ModelEvalRow row;
        row.method = method.name;
        row.budget = point.budget;
        const auto start = std::chrono::steady_clock::now();
        const std::string compressed_where = request.model_path + " under " + method.name + " " + point.budget;
        {
            SubProgress sub(progress, begin, split);
            const ModelCompressionReport report = about_model(compressed_where, [&] {
                return compress_model(compressed.model, calibration, method, point.params, request.sequential, sub, &dense.model);
            });
            row.mean_layer_error = report.mean_layer_error;
            row.bits_per_weight = report.bits_per_weight;
            row.sparsity = report.sparsity;
            row.layer_errors = report.layer_errors;
            row.params = report.params;
        }
        row.seconds = seconds_since(start);
        {
            SubProgress sub(progress, split, end);
            const auto eval_start = std::chrono::steady_clock::now();
            const ModelComparison score =
                about_model(compressed_where, [&] { return compare_models(dense.model, compressed.model, evaluation_set, sub); });
            row.perplexity = score.candidate.perplexity();
            row.kl = score.mean_kl();
            row.eval_seconds = seconds_since(eval_start);
        }
        evaluation.rows.push_back(row);
        if (callbacks.compressed) callbacks.compressed(compressed, evaluation.rows.back());
        if (callbacks.row) callbacks.row(evaluation, evaluation.rows.back());
    }
    progress.report(1.0, "done");
    return evaluation;
}

}  // namespace layerlens
