// The command line on numerically extreme layers (issue 16, part 3), as a user meets them:
// the printed E of inputs near float32's limits agrees with a float64 computation from X, W and
// the exported Ŵ, and a layer with no output energy stops with exit 1 saying why.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <limits>
#include <random>

#include "cli_runner.h"
#include "io/hdf5_writer.h"
#include "io/layer_format.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

// A 8 x 32 layer with 64 tokens (seed 16), X multiplied by input_scale in double.
std::pair<MatrixF, MatrixF> write_layer(const std::string& path, double input_scale) {
    std::mt19937 rng(16);
    std::normal_distribution<float> normal;
    MatrixF W(8, 32), X(64, 32);
    for (Eigen::Index k = 0; k < W.size(); ++k) W.data()[k] = normal(rng);
    for (Eigen::Index k = 0; k < X.size(); ++k) X.data()[k] = static_cast<float>(normal(rng) * input_scale);
    LayerToWrite layer;
    layer.name = "layers.0.wq";
    layer.weight = &W;
    layer.inputs = &X;
    write_layers(path, {layer}, true);
    return {W, X};
}

double float64_error(const MatrixF& X, const MatrixF& W, const MatrixF& W_hat) {
    const MatrixD Xd = X.cast<double>();
    return (Xd * (W.cast<double>() - W_hat.cast<double>()).transpose()).squaredNorm() / (Xd * W.cast<double>().transpose()).squaredNorm();
}

}  // namespace

TEST(CliExtremeInputs, PrintedErrorAgreesWithFloat64FromTheExport) {
    for (const double scale : {1e30, 1e-30}) {
        SCOPED_TRACE(scale);
        const std::string path = tmp("extreme.h5"), out = tmp("extreme_out.h5");
        const auto [W, X] = write_layer(path, scale);
        for (const char* method : {"rtn", "gptq", "wanda", "sparsegpt"}) {
            SCOPED_TRACE(method);
            const Outcome o = run_cli("run " + path + " --method " + method + " --json --quiet --force --export " + out);
            ASSERT_EQ(o.exit_code, 0) << o.err;
            const double E = QJsonDocument::fromJson(QByteArray::fromStdString(o.out)).object()["relative_output_error"].toDouble();
            const Layer exported = read_layer(out, "layers.0.wq");
            const double E64 = float64_error(X, W, exported.W);
            EXPECT_GT(E64, 0.0);
            EXPECT_NEAR(E, E64, 1e-3 * E64) << "printed " << E << ", float64 " << E64;
        }
    }
}

TEST(CliExtremeInputs, ZeroOutputEnergyStopsAndSaysWhy) {
    const std::string path = tmp("silent.h5");
    write_layer(path, 0.0);
    const Outcome o = run_cli("compare " + path + " --methods rtn,wanda");
    expect_failure(o, 1, {path, "layers.0.wq/inputs", "every method is exact", "output energy is 0", "every input value is 0"});
    EXPECT_EQ(o.out, "") << "no E is printed";
}

// W spanning float32's whole range: a 4-bit grid reaches past ±FLT_MAX (its Ŵ cannot be held in
// float32), which is said naming the method, while the pruners, which only keep W's own values,
// are judged; compare prints those and exits 1.
TEST(CliExtremeInputs, AMethodWhoseResultLeavesFloat32FailsAloneInACompare) {
    const std::string path = tmp("float_max.h5");
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    MatrixF W(8, 32), X(64, 32);
    for (Eigen::Index k = 0; k < X.size(); ++k) X.data()[k] = normal(rng);
    for (Eigen::Index k = 0; k < W.size(); ++k) W.data()[k] = normal(rng);
    W = (W.cast<double>() / W.cwiseAbs().maxCoeff() * std::numeric_limits<float>::max()).cast<float>();
    LayerToWrite layer;
    layer.name = "w";
    layer.weight = &W;
    layer.inputs = &X;
    write_layers(path, {layer}, true);
    const Outcome o = run_cli("compare " + path + " --methods rtn,wanda --json --quiet");
    EXPECT_EQ(o.exit_code, 1) << o.err;
    EXPECT_NE(o.err.find("rtn: "), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("beyond float32's range"), std::string::npos) << o.err;
    const QJsonArray rows = QJsonDocument::fromJson(QByteArray::fromStdString(o.out)).array();
    ASSERT_EQ(rows.size(), 1) << o.out;
    EXPECT_EQ(rows[0].toObject()["method"].toString(), "wanda");
    EXPECT_GT(rows[0].toObject()["relative_output_error"].toDouble(), 0.0);
}
