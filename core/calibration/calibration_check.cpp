#include "calibration_check.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "../calibration_stats.h"
#include "../demo_layer.h"
#include "../errors.h"
#include "../io/layer_format.h"
#include "../input_source.h"
#include "../method_registry.h"
#include "../output_error.h"
#include "../progress.h"

namespace layerlens {

namespace {

constexpr Eigen::Index kMinTokens = 16;

// The source owns its rows: a resample, made for this call, is moved in rather than copied.
CalibrationStats statistics_of(MatrixF X, const std::string& what) {
    Progress quiet;
    return accumulate_statistics(MatrixInputSource(std::move(X), what), quiet);
}

// A bootstrap sample: `count` rows of X drawn uniformly with replacement.
MatrixF bootstrap(const MatrixF& X, Eigen::Index count, std::mt19937_64& rng) {
    std::uniform_int_distribution<Eigen::Index> row(0, X.rows() - 1);
    MatrixF sample(count, X.cols());
    for (Eigen::Index t = 0; t < count; ++t) sample.row(t) = X.row(row(rng));
    return sample;
}

// Ranks 1..n with ties given their average rank, for Spearman's correlation.
VectorD ranks(const VectorD& v) {
    std::vector<Eigen::Index> order(static_cast<size_t>(v.size()));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return v(a) < v(b); });
    VectorD r(v.size());
    for (size_t k = 0; k < order.size();) {
        size_t end = k;
        while (end + 1 < order.size() && v(order[end + 1]) == v(order[k])) ++end;
        const double average = 0.5 * static_cast<double>(k + end) + 1.0;
        for (size_t m = k; m <= end; ++m) r(order[m]) = average;
        k = end + 1;
    }
    return r;
}

double spearman(const VectorD& a, const VectorD& b) {
    const VectorD ra = ranks(a), rb = ranks(b);
    const VectorD ca = ra.array() - ra.mean(), cb = rb.array() - rb.mean();
    const double denominator = std::sqrt(ca.squaredNorm() * cb.squaredNorm());
    return denominator > 0 ? ca.dot(cb) / denominator : 1.0;
}

double mean_pairwise_jaccard(const std::vector<std::vector<int>>& sets) {
    double sum = 0.0;
    int pairs = 0;
    for (size_t i = 0; i < sets.size(); ++i)
        for (size_t j = i + 1; j < sets.size(); ++j, ++pairs) sum += jaccard(sets[i], sets[j]);
    return pairs ? sum / pairs : 1.0;
}

double changed_fraction(const MatrixF& a, const MatrixF& b) {
    return a.size() ? static_cast<double>((a.array() != b.array()).count()) / static_cast<double>(a.size()) : 0.0;
}

// 1 − J ≈ c·n^−β through the subsample sizes where J < 1; the n where J reaches kStableJaccard.
std::optional<double> tokens_for_stability(const std::vector<SubsampleStability>& curve) {
    std::vector<double> x, y;
    for (const SubsampleStability& point : curve)
        if (point.mean_jaccard < 1.0) x.push_back(std::log(static_cast<double>(point.tokens))), y.push_back(std::log(1.0 - point.mean_jaccard));
    if (x.size() < 2) return std::nullopt;
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / x.size(), my = std::accumulate(y.begin(), y.end(), 0.0) / y.size();
    double sxy = 0.0, sxx = 0.0;
    for (size_t k = 0; k < x.size(); ++k) sxy += (x[k] - mx) * (y[k] - my), sxx += (x[k] - mx) * (x[k] - mx);
    if (sxx <= 0) return std::nullopt;
    const double slope = sxy / sxx;   // −β
    if (slope >= 0) return std::nullopt;   // more tokens did not make it steadier: no estimate
    return std::exp(mx + (std::log(1.0 - kStableJaccard) - my) / slope);
}

}  // namespace

double jaccard(const std::vector<int>& a, const std::vector<int>& b) {
    std::vector<int> sa = a, sb = b, both, either;
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(both));
    std::set_union(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(either));
    return either.empty() ? 1.0 : static_cast<double>(both.size()) / static_cast<double>(either.size());
}

std::vector<int> top_channels(const VectorD& a, int count) {
    std::vector<int> order(static_cast<size_t>(a.size()));
    std::iota(order.begin(), order.end(), 0);
    count = std::clamp(count, 0, static_cast<int>(a.size()));
    std::partial_sort(order.begin(), order.begin() + count, order.end(), [&](int i, int j) {
        return a(i) > a(j) || (a(i) == a(j) && i < j);
    });
    order.resize(static_cast<size_t>(count));
    return order;
}

MatrixF read_all_inputs(const InputSource& inputs, std::size_t max_bytes, Progress& progress) {
    const double bytes = static_cast<double>(inputs.n_tokens()) * static_cast<double>(inputs.width()) * sizeof(float);
    if (bytes > static_cast<double>(max_bytes))
        throw InputError(inputs.description() + ": " + std::to_string(inputs.n_tokens()) + " x " +
                         std::to_string(inputs.width()) + " inputs would take " + std::to_string(static_cast<long long>(bytes / 1048576)) +
                         " MB in memory, more than the " + std::to_string(max_bytes >> 20) + " MB allowed (--max-memory-mb)");
    MatrixF X(inputs.n_tokens(), inputs.width());
    inputs.for_each_chunk(0 < inputs.n_tokens() ? std::min<Eigen::Index>(inputs.n_tokens(), 4096) : 1,
                          [&](const MatrixF& chunk, Eigen::Index first) {
                              if (!chunk.allFinite())
                                  for (Eigen::Index t = 0; t < chunk.rows(); ++t)
                                      for (Eigen::Index j = 0; j < chunk.cols(); ++j)
                                          if (!std::isfinite(chunk(t, j)))
                                              throw InputError(inputs.description() + ": token " + std::to_string(first + t) +
                                                               ", channel " + std::to_string(j) + " is " +
                                                               (std::isnan(chunk(t, j)) ? "NaN" : "infinite"));
                              X.middleRows(first, chunk.rows()) = chunk;
                          },
                          progress);
    return X;
}

LayerWithInputs load_layer_with_inputs(const LayerSource& source, Progress& progress) {
    LayerWithInputs loaded;
    if (source.demo) {
        DemoLayer demo = make_demo_layer(source.demo_spec);
        loaded.layer = std::move(demo.layer);
        loaded.X = std::move(demo.X);
        loaded.source = loaded.inputs_source = source.describe();
        return loaded;
    }
    const LayerFormat& format = detect_format(source.path);
    const std::string name = choose_layer(format.list_layers(source.path), source.path, source.layer);
    loaded.layer = format.read_layer(source.path, name, source.limits);
    const auto inputs = source.inputs_path.empty() ? format.open_own_inputs(source.path, name, loaded.layer.d_in())
                                                   : open_inputs(source.inputs_path, loaded.layer.name, loaded.layer.d_in());
    loaded.X = read_all_inputs(*inputs, source.limits.max_weight_bytes, progress);
    loaded.source = source.path + ":" + loaded.layer.name;
    loaded.inputs_source = inputs->description();
    return loaded;
}

MatrixF load_second_inputs(const std::string& path, const Layer& layer, const ReadLimits& limits, Progress& progress) {
    const auto inputs = open_inputs(path, layer.name, layer.d_in());
    return read_all_inputs(*inputs, limits.max_weight_bytes, progress);
}

CalibrationCheck check_calibration(const Layer& layer, const MatrixF& X_full, const MatrixF* X_second,
                                   const CalibrationCheckRequest& request, Progress& progress) {
    if (request.resamples < 2) throw ParameterError("--resamples must be at least 2, got " + std::to_string(request.resamples));
    if (request.points.empty()) throw ParameterError("calibration needs --methods");
    if (!(request.top_fraction > 0 && request.top_fraction <= 1)) throw ParameterError("the top fraction must be in (0, 1]");
    if (X_full.cols() != layer.d_in())
        throw InputError(request.first_source + " (" + layer.name + ") has width " + std::to_string(X_full.cols()) +
                         "; weight has d_in = " + std::to_string(layer.d_in()));
    if (X_second && X_second->cols() != layer.d_in())
        throw InputError(request.second_source + " (" + layer.name + ") has width " + std::to_string(X_second->cols()) +
                         "; weight has d_in = " + std::to_string(layer.d_in()));
    const Eigen::Index minimum = X_second ? kMinTokens : 2 * kMinTokens;
    auto too_few = [&](const std::string& where, Eigen::Index tokens, Eigen::Index needed, const std::string& why) {
        return InputError(where + " (" + layer.name + "): " + std::to_string(tokens) +
                          " tokens are too few to compare calibrations (at least " + std::to_string(needed) + why + ")");
    };
    if (X_full.rows() < minimum)
        throw too_few(request.first_source, X_full.rows(), minimum, X_second ? std::string() : " for two halves of " + std::to_string(kMinTokens));
    if (X_second && X_second->rows() < kMinTokens) throw too_few(request.second_source, X_second->rows(), kMinTokens, std::string());
    for (const ModelEvalPoint& point : request.points) validate_method(find_method(point.method), layer, point.params);

    CalibrationCheck check;
    const Eigen::Index half = X_full.rows() / 2;
    const MatrixF X_a = X_second ? MatrixF() : MatrixF(X_full.topRows(half));
    const MatrixF X_b = X_second ? MatrixF() : MatrixF(X_full.bottomRows(X_full.rows() - half));
    const MatrixF& A = X_second ? X_full : X_a;
    const MatrixF& B = X_second ? *X_second : X_b;
    check.set_a = X_second ? "the inputs" : "the first half of the tokens";
    check.set_b = X_second ? "the second inputs" : "the second half of the tokens";
    check.tokens_a = A.rows();
    check.tokens_b = B.rows();

    const int top = std::max(1, static_cast<int>(std::ceil(request.top_fraction * static_cast<double>(layer.d_in()) - 1e-9)));
    const size_t n_points = request.points.size();
    const double total = static_cast<double>(n_points * (2 + static_cast<size_t>(request.resamples)) + 1);
    double done = 0.0;
    auto step = [&](const std::string& stage) {
        progress.report(done / total, stage);
        progress.check();
    };

    // The two sets and, per method, the cross-calibration penalty.
    const CalibrationStats stats_full = statistics_of(X_full, "all inputs");
    const CalibrationStats stats_first_half = X_second ? CalibrationStats() : statistics_of(A, check.set_a);
    const CalibrationStats& stats_a = X_second ? stats_full : stats_first_half;
    const CalibrationStats stats_b = statistics_of(B, check.set_b);
    check.top_a = top_channels(stats_a.mean_abs, top);
    check.top_b = top_channels(stats_b.mean_abs, top);
    check.overlap = jaccard(check.top_a, check.top_b);
    for (int j : check.top_b)
        if (std::find(check.top_a.begin(), check.top_a.end(), j) == check.top_a.end()) check.entered.push_back(j);
    for (int j : check.top_a)
        if (std::find(check.top_b.begin(), check.top_b.end(), j) == check.top_b.end()) check.left.push_back(j);
    const OutputError judge_a(layer.W, stats_a), judge_b(layer.W, stats_b);
    const OutputError judge_full(layer.W, stats_full);
    std::vector<MatrixF> reference(n_points);   // Ŵ calibrated on all of the first inputs
    for (size_t p = 0; p < n_points; ++p) {
        const ModelEvalPoint& point = request.points[p];
        const MethodInfo& method = find_method(point.method);
        step(point.method + " on " + check.set_a);
        SubProgress quiet_a(progress, done / total, (done + 1) / total);
        MethodResult on_a = run_method(method, layer, stats_a, point.params, quiet_a, judge_a);
        ++done;
        step(point.method + " on " + check.set_b);
        SubProgress quiet_b(progress, done / total, (done + 1) / total);
        const MethodResult on_b = run_method(method, layer, stats_b, point.params, quiet_b, judge_b);
        ++done;
        MethodCalibration m;
        m.method = point.method;
        m.budget = point.budget;
        m.params = on_a.params;
        m.error_on_a_calibrated_on_a = on_a.relative_output_error;
        // The penalty compares these two: both by the same product (a method's closed form
        // differs from it by ~1e-7, which would read as a penalty of identical sets).
        m.error_on_b_calibrated_on_b = judge_b.relative(on_b.W_hat);
        m.error_on_b_calibrated_on_a = judge_b.relative(on_a.W_hat);
        m.penalty = m.error_on_b_calibrated_on_b > 0 ? m.error_on_b_calibrated_on_a / m.error_on_b_calibrated_on_b - 1.0
                    : m.error_on_b_calibrated_on_a > 0 ? std::numeric_limits<double>::infinity()
                                                       : 0.0;
        m.changed_fraction_a_vs_b = changed_fraction(on_a.W_hat, on_b.W_hat);
        reference[p] = X_second ? std::move(on_a.W_hat)
                                : run_method(method, layer, stats_full, point.params, quiet_a, judge_full).W_hat;
        check.methods.push_back(std::move(m));
    }

    // Stability of all of the first inputs under bootstrap resampling, seeded.
    std::mt19937_64 rng(request.seed);
    ChannelStability& s = check.stability;
    s.top_channels = top;
    std::vector<std::vector<int>> resample_tops;
    double rank_correlation = 0.0;
    for (int r = 0; r < request.resamples; ++r) {
        step("resample " + std::to_string(r + 1) + "/" + std::to_string(request.resamples));
        const CalibrationStats stats_r = statistics_of(bootstrap(X_full, X_full.rows(), rng), "a resample");
        resample_tops.push_back(top_channels(stats_r.mean_abs, top));
        rank_correlation += spearman(stats_r.mean_abs, stats_full.mean_abs);
        for (size_t p = 0; p < n_points; ++p) {
            SubProgress quiet(progress, done / total, (done + 1) / total);
            const MethodResult result = run_method(find_method(request.points[p].method), layer, stats_r,
                                                   request.points[p].params, quiet);
            MethodCalibration& m = check.methods[p];
            m.resample_errors.push_back(judge_full.relative(result.W_hat));
            m.changed_fraction_mean += changed_fraction(result.W_hat, reference[p]) / request.resamples;
            ++done;
        }
    }
    s.mean_jaccard = mean_pairwise_jaccard(resample_tops);
    s.mean_rank_correlation = rank_correlation / request.resamples;
    s.stable = s.mean_jaccard >= kStableJaccard;
    for (MethodCalibration& m : check.methods) {
        const auto& e = m.resample_errors;
        m.error_mean = std::accumulate(e.begin(), e.end(), 0.0) / static_cast<double>(e.size());
        double variance = 0.0;
        for (double v : e) variance += (v - m.error_mean) * (v - m.error_mean);
        m.error_std = std::sqrt(variance / static_cast<double>(e.size() - 1));
        m.error_min = *std::min_element(e.begin(), e.end());
        m.error_max = *std::max_element(e.begin(), e.end());
    }
    // The salient set's stability against the number of tokens: subsamples of n/8 ... n.
    for (Eigen::Index divisor : {8, 4, 2, 1}) {
        const Eigen::Index count = X_full.rows() / divisor;
        if (count < kMinTokens) continue;
        std::vector<std::vector<int>> tops;
        if (divisor == 1) tops = resample_tops;
        else
            for (int r = 0; r < request.resamples; ++r)
                tops.push_back(top_channels(statistics_of(bootstrap(X_full, count, rng), "a subsample").mean_abs, top));
        s.by_tokens.push_back({count, mean_pairwise_jaccard(tops)});
    }
    if (!s.stable) s.tokens_for_stable_top = tokens_for_stability(s.by_tokens);
    ++done;
    progress.report(1.0, "calibration done");
    return check;
}

}  // namespace layerlens
