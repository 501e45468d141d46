#include "model_comparison.h"

#include <cmath>
#include <limits>
#include <string>

#include "../errors.h"
#include "../progress.h"

namespace layerlens {

namespace {

// log softmax of one row of logits, in double: float32 logits summed over a large vocabulary
// lose the digits a perplexity comparison needs.
Eigen::VectorXd log_softmax(const MatrixF& logits, Eigen::Index t) {
    const Eigen::VectorXd row = logits.row(t).transpose().cast<double>();
    const double top = row.maxCoeff();
    return row.array() - (top + std::log((row.array() - top).exp().sum()));
}

struct SequenceScore {
    double nll = 0.0, kl = 0.0;
};

SequenceScore score_sequence(const MatrixF& reference, const MatrixF* candidate, const std::vector<int>& tokens) {
    SequenceScore score;
    for (Eigen::Index t = 0; t + 1 < reference.rows(); ++t) {
        const Eigen::VectorXd log_p = log_softmax(reference, t);
        const int next = tokens[static_cast<size_t>(t + 1)];
        if (!candidate) {
            score.nll -= log_p(next);
            continue;
        }
        const Eigen::VectorXd log_q = log_softmax(*candidate, t);
        score.nll -= log_q(next);
        score.kl += (log_p.array().exp() * (log_p - log_q).array()).sum();
    }
    return score;
}

}  // namespace

double NegativeLogLikelihood::perplexity() const {
    return predicted > 0 ? std::exp(sum / static_cast<double>(predicted)) : std::numeric_limits<double>::quiet_NaN();
}

double ModelComparison::mean_kl() const {
    return candidate.predicted > 0 ? kl_sum / static_cast<double>(candidate.predicted)
                                   : std::numeric_limits<double>::quiet_NaN();
}

ModelComparison compare_models(const LlamaModel& reference, const LlamaModel& candidate,
                               const std::vector<std::vector<int>>& sequences, Progress& progress,
                               const LogitsObserver& reference_logits) {
    const auto n = static_cast<long long>(sequences.size());
    const bool same = &reference == &candidate;
    std::vector<SequenceScore> scores(sequences.size());
    std::vector<std::string> errors(sequences.size());
    long long done = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (long long s = 0; s < n; ++s) {
        if (progress.cancelled()) continue;
        try {
            const std::vector<int>& tokens = sequences[static_cast<size_t>(s)];
            const MatrixF p = llama_logits(reference, tokens);
            if (reference_logits) reference_logits(s, p);
            if (same) {
                scores[static_cast<size_t>(s)] = score_sequence(p, nullptr, tokens);
            } else {
                const MatrixF q = llama_logits(candidate, tokens);
                scores[static_cast<size_t>(s)] = score_sequence(p, &q, tokens);
            }
        } catch (const std::exception& e) {
            errors[static_cast<size_t>(s)] = "sequence " + std::to_string(s) + ": " + e.what();
        }
#pragma omp critical(model_comparison_progress)
        progress.report(static_cast<double>(++done) / static_cast<double>(n), "evaluating");
    }
    progress.check();
    for (const std::string& error : errors)
        if (!error.empty()) throw InputError(error);
    ModelComparison result;
    for (size_t s = 0; s < sequences.size(); ++s) {
        result.candidate.sum += scores[s].nll;
        result.kl_sum += scores[s].kl;
        result.candidate.predicted += std::max<long long>(0, static_cast<long long>(sequences[s].size()) - 1);
    }
    return result;
}

NegativeLogLikelihood llama_negative_log_likelihood(const LlamaModel& model, const std::vector<std::vector<int>>& sequences,
                                                    Progress& progress) {
    return compare_models(model, model, sequences, progress).candidate;
}

}  // namespace layerlens
