// Layers whose values are finite but near the edges of float32 (issue 16, part 3): inputs whose
// products overflow (1e20, 1e30) or underflow (1e-25, 1e-30), huge and subnormal weights, and
// layers with no output at all. Each case is written to an HDF5 file and loaded as the CLI and
// the GUI load it; every registered method must then either print an E that a float64
// computation from X, W and Ŵ confirms, or stop with an InputError naming the file, the dataset
// and why. Scaling X by 10^±30 must not change the result (compression does not depend on it),
// nor scaling W into 1e20 or the subnormals.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "io/hdf5_writer.h"
#include "layer_source.h"
#include "method_registry.h"
#include "test_support.h"

namespace layerlens::test {
namespace {

struct ExtremeCase {
    const char* name;
    double input_scale = 1.0;      // X is the plain inputs times this (rounded to float32)
    double weight_scale = 1.0;     // W likewise
    Eigen::Index tokens = 64;      // < d_in/2 takes the token-factor path (AWP)
    int dead_channels = 0;         // the first this many input channels are all zero
    bool weight_only_on_dead = false;   // W is zero outside the dead channels
    bool one_repeated_token = false;    // every row of X is its first: C has rank 1
    // Set: every method must throw an InputError holding this reason; unset: E must be right.
    std::optional<std::string> reason = std::nullopt;
    bool same_as_plain = false;    // E must also equal the unscaled layer's
};

constexpr Eigen::Index kOut = 8, kIn = 32;

const ExtremeCase kCases[] = {
    {.name = "plain"},
    {.name = "inputs_1e20", .input_scale = 1e20, .same_as_plain = true},
    {.name = "inputs_1e30", .input_scale = 1e30, .same_as_plain = true},
    {.name = "inputs_1e30_few_tokens", .input_scale = 1e30, .tokens = 12, .same_as_plain = true},
    {.name = "inputs_1e-25", .input_scale = 1e-25, .same_as_plain = true},
    {.name = "inputs_1e-30", .input_scale = 1e-30, .same_as_plain = true},
    {.name = "inputs_1e-30_few_tokens", .input_scale = 1e-30, .tokens = 12, .same_as_plain = true},
    {.name = "weights_1e20", .weight_scale = 1e20, .same_as_plain = true},
    {.name = "weights_subnormal", .weight_scale = 1e-40, .same_as_plain = true},
    {.name = "inputs_1e30_weights_1e-30", .input_scale = 1e30, .weight_scale = 1e-30, .same_as_plain = true},
    {.name = "some_dead_channels_1e-30", .input_scale = 1e-30, .dead_channels = 5},
    {.name = "inputs_subnormal", .input_scale = 1e-40},
    // C nearly or exactly singular: the quadratic forms cancel to round-off of large terms.
    {.name = "rank_1_repeated_token", .one_repeated_token = true},
    {.name = "rank_1_repeated_token_1e30", .input_scale = 1e30, .one_repeated_token = true},
    // More than 2·d_in tokens, kept as they fit in 64 MiB: the exact E goes through them.
    {.name = "rank_1_repeated_token_many", .tokens = 100, .one_repeated_token = true},
    {.name = "two_tokens", .tokens = 2},
    {.name = "one_token", .tokens = 1},
    {.name = "all_inputs_zero", .input_scale = 0.0, .reason = "every input value is 0"},
    {.name = "weight_zero", .weight_scale = 0.0, .reason = "every weight is 0"},
    {.name = "weight_only_on_dead_channels", .dead_channels = 16, .weight_only_on_dead = true,
     .reason = "nonzero only on input channels that are 0"},
};

MatrixF scaled(const MatrixF& m, double scale) { return (m.cast<double>() * scale).cast<float>(); }

struct WrittenLayer {
    std::string path;
    MatrixF W, X;
};

// The same random layer for every case (seed 16), scaled and zeroed as the case says.
WrittenLayer write_case(const ExtremeCase& c, const std::string& dir) {
    std::mt19937 rng(16);
    WrittenLayer out;
    const MatrixF W = random_matrix(kOut, kIn, rng);
    const MatrixF X = random_inputs(c.tokens, kIn, rng);
    out.W = scaled(W, c.weight_scale);
    out.X = scaled(X, c.input_scale);
    out.X.leftCols(c.dead_channels).setZero();
    if (c.one_repeated_token) out.X = out.X.row(0).replicate(c.tokens, 1).eval();
    if (c.weight_only_on_dead) out.W.rightCols(kIn - c.dead_channels).setZero();
    out.path = dir + "/" + c.name + ".h5";
    LayerToWrite layer;
    layer.name = "layers.0.wq";
    layer.weight = &out.W;
    layer.inputs = &out.X;
    write_layers(out.path, {layer}, true);
    return out;
}

LoadedLayer load(const std::string& path) {
    LayerSource source;
    source.path = path;
    Progress quiet;
    return load_layer(source, quiet);
}

class ExtremeInputs : public ::testing::TestWithParam<ExtremeCase> {};

TEST_P(ExtremeInputs, EveryMethodIsRightOrSaysWhy) {
    const ExtremeCase& c = GetParam();
    const std::string dir = scratch_dir();
    const WrittenLayer written = write_case(c, dir);
    const LoadedLayer loaded = load(written.path);
    std::optional<LoadedLayer> plain;
    if (c.same_as_plain) {
        ExtremeCase unscaled = c;
        unscaled.name = "unscaled";
        unscaled.input_scale = unscaled.weight_scale = 1.0;
        plain = load(write_case(unscaled, dir).path);
    }
    const CompressionParams params;
    for (const std::string& name : method_names()) {
        SCOPED_TRACE(std::string(c.name) + " / " + name);
        if (c.reason) {
            expect_input_error([&] { run_named(name, loaded.layer, loaded.stats, params); },
                               {written.path, "layers.0.wq/inputs", "weight of layers.0.wq", "every method is exact",
                                "output energy is 0", *c.reason});
            continue;
        }
        const MethodResult result = run_named(name, loaded.layer, loaded.stats, params);
        ASSERT_TRUE(result.W_hat.allFinite());
        const double E = result.relative_output_error;
        const double E64 = direct_error(written.X, written.W, result.W_hat);
        ASSERT_TRUE(std::isfinite(E64));
        EXPECT_NEAR(E, E64, 1e-6 * E64 + 1e-12) << "E printed " << E << ", float64 from X, W, Ŵ: " << E64;
        if (plain) {
            const double E_plain = run_named(name, plain->layer, plain->stats, params).relative_output_error;
            // X·10^30 is X to float32 rounding, not exactly: a method that fits few tokens to
            // round-off (AWP's default reaches E ~ 2e-7 there) ends wherever that round-off takes
            // it, a few 1e-9 of the output energy apart (measured); E itself is checked above.
            constexpr double kRoundOffFloor = 1e-7;
            EXPECT_NEAR(E, E_plain, 1e-3 * E_plain + kRoundOffFloor) << "X scaled by " << c.input_scale << ", W by " << c.weight_scale;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Table, ExtremeInputs, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ExtremeCase>& info) {
                             std::string name = info.param.name;
                             for (char& ch : name)
                                 if (ch == '-') ch = 'm';   // test names are identifiers
                             return name;
                         });

// A power-of-two scale r of X is exact in float: the statistics are the unscaled ones times r
// (or r²) exactly, so methods built from products and ratios give the same E to the last bits.
TEST(ExtremeInputs, PowerOfTwoScaleOfInputsChangesNothing) {
    std::mt19937 rng(17);
    Layer layer;
    layer.name = "w";
    layer.W = random_matrix(kOut, kIn, rng);
    const MatrixF X = random_inputs(64, kIn, rng);
    const CalibrationStats base = stats_of(X);
    const CompressionParams params;
    for (int e : {-90, -60, -30, 30, 60, 90}) {
        SCOPED_TRACE("X scaled by 2^" + std::to_string(e));
        const CalibrationStats s = stats_of(scaled(X, std::ldexp(1.0, e)));
        const double r = s.input_scale * std::ldexp(1.0, e) / base.input_scale;   // what the stats saw
        EXPECT_EQ(r, std::ldexp(1.0, std::ilogb(r))) << "a power of two";
        EXPECT_LT(s.max_abs.maxCoeff(), 2.0);
        EXPECT_GE(s.max_abs.maxCoeff(), 1.0);
        EXPECT_EQ((s.C - base.C * (r * r)).cwiseAbs().maxCoeff(), 0.0);
        EXPECT_EQ((s.norm - base.norm * r).cwiseAbs().maxCoeff(), 0.0);
        for (const char* name : {"gptq", "wanda", "sparsegpt", "magnitude"})
            EXPECT_DOUBLE_EQ(run_named(name, layer, s, params).relative_output_error,
                             run_named(name, layer, base, params).relative_output_error)
                << name;
    }
}

}  // namespace
}  // namespace layerlens::test
