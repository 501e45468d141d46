// `eval-model`: a whole model compressed with each method and budget, its perplexity and KL
// divergence from the dense model on one evaluation set (core/model/model_evaluation.h).
#include <filesystem>
#include <iostream>
#include <mutex>

#include "commands.h"
#include "errors.h"
#include "io/atomic_output.h"
#include "io/npy_writer.h"
#include "model/model_eval_json.h"
#include "model/model_evaluation.h"
#include "stderr_progress.h"

namespace layerlens::cli {

namespace {

// The dense logits of every evaluation sequence, gathered from the worker threads.
class LogitsCollector {
public:
    void add(long long s, const MatrixF& logits) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (static_cast<size_t>(s) >= sequences_.size()) sequences_.resize(static_cast<size_t>(s) + 1);
        sequences_[static_cast<size_t>(s)] = logits;
    }
    // float32 [n, T, vocab], row-major: each sequence's [T, vocab] logits in token order.
    void write(const std::string& path) const {
        if (sequences_.empty()) throw InputError(path + ": no evaluation sequences to write");
        const Eigen::Index T = sequences_.front().rows(), vocab = sequences_.front().cols();
        std::vector<float> data;
        data.reserve(sequences_.size() * static_cast<size_t>(T * vocab));
        for (size_t s = 0; s < sequences_.size(); ++s) {
            if (sequences_[s].rows() != T)
                throw ParameterError("--save-logits needs sequences of one length (sequence " + std::to_string(s) + " has " +
                                     std::to_string(sequences_[s].rows()) + " tokens, the first " + std::to_string(T) + ")");
            for (Eigen::Index t = 0; t < T; ++t)
                for (Eigen::Index v = 0; v < vocab; ++v) data.push_back(sequences_[s](t, v));
        }
        write_npy_file(path, "<f4", {sequences_.size(), static_cast<std::uint64_t>(T), static_cast<std::uint64_t>(vocab)},
                       data.data(), data.size() * sizeof(float));
    }

private:
    std::mutex mutex_;
    std::vector<MatrixF> sequences_;
};

}  // namespace

int run_eval_model(const Options& options) {
    const ModelEvalRequest& request = options.model_eval;
    // A finished save must never be refused after minutes of work.
    if (!options.save_model_path.empty())
        check_output_target("--save-model", options.save_model_path, options.force, {request.model_path, request.tokenizer_path},
                            true);
    StderrProgress progress("eval-model", options.quiet);
    LogitsCollector logits;
    ModelEvalCallbacks callbacks;
    if (!options.save_logits_path.empty())
        callbacks.dense_logits = [&](long long s, const MatrixF& l) { logits.add(s, l); };
    if (!options.save_model_path.empty())
        callbacks.compressed = [&](const LoadedModel& model, const ModelEvalRow&) {
            save_model(model.model, model.layout, options.save_model_path, options.force);
        };
    const ModelEvaluation evaluation = evaluate_model(request, progress, callbacks);
    progress.finish();
    if (!options.save_logits_path.empty()) {
        logits.write(options.save_logits_path);
        std::cerr << "wrote " << options.save_logits_path << "\n";
    }
    if (!options.save_model_path.empty()) std::cerr << "wrote " << options.save_model_path << "\n";
    for (const auto& [path, set] : {std::pair{options.save_calib_tokens_path, &evaluation.calibration_set},
                                    std::pair{options.save_eval_tokens_path, &evaluation.evaluation_set}}) {
        if (path.empty()) continue;
        write_token_file(*set, path);
        std::cerr << "wrote " << path << "\n";
    }
    for (const std::string& note : evaluation.notes) std::cerr << "note: " << note << "\n";
    if (options.json) {
        std::cout << model_eval_json_text(evaluation);
    } else if (options.csv) {
        std::cout << model_eval_csv(evaluation);
    } else {
        if (!evaluation.evaluation_sample.empty())
            std::cout << "evaluation sequence 0: " << evaluation.evaluation_sample.substr(0, 160)
                      << (evaluation.evaluation_sample.size() > 160 ? "..." : "") << "\n";
        std::cout << model_eval_table_text(evaluation);
    }
    return kExitOk;
}

}  // namespace layerlens::cli
