// AWP, SVD and aSVD against ../shared/data/reference_results.jsonl: an independent float64
// implementation of the seed's Algorithm 1 and the closed-form low-rank optima, on the shared
// real and synthetic layers. Every row of those methods is checked with the parameters it
// records (sparsity, bits, group size, iterations, start, scope, acceleration).
#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <fstream>
#include <map>

#include "layer_source.h"
#include "method_registry.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

std::vector<QJsonObject> reference_rows(const std::vector<std::string>& methods) {
    std::vector<QJsonObject> rows;
    std::ifstream in(shared_data("reference_results.jsonl"));
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const QJsonObject row = QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
        for (const auto& m : methods)
            if (row.value("method").toString().toStdString() == m) rows.push_back(row);
    }
    return rows;
}

// Layers are loaded once per (file, layer): statistics are the slow part of a small layer.
const LoadedLayer& cached_layer(const std::string& file, const std::string& layer) {
    static std::map<std::string, LoadedLayer> cache;
    const std::string key = file + ":" + layer;
    auto it = cache.find(key);
    if (it == cache.end()) {
        LayerSource source;
        source.path = shared_data(file);
        source.layer = layer;
        Progress quiet;
        it = cache.emplace(key, load_layer(source, quiet)).first;
    }
    return it->second;
}

CompressionParams params_of(const QJsonObject& p) {
    CompressionParams params;
    params.preset = AwpPreset::Paper;   // the reference is seed Algorithm 1
    if (p.contains("sparsity")) params.sparsity = p.value("sparsity").toDouble();
    if (p.contains("bits")) params.bits = p.value("bits").toInt();
    if (p.contains("group_size")) params.group_size = p.value("group_size").toInt();
    if (p.contains("iters")) params.iters = p.value("iters").toInt();
    if (p.contains("init")) set_param(params, "init", p.value("init").toString().toStdString());
    if (p.contains("mask_scope")) set_param(params, "mask-scope", p.value("mask_scope").toString().toStdString());
    if (p.contains("accelerate")) params.accelerate = p.value("accelerate").toBool();
    if (p.contains("rank")) params.rank = p.value("rank").toInt();
    if (p.contains("param_ratio")) params.param_ratio = p.value("param_ratio").toDouble();
    return params;
}

std::string setting_of(const QJsonObject& row) {
    return QJsonDocument(row.value("params").toObject()).toJson(QJsonDocument::Compact).toStdString();
}

}  // namespace

TEST(ReferenceAwpSvd, AwpMatchesIndependentImplementation) {
    if (!have_shared_data()) GTEST_SKIP() << "no ../shared/data";
    const auto rows = reference_rows({"awp"});
    ASSERT_GT(rows.size(), 100u);
    std::map<std::string, double> worst;   // setting → max relative deviation, printed below
    for (const QJsonObject& row : rows) {
        const std::string file = row.value("file").toString().toStdString();
        const std::string layer = row.value("layer").toString().toStdString();
        const std::string setting = setting_of(row);
        SCOPED_TRACE(file + " " + layer + " " + setting);
        const LoadedLayer& loaded = cached_layer(file, layer);
        Progress quiet;
        const MethodResult r = run_method(find_method("awp"), loaded.layer, loaded.stats,
                                          params_of(row.value("params").toObject()), quiet);
        const double expected = row.value("rel_output_error").toDouble();
        const double expected_start = row.value("start_error").toDouble();
        ASSERT_FALSE(r.loss_history.empty());
        // The start is deterministic (Wanda mask / RTN grid): it must agree closely.
        EXPECT_NEAR(r.loss_history.front(), expected_start, 1e-4 * expected_start);
        const double deviation = (r.relative_output_error - expected) / expected;
        worst[setting] = std::max(worst[setting], std::abs(deviation));
        // Plain PGD follows the float64 reference's trajectory (measured: within 1e-6); a float32
        // run could still take another mask at a near tie, hence 1%. Accelerated runs differ in
        // where the momentum restarts (measured: 0.4%), hence the README's "few percent".
        const double allowed = row.value("params").toObject().value("accelerate").toBool() ? 0.03 : 0.01;
        EXPECT_LT(std::abs(deviation), allowed) << "E " << r.relative_output_error << " reference " << expected;
        EXPECT_NEAR(r.sparsity, row.value("sparsity").toDouble(), 0.002);
    }
    for (const auto& [setting, deviation] : worst) std::printf("awp %s: max |relative deviation| %.3g\n", setting.c_str(), deviation);
}

TEST(ReferenceAwpSvd, LowRankMatchesClosedForm) {
    if (!have_shared_data()) GTEST_SKIP() << "no ../shared/data";
    const auto rows = reference_rows({"svd", "asvd"});
    ASSERT_GT(rows.size(), 50u);
    std::map<std::string, double> worst;
    for (const QJsonObject& row : rows) {
        const std::string file = row.value("file").toString().toStdString();
        const std::string layer = row.value("layer").toString().toStdString();
        const std::string method = row.value("method").toString().toStdString();
        SCOPED_TRACE(file + " " + layer + " " + method);
        const LoadedLayer& loaded = cached_layer(file, layer);
        CompressionParams params;
        params.param_ratio = row.value("params").toObject().value("param_ratio").toDouble();
        Progress quiet;
        const MethodResult r = run_method(find_method(method), loaded.layer, loaded.stats, params, quiet);
        EXPECT_EQ(std::get<long long>(*r.scalar("rank")), row.value("params").toObject().value("rank").toInt());
        const double expected = row.value("rel_output_error").toDouble();
        const double deviation = std::abs(r.relative_output_error - expected) / expected;
        worst[method] = std::max(worst[method], deviation);
        EXPECT_LT(deviation, method == "asvd" ? 1e-6 : 1e-5) << "E " << r.relative_output_error << " reference " << expected;
    }
    for (const auto& [method, deviation] : worst) std::printf("%s: max |relative deviation| %.3g\n", method.c_str(), deviation);
}
