#include "llama_forward.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "../errors.h"

namespace layerlens {

namespace {

// A row whose squares overflow float32 (|x| beyond ~1e19) has its mean square taken in double:
// in float it would be infinite and the row normalised to 0, a wrong activation float64 would
// not give. Ordinary rows keep llama2.c's float arithmetic bit for bit.
MatrixF rms_norm_rows(const MatrixF& x, const VectorF& weight, float eps) {
    MatrixF out(x.rows(), x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        const float mean_square = x.row(t).squaredNorm() / static_cast<float>(x.cols());
        if (std::isfinite(mean_square)) {
            const float scale = 1.0f / std::sqrt(mean_square + eps);
            out.row(t) = (x.row(t) * scale).cwiseProduct(weight.transpose());
        } else {
            const double wide = x.row(t).cast<double>().squaredNorm() / static_cast<double>(x.cols());
            const double scale = 1.0 / std::sqrt(wide + eps);
            out.row(t) = (x.row(t).cast<double>() * scale).cwiseProduct(weight.transpose().cast<double>()).cast<float>();
        }
    }
    return out;
}

double max_magnitude(const MatrixF& m) { return m.size() ? static_cast<double>(m.cwiseAbs().maxCoeff()) : 0.0; }

std::string magnitude_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
}

// float32 overflows where float64 would not: a weight of 1e38 makes a product, q·kᵀ or the
// residual stream infinite and every later number NaN, and the perplexity of NaN logits would be
// reported as a result. The first stage whose output is not finite stops the pass instead,
// named with the position and the magnitudes that made it (`why` is built only then).
// The sum is one vectorised pass (allFinite's comparisons were 5% of an evaluation); a NaN or
// an infinity makes it non-finite, and so may finite values near FLT_MAX, which allFinite sorts out.
bool all_finite(const MatrixF& m) { return std::isfinite(m.sum()) || m.allFinite(); }

template <class Why>
void require_finite(const MatrixF& out, Eigen::Index first, const Why& why) {
    if (all_finite(out)) return;
    Eigen::Index row = 0;
    while (row + 1 < out.rows() && out.row(row).allFinite()) ++row;
    throw InputError(why() + " is not finite in float32 at position " + std::to_string(first + row) +
                     ", so the model cannot be evaluated on these tokens (float32 overflows where float64 would not)");
}

// A product through weight W on inputs X (`what()` names it: a linear layer's output, the residual).
template <class What>
void require_finite_product(const MatrixF& out, Eigen::Index first, const What& what, const MatrixF& W, const MatrixF& X) {
    require_finite(out, first, [&] {
        return what() + " (the weight reaches |w| = " + magnitude_text(max_magnitude(W)) + ", its input |x| = " +
               magnitude_text(max_magnitude(X)) + ")";
    });
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
        require_finite_product(q, first, [&] { return "the output of " + prefix + "attention.wq"; }, block.wq, xn);
        require_finite_product(k, first, [&] { return "the output of " + prefix + "attention.wk"; }, block.wk, xn);
        require_finite_product(v, first, [&] { return "the output of " + prefix + "attention.wv"; }, block.wv, xn);
        apply_rope(q, c.n_heads, c, first);
        apply_rope(k, c.n_kv_heads, c, first);
        append_rows(cache.keys[b], k);
        append_rows(cache.values[b], v);
        const MatrixF mixed = attention(q, cache.keys[b], cache.values[b], c, first);
        require_finite(mixed, first, [&] {
            return "the attention of layers." + std::to_string(b) + " (softmax of q·kᵀ with |q| = " +
                   magnitude_text(max_magnitude(q)) + ", |k| = " + magnitude_text(max_magnitude(cache.keys[b])) + ")";
        });
        observe(observer, prefix + "attention.wo", mixed);
        x.noalias() += mixed * block.wo.transpose();
        require_finite_product(x, first, [&] { return "the residual stream after " + prefix + "attention.wo"; }, block.wo, mixed);

        xn = rms_norm_rows(x, block.ffn_norm, c.norm_eps);
        observe(observer, prefix + "feed_forward.w1", xn);
        observe(observer, prefix + "feed_forward.w3", xn);
        const MatrixF gate = xn * block.w1.transpose(), up = xn * block.w3.transpose();
        require_finite_product(gate, first, [&] { return "the output of " + prefix + "feed_forward.w1"; }, block.w1, xn);
        require_finite_product(up, first, [&] { return "the output of " + prefix + "feed_forward.w3"; }, block.w3, xn);
        // SwiGLU: silu(w1 x) ⊙ (w3 x).
        const MatrixF hidden = (gate.array() / (1.0f + (-gate.array()).exp())).matrix().cwiseProduct(up);
        require_finite(hidden, first, [&] {
            return "silu(" + prefix + "feed_forward.w1 x) ⊙ " + prefix + "feed_forward.w3 x (|w1 x| = " +
                   magnitude_text(max_magnitude(gate)) + ", |w3 x| = " + magnitude_text(max_magnitude(up)) + ")";
        });
        observe(observer, prefix + "feed_forward.w2", hidden);
        x.noalias() += hidden * block.w2.transpose();
        require_finite_product(x, first, [&] { return "the residual stream after " + prefix + "feed_forward.w2"; }, block.w2, hidden);
    }
    cache.positions = first + T;
    const MatrixF xn = rms_norm_rows(x, model.final_norm, c.norm_eps);
    observe(observer, "output", xn);
    MatrixF logits = xn * model.classifier.transpose();
    require_finite_product(logits, first, [] { return std::string("the logits (output)"); }, model.classifier, xn);
    return logits;
}

}  // namespace layerlens
