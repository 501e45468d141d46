// One contract over every registered method (STYLE.md "Run one contract test over every
// registered method"): shape, E recomputed from the tokens, determinism, cancellation.
#include "errors.h"
#include "method_registry.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

struct Fixture {
    Layer layer;
    MatrixF X;
    CalibrationStats stats;
    CompressionParams params;
};

Fixture small_fixture(unsigned seed) {
    std::mt19937 rng(seed);
    Fixture f;
    f.layer.name = "contract";
    f.layer.W = random_matrix(12, 32, rng);
    f.X = random_inputs(150, 32, rng);
    f.X.col(5) *= 25.0f;   // one loud channel, as real layers have
    f.stats = stats_of(f.X);
    f.params.group_size = 8;
    f.params.iters = 8;
    f.params.rank = 4;
    return f;
}

// Says "cancelled" from the n-th question on: cancels a method in the middle of its work.
class CancelAfter : public Progress {
public:
    explicit CancelAfter(int n) : n_(n) {}
    bool cancelled() const override { return ++asked_ >= n_; }
    int asked() const { return asked_; }

private:
    int n_;
    mutable int asked_ = 0;
};

}  // namespace

TEST(MethodContract, EveryMethodReturnsAWeightJudgedByTheDirectError) {
    const Fixture f = small_fixture(1);
    for (const MethodInfo& method : all_methods()) {
        SCOPED_TRACE(method.name);
        Progress quiet;
        const MethodResult r = run_method(method, f.layer, f.stats, f.params, quiet);
        ASSERT_EQ(r.W_hat.rows(), 12);
        ASSERT_EQ(r.W_hat.cols(), 32);
        EXPECT_TRUE(r.W_hat.allFinite());
        EXPECT_EQ(r.method, method.name);
        const double direct = direct_error(f.X, f.layer.W, r.W_hat);
        EXPECT_NEAR(r.relative_output_error, direct, 1e-4 * direct + 1e-9);
        EXPECT_GT(r.relative_output_error, 0.0);
        EXPECT_LT(r.relative_output_error, 1.0);
        EXPECT_GT(r.bits_per_weight, 0.0);
        if (r.kept_mask.size() > 0) {
            ASSERT_EQ(r.kept_mask.rows(), 12);
            for (Eigen::Index k = 0; k < r.W_hat.size(); ++k) {
                if (!r.kept_mask.data()[k]) { EXPECT_EQ(r.W_hat.data()[k], 0.0f); }
            }
        }
        const MethodResult again = run_method(method, f.layer, f.stats, f.params, quiet);
        EXPECT_EQ((again.W_hat - r.W_hat).cwiseAbs().maxCoeff(), 0.0f) << "not deterministic";
    }
}

TEST(MethodContract, EveryMethodStopsWhenCancelledMidRun) {
    const Fixture f = small_fixture(2);
    for (const MethodInfo& method : all_methods()) {
        SCOPED_TRACE(method.name);
        CancelAfter progress(2);   // the first question is run_method's own; the method asks the next
        EXPECT_THROW(run_method(method, f.layer, f.stats, f.params, progress), Cancelled);
    }
}

TEST(MethodContract, EveryMethodSurvivesDeadChannelsAndFewTokens) {
    Fixture f = small_fixture(3);
    f.X = f.X.topRows(20).eval();   // 20 tokens < 32 channels: C is singular
    f.X.col(7).setZero();
    f.X.col(30).setZero();
    f.stats = stats_of(f.X);
    ASSERT_EQ(f.stats.dead_channels.size(), 2u);
    for (const MethodInfo& method : all_methods()) {
        SCOPED_TRACE(method.name);
        Progress quiet;
        const MethodResult r = run_method(method, f.layer, f.stats, f.params, quiet);
        EXPECT_TRUE(r.W_hat.allFinite());
        EXPECT_TRUE(std::isfinite(r.relative_output_error));
        EXPECT_NEAR(r.relative_output_error, direct_error(f.X, f.layer.W, r.W_hat), 1e-3 * r.relative_output_error + 1e-9);
    }
}

TEST(MethodContract, WidthMismatchIsAnInputError) {
    Fixture f = small_fixture(4);
    f.layer.W = MatrixF::Ones(3, 31);
    Progress quiet;
    for (const MethodInfo& method : all_methods())
        EXPECT_THROW(run_method(method, f.layer, f.stats, f.params, quiet), InputError) << method.name;
}

// The declarations every surface is built from: unique names, defaults inside their own
// ranges, and a binding that reads back what it wrote.
TEST(MethodContract, ParameterDeclarationsAreConsistent) {
    std::map<std::string, const ParamSpec*> by_name;
    for (const MethodInfo& m : all_methods()) {
        for (const ParamSpec* spec : m.params) {
            SCOPED_TRACE(m.name + " " + spec->name);
            auto [it, fresh] = by_name.emplace(spec->name, spec);
            EXPECT_EQ(it->second, spec) << "two declarations share the name " << spec->name;
            EXPECT_FALSE(spec->help.empty());
            EXPECT_FALSE(spec->label.empty());
            const ParamValue d = spec->default_value();
            if (!(spec->optional && spec->type == ParamType::Pattern)) {
                EXPECT_NO_THROW(check_param(*spec, d));
            }
            // Text round trip and binding round trip on the default.
            if (!(spec->optional && spec->type == ParamType::Pattern)) {
                EXPECT_EQ(parse_param(*spec, param_text(*spec, d)), d);
                CompressionParams p;
                spec->set(p, d);
                EXPECT_EQ(spec->get(p).value_or(d), d);
            }
            if (spec->type == ParamType::Integer || spec->type == ParamType::Real) {
                // One step outside the range is refused with the parameter's name in the message.
                const double outside = spec->min - 1.0;
                const ParamValue bad = spec->type == ParamType::Integer ? ParamValue(static_cast<long long>(outside - 1))
                                                                        : ParamValue(outside);
                try {
                    check_param(*spec, bad);
                    ADD_FAILURE() << "accepted " << param_value_text(bad);
                } catch (const ParameterError& e) {
                    EXPECT_NE(std::string(e.what()).find(spec->name), std::string::npos) << e.what();
                }
            }
        }
    }
    EXPECT_TRUE(by_name.count("bits") && by_name.count("sparsity") && by_name.count("damp") && by_name.count("init"));
}

// A choice parameter only takes the names of its enum's table.
TEST(MethodContract, ChoicesComeFromTheNameTables) {
    EXPECT_EQ(awp_init_names().names(), (std::vector<std::string>{"auto", "wanda", "magnitude", "sparsegpt", "rtn"}));
    for (const MethodInfo& m : all_methods())
        for (const ParamSpec* spec : m.params)
            if (spec->type == ParamType::Choice) {
                for (const auto& c : spec->choices) EXPECT_NO_THROW(check_param(*spec, ParamValue(c)));
                EXPECT_THROW(check_param(*spec, ParamValue(std::string("nonsense"))), ParameterError);
            }
}
