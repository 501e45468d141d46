#include "llama_forward.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../errors.h"
#include "../progress.h"

namespace layerlens {

namespace {

MatrixF rms_norm_rows(const MatrixF& x, const VectorF& weight, float eps) {
    MatrixF out(x.rows(), x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        const float mean_square = x.row(t).squaredNorm() / static_cast<float>(x.cols());
        const float scale = 1.0f / std::sqrt(mean_square + eps);
        out.row(t) = (x.row(t) * scale).cwiseProduct(weight.transpose());
    }
    return out;
}

// Rotates each head's pairs by position · θ^(−2i/head_size), in place (rows are positions).
void apply_rope(MatrixF& x, int n_heads, const LlamaConfig& c) {
    const int head = c.head_size(), half = head / 2;
    for (Eigen::Index pos = 0; pos < x.rows(); ++pos)
        for (int h = 0; h < n_heads; ++h)
            for (int i = 0; i < half; ++i) {
                // llama2.c computes the frequency in float as 1 / θ^(2i / head_size).
                const float frequency = 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * i) / static_cast<float>(head));
                const float angle = static_cast<float>(pos) * frequency;
                const float cos_a = std::cos(angle), sin_a = std::sin(angle);
                const Eigen::Index a = h * head + (c.rope == RopeStyle::InterleavedPairs ? 2 * i : i);
                const Eigen::Index b = c.rope == RopeStyle::InterleavedPairs ? a + 1 : a + half;
                const float x0 = x(pos, a), x1 = x(pos, b);
                x(pos, a) = x0 * cos_a - x1 * sin_a;
                x(pos, b) = x0 * sin_a + x1 * cos_a;
            }
}

// Causal grouped-query attention: query head h reads key/value head h / (n_heads / n_kv_heads).
MatrixF attention(const MatrixF& q, const MatrixF& k, const MatrixF& v, const LlamaConfig& c) {
    const Eigen::Index T = q.rows();
    const int head = c.head_size(), group = c.n_heads / c.n_kv_heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(head));
    MatrixF out(T, c.dim);
    MatrixF scores(T, T);
    for (int h = 0; h < c.n_heads; ++h) {
        const int kv = h / group;
        scores.noalias() = q.middleCols(h * head, head) * k.middleCols(kv * head, head).transpose() * scale;
        for (Eigen::Index i = 0; i < T; ++i) {
            const float top = scores.row(i).head(i + 1).maxCoeff();
            float total = 0.0f;
            for (Eigen::Index j = 0; j <= i; ++j) total += scores(i, j) = std::exp(scores(i, j) - top);
            scores.row(i).head(i + 1) /= total;
            scores.row(i).tail(T - i - 1).setZero();
        }
        out.middleCols(h * head, head).noalias() = scores * v.middleCols(kv * head, head);
    }
    return out;
}

void observe(const LinearInputObserver& observer, const std::string& name, const MatrixF& X) {
    if (observer) observer(name, X);
}

}  // namespace

MatrixF llama_logits(const LlamaModel& model, const std::vector<int>& tokens, const LinearInputObserver& observer) {
    const LlamaConfig& c = model.config;
    const auto T = static_cast<Eigen::Index>(tokens.size());
    if (T > c.seq_len)
        throw InputError("a sequence of " + std::to_string(T) + " tokens is longer than the model's context of " +
                         std::to_string(c.seq_len));
    MatrixF x(T, c.dim);
    for (Eigen::Index t = 0; t < T; ++t) {
        const int token = tokens[static_cast<size_t>(t)];
        if (token < 0 || token >= c.vocab_size)
            throw InputError("token id " + std::to_string(token) + " at position " + std::to_string(t) +
                             " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
        x.row(t) = model.token_embedding.row(token);
    }
    for (size_t b = 0; b < model.blocks.size(); ++b) {
        const LlamaBlock& block = model.blocks[b];
        const std::string prefix = "layers." + std::to_string(b) + ".";
        MatrixF xn = rms_norm_rows(x, block.attention_norm, c.norm_eps);
        observe(observer, prefix + "attention.wq", xn);
        observe(observer, prefix + "attention.wk", xn);
        observe(observer, prefix + "attention.wv", xn);
        MatrixF q = xn * block.wq.transpose(), k = xn * block.wk.transpose();
        const MatrixF v = xn * block.wv.transpose();
        apply_rope(q, c.n_heads, c);
        apply_rope(k, c.n_kv_heads, c);
        const MatrixF mixed = attention(q, k, v, c);
        observe(observer, prefix + "attention.wo", mixed);
        x.noalias() += mixed * block.wo.transpose();

        xn = rms_norm_rows(x, block.ffn_norm, c.norm_eps);
        observe(observer, prefix + "feed_forward.w1", xn);
        observe(observer, prefix + "feed_forward.w3", xn);
        const MatrixF gate = xn * block.w1.transpose(), up = xn * block.w3.transpose();
        // SwiGLU: silu(w1 x) ⊙ (w3 x).
        const MatrixF hidden = (gate.array() / (1.0f + (-gate.array()).exp())).matrix().cwiseProduct(up);
        observe(observer, prefix + "feed_forward.w2", hidden);
        x.noalias() += hidden * block.w2.transpose();
    }
    const MatrixF xn = rms_norm_rows(x, model.final_norm, c.norm_eps);
    observe(observer, "output", xn);
    return xn * model.classifier.transpose();
}

double NegativeLogLikelihood::perplexity() const {
    return predicted > 0 ? std::exp(sum / static_cast<double>(predicted)) : std::numeric_limits<double>::quiet_NaN();
}

NegativeLogLikelihood llama_negative_log_likelihood(const LlamaModel& model, const std::vector<std::vector<int>>& sequences,
                                                    Progress& progress) {
    const auto n = static_cast<long long>(sequences.size());
    std::vector<double> sums(sequences.size(), 0.0);
    std::vector<std::string> errors(sequences.size());
    long long done = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (long long s = 0; s < n; ++s) {
        if (progress.cancelled()) continue;
        try {
            const std::vector<int>& tokens = sequences[static_cast<size_t>(s)];
            const MatrixF logits = llama_logits(model, tokens);
            double sum = 0.0;
            for (Eigen::Index t = 0; t + 1 < logits.rows(); ++t) {
                const Eigen::VectorXd row = logits.row(t).transpose().cast<double>();
                const double top = row.maxCoeff();
                const double log_total = top + std::log((row.array() - top).exp().sum());
                sum += log_total - row(tokens[static_cast<size_t>(t + 1)]);
            }
            sums[static_cast<size_t>(s)] = sum;
        } catch (const std::exception& e) {
            errors[static_cast<size_t>(s)] = "sequence " + std::to_string(s) + ": " + e.what();
        }
#pragma omp critical(llama_progress)
        {
            ++done;
            progress.report(static_cast<double>(done) / static_cast<double>(n), "evaluating");
        }
    }
    progress.check();
    for (const std::string& error : errors)
        if (!error.empty()) throw InputError(error);
    NegativeLogLikelihood result;
    for (size_t s = 0; s < sequences.size(); ++s) {
        result.sum += sums[s];
        result.predicted += std::max<long long>(0, static_cast<long long>(sequences[s].size()) - 1);
    }
    return result;
}

}  // namespace layerlens
