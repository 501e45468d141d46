#include "llama_forward.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../errors.h"

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

// Rotates each head's pairs by position · θ^(−2i/head_size), in place (row r is position first + r).
void apply_rope(MatrixF& x, int n_heads, const LlamaConfig& c, Eigen::Index first) {
    const int head = c.head_size(), half = head / 2;
    for (Eigen::Index pos = 0; pos < x.rows(); ++pos)
        for (int h = 0; h < n_heads; ++h)
            for (int i = 0; i < half; ++i) {
                // llama2.c computes the frequency in float as 1 / θ^(2i / head_size).
                const float frequency = 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * i) / static_cast<float>(head));
                const float angle = static_cast<float>(first + pos) * frequency;
                const float cos_a = std::cos(angle), sin_a = std::sin(angle);
                const Eigen::Index a = h * head + (c.rope == RopeStyle::InterleavedPairs ? 2 * i : i);
                const Eigen::Index b = c.rope == RopeStyle::InterleavedPairs ? a + 1 : a + half;
                const float x0 = x(pos, a), x1 = x(pos, b);
                x(pos, a) = x0 * cos_a - x1 * sin_a;
                x(pos, b) = x0 * sin_a + x1 * cos_a;
            }
}

// Causal grouped-query attention: query head h reads key/value head h / (n_heads / n_kv_heads);
// query row i is position first + i and sees the keys of positions 0 .. first + i.
MatrixF attention(const MatrixF& q, const MatrixF& k, const MatrixF& v, const LlamaConfig& c, Eigen::Index first) {
    const Eigen::Index T = q.rows(), S = k.rows();
    const int head = c.head_size(), group = c.n_heads / c.n_kv_heads;
    const float scale = 1.0f / std::sqrt(static_cast<float>(head));
    MatrixF out(T, c.dim);
    MatrixF scores(T, S);
    for (int h = 0; h < c.n_heads; ++h) {
        const int kv = h / group;
        scores.noalias() = q.middleCols(h * head, head) * k.middleCols(kv * head, head).transpose() * scale;
        for (Eigen::Index i = 0; i < T; ++i) {
            const Eigen::Index seen = first + i + 1;
            const float top = scores.row(i).head(seen).maxCoeff();
            float total = 0.0f;
            for (Eigen::Index j = 0; j < seen; ++j) total += scores(i, j) = std::exp(scores(i, j) - top);
            scores.row(i).head(seen) /= total;
            scores.row(i).tail(S - seen).setZero();
        }
        out.middleCols(h * head, head).noalias() = scores * v.middleCols(kv * head, head);
    }
    return out;
}

// Appends rows to a cache matrix (a new block's cache starts empty).
void append_rows(MatrixF& cache, const MatrixF& rows) {
    const Eigen::Index old = cache.rows();
    cache.conservativeResize(old + rows.rows(), rows.cols());
    cache.bottomRows(rows.rows()) = rows;
}

void observe(const LinearInputObserver& observer, const std::string& name, const MatrixF& X) {
    if (observer) observer(name, X);
}

}  // namespace

MatrixF llama_logits(const LlamaModel& model, const std::vector<int>& tokens, const LinearInputObserver& observer) {
    KeyValueCache cache;
    return llama_logits_continued(model, tokens, cache, observer);
}

MatrixF llama_logits_continued(const LlamaModel& model, const std::vector<int>& tokens, KeyValueCache& cache,
                               const LinearInputObserver& observer) {
    const LlamaConfig& c = model.config;
    const auto T = static_cast<Eigen::Index>(tokens.size());
    const Eigen::Index first = cache.positions;
    if (first + T > c.seq_len)
        throw InputError("a sequence of " + std::to_string(first + T) + " tokens is longer than the model's context of " +
                         std::to_string(c.seq_len));
    MatrixF x(T, c.dim);
    for (Eigen::Index t = 0; t < T; ++t) {
        const int token = tokens[static_cast<size_t>(t)];
        if (token < 0 || token >= c.vocab_size)
            throw InputError("token id " + std::to_string(token) + " at position " + std::to_string(first + t) +
                             " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
        x.row(t) = model.token_embedding.row(token);
    }
    cache.keys.resize(model.blocks.size());
    cache.values.resize(model.blocks.size());
    for (size_t b = 0; b < model.blocks.size(); ++b) {
        const LlamaBlock& block = model.blocks[b];
        const std::string prefix = "layers." + std::to_string(b) + ".";
        MatrixF xn = rms_norm_rows(x, block.attention_norm, c.norm_eps);
        observe(observer, prefix + "attention.wq", xn);
        observe(observer, prefix + "attention.wk", xn);
        observe(observer, prefix + "attention.wv", xn);
        MatrixF q = xn * block.wq.transpose(), k = xn * block.wk.transpose();
        const MatrixF v = xn * block.wv.transpose();
        apply_rope(q, c.n_heads, c, first);
        apply_rope(k, c.n_kv_heads, c, first);
        append_rows(cache.keys[b], k);
        append_rows(cache.values[b], v);
        const MatrixF mixed = attention(q, cache.keys[b], cache.values[b], c, first);
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
    cache.positions = first + T;
    const MatrixF xn = rms_norm_rows(x, model.final_norm, c.norm_eps);
    observe(observer, "output", xn);
    return xn * model.classifier.transpose();
}

}  // namespace layerlens
