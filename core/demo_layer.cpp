#include "demo_layer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "errors.h"
#include "io/checked_math.h"

namespace layerlens {

namespace {

// Box–Muller on mt19937_64: unlike std::normal_distribution it gives the same numbers with
// every standard library, so the demo layer is the same everywhere.
class Normal {
public:
    explicit Normal(std::uint64_t seed) : engine_(seed) {}
    double operator()() {
        if (has_spare_) { has_spare_ = false; return spare_; }
        double u, v, s;
        do {
            u = uniform() * 2.0 - 1.0;
            v = uniform() * 2.0 - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double factor = std::sqrt(-2.0 * std::log(s) / s);
        spare_ = v * factor;
        has_spare_ = true;
        return u * factor;
    }
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    std::mt19937_64& engine() { return engine_; }

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// Student-t with `dof` degrees of freedom: a normal over sqrt(chi²/dof), chi² from dof normals
// (dof is small and integral here).
double student_t(Normal& normal, double dof) {
    const int k = std::max(1, static_cast<int>(dof));
    double chi2 = 0.0;
    for (int i = 0; i < k; ++i) { const double z = normal(); chi2 += z * z; }
    return normal() / std::sqrt(chi2 / k);
}

}  // namespace

void check_demo_fits(const DemoSpec& spec, std::size_t max_bytes) {
    if (spec.d_out <= 0 || spec.d_in <= 0 || spec.n_tokens <= 0)
        throw ParameterError("demo layer shape and token count must be positive");
    const auto mib = [](std::uint64_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; };
    const auto d_in = static_cast<std::uint64_t>(spec.d_in);
    const struct {
        const char* what;
        std::uint64_t rows;
    } parts[] = {{"weight", static_cast<std::uint64_t>(spec.d_out)}, {"inputs", static_cast<std::uint64_t>(spec.n_tokens)}};
    for (const auto& part : parts) {
        const auto count = checked_mul(part.rows, d_in);
        const auto bytes = count ? checked_mul(*count, sizeof(float)) : std::nullopt;
        if (!bytes || *bytes > max_bytes)
            throw ParameterError("the demo's " + std::string(part.what) + " (" + std::to_string(part.rows) + " x " +
                                 std::to_string(d_in) + " floats) would take " + (bytes ? mib(*bytes) : "more than 2^64 bytes") +
                                 ", more than --max-memory-mb " + std::to_string(max_bytes >> 20) +
                                 " allows (choose a smaller --demo-shape/--demo-tokens, or raise --max-memory-mb)");
    }
}

DemoLayer make_demo_layer(const DemoSpec& spec) {
    if (spec.d_out <= 0 || spec.d_in <= 0 || spec.n_tokens <= 0)
        throw ParameterError("demo layer shape and token count must be positive");
    Normal normal(spec.seed);
    const Eigen::Index d_in = spec.d_in, d_out = spec.d_out, n = spec.n_tokens;

    // Per-channel activation scales: log-normal body, a few loud outliers.
    VectorF scale(d_in);
    for (Eigen::Index j = 0; j < d_in; ++j) scale(j) = static_cast<float>(std::exp(spec.channel_scale_sigma * normal()));
    std::vector<int> channels(static_cast<size_t>(d_in));
    std::iota(channels.begin(), channels.end(), 0);
    std::shuffle(channels.begin(), channels.end(), normal.engine());
    DemoLayer demo;
    const int outliers = std::min<int>(spec.outlier_channels, static_cast<int>(d_in));
    demo.outlier_channels.assign(channels.begin(), channels.begin() + outliers);
    std::sort(demo.outlier_channels.begin(), demo.outlier_channels.end());
    for (int j : demo.outlier_channels) scale(j) = static_cast<float>(20.0 + 30.0 * normal.uniform());

    // X = (low-rank factor + noise) · diag(scale): correlated channels, heavy-tailed tokens.
    const int r = std::max(1, std::min<int>(spec.factor_rank, static_cast<int>(d_in)));
    MatrixF factor(n, r), loading(r, d_in);
    for (Eigen::Index k = 0; k < factor.size(); ++k) factor.data()[k] = static_cast<float>(normal());
    for (Eigen::Index k = 0; k < loading.size(); ++k) loading.data()[k] = static_cast<float>(normal() / std::sqrt(r));
    demo.X = factor * loading;
    for (Eigen::Index j = 0; j < d_in; ++j)
        for (Eigen::Index t = 0; t < n; ++t)
            demo.X(t, j) = static_cast<float>((0.8 * demo.X(t, j) + 0.6 * normal()) * scale(j));

    // Student-t weights, smaller on loud channels (the "small weight, busy channel" case).
    demo.layer.name = "demo." + std::to_string(d_out) + "x" + std::to_string(d_in);
    demo.layer.W.resize(d_out, d_in);
    const double base = 1.0 / std::sqrt(static_cast<double>(d_in));
    for (Eigen::Index j = 0; j < d_in; ++j) {
        const bool loud = std::binary_search(demo.outlier_channels.begin(), demo.outlier_channels.end(), static_cast<int>(j));
        const double channel_base = loud ? 0.25 * base : base;
        for (Eigen::Index i = 0; i < d_out; ++i)
            demo.layer.W(i, j) = static_cast<float>(channel_base * 0.5 * student_t(normal, spec.student_t_dof));
    }
    demo.layer.attributes = {{"model", "LayerLens built-in demo"},
                             {"layer", demo.layer.name},
                             {"source", "make_demo_layer seed " + std::to_string(spec.seed)}};
    return demo;
}

void parse_shape(const std::string& text, Eigen::Index& d_out, Eigen::Index& d_in) {
    const auto x = text.find('x');
    try {
        if (x == std::string::npos) throw std::invalid_argument("no x");
        // Digits only: stoll alone would take " 5" and "+5", which are typos here.
        if (text.find_first_not_of("0123456789x") != std::string::npos) throw std::invalid_argument("not digits");
        size_t used = 0;
        const long long rows = std::stoll(text.substr(0, x), &used);
        if (used != x) throw std::invalid_argument("junk");
        const std::string rest = text.substr(x + 1);
        const long long cols = std::stoll(rest, &used);
        if (used != rest.size() || rows <= 0 || cols <= 0) throw std::invalid_argument("bad");
        d_out = rows;
        d_in = cols;
    } catch (const std::exception&) {
        throw ParameterError("shape '" + text + "' is not of the form D_OUTxD_IN with positive sizes, e.g. 1024x4096");
    }
}

}  // namespace layerlens
