#pragma once
// Small helpers shared by the core tests: seeded random data (the seed is printed on failure
// through SCOPED_TRACE by the caller), the shared data folder, a scratch folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "calibration_stats.h"
#include "input_source.h"
#include "layer.h"
#include "errors.h"
#include "method_registry.h"
#include "param_spec.h"
#include "progress.h"

namespace layerlens::test {

// Sets a parameter by its declared name and text, as the CLI and the GUI do: the declaration's
// parsing and range check, then its binding. Throws ParameterError for an unknown name or value.
inline void set_param(CompressionParams& params, const std::string& name, const std::string& text) {
    for (const MethodInfo& m : all_methods())
        for (const ParamSpec* spec : m.params)
            if (spec->name == name) {
                const ParamValue value = parse_param(*spec, text);
                check_param(*spec, value);
                spec->set(params, value);
                return;
            }
    throw ParameterError("no parameter named " + name);
}


inline MatrixF random_matrix(Eigen::Index rows, Eigen::Index cols, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> normal(0.0f, scale);
    MatrixF m(rows, cols);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = normal(rng);
    return m;
}

// Inputs with uneven channel scales and correlation, like real activations.
inline MatrixF random_inputs(Eigen::Index n, Eigen::Index d, std::mt19937& rng) {
    MatrixF X = random_matrix(n, d, rng);
    const MatrixF mix = random_matrix(d, d, rng, 0.3f) + MatrixF::Identity(d, d);
    X = (X * mix).eval();
    std::uniform_real_distribution<float> scale(0.2f, 3.0f);
    for (Eigen::Index j = 0; j < d; ++j) X.col(j) *= scale(rng);
    return X;
}

inline CalibrationStats stats_of(const MatrixF& X) {
    Progress quiet;
    return accumulate_statistics(MatrixInputSource(X), quiet);
}

// ‖X(W−Ŵ)ᵀ‖²_F / ‖XWᵀ‖²_F straight from the tokens, in double (the difference too).
inline double direct_error(const MatrixF& X, const MatrixF& W, const MatrixF& W_hat) {
    const MatrixD Xd = X.cast<double>();
    const double num = (Xd * (W.cast<double>() - W_hat.cast<double>()).transpose()).squaredNorm();   // W − Ŵ in float rounds
    const double den = (Xd * W.cast<double>().transpose()).squaredNorm();
    return num / den;
}

// Runs a registered method by name with a quiet progress.
inline MethodResult run_named(const std::string& name, const Layer& layer, const CalibrationStats& stats,
                              const CompressionParams& params) {
    Progress quiet;
    return run_method(find_method(name), layer, stats, params, quiet);
}

// Expects f() to throw an InputError whose message holds every fragment.
template <typename F>
void expect_input_error(F&& f, const std::vector<std::string>& fragments) {
    try {
        f();
        ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
        for (const std::string& fragment : fragments)
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << "message: " << e.what() << "\nmissing: " << fragment;
    }
}

inline std::string shared_models(const std::string& file) { return std::string(LAYERLENS_SHARED_DATA) + "/../models/" + file; }

inline std::string shared_data(const std::string& file) { return std::string(LAYERLENS_SHARED_DATA) + "/" + file; }
inline bool have_shared_data() { return std::filesystem::exists(shared_data("stories260K_layers.h5")); }

inline std::string scratch_dir() {
    const std::string dir = std::string(LAYERLENS_TEST_TMP) + "/" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "." +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace layerlens::test
