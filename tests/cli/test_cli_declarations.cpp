// The CLI built from the declarations: help at every level lists every declared parameter with
// its default and range; unknown options suggest the nearest name; the sweep follows the one
// sweep rule; `run --json` and `compare --csv` print the same numbers; the README's command
// lines work as written.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli_runner.h"
#include "layer_source.h"
#include "method_registry.h"
#include "param_spec.h"
#include "progress.h"
#include "result_format.h"
#include "sweep_plan.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {

const std::string kDemo = "--demo --demo-shape 64x128 --demo-tokens 256 ";

std::string option_of(const ParamSpec& spec) {
    if (spec.type != ParamType::Flag) return "--" + spec.name;
    return std::get<bool>(spec.default_value()) ? "--no-" + spec.name : "--" + spec.name;
}

std::vector<std::string> csv_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) cells.push_back(cell), cell.clear();
        else cell += c;
    }
    cells.push_back(cell);
    return cells;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

}  // namespace

TEST(CliHelp, EveryLevelAnswersHelp) {
    for (const std::string command : {"", "info ", "run ", "compare ", "sweep ", "bench ", "methods "}) {
        SCOPED_TRACE(command);
        const Outcome o = run_cli(command + "--help");
        EXPECT_EQ(o.exit_code, 0) << o.err;
        EXPECT_NE(o.out.find("Usage: layerlens-cli " + command), std::string::npos) << o.out;
        EXPECT_NE(o.out.find("exit codes: 0 success, 1 bad input"), std::string::npos);
    }
}

TEST(CliHelp, EveryDeclaredParameterWithItsDefaultAndRange) {
    const Outcome run = run_cli("run --help");
    ASSERT_EQ(run.exit_code, 0);
    for (const MethodInfo& m : all_methods()) {
        const Outcome detail = run_cli("methods --detail " + m.name);
        ASSERT_EQ(detail.exit_code, 0) << detail.err;
        EXPECT_NE(detail.out.find(m.description), std::string::npos);
        for (const ParamSpec* spec : m.params) {
            SCOPED_TRACE(m.name + " " + spec->name);
            const std::string option = option_of(*spec);
            EXPECT_NE(run.out.find(option), std::string::npos) << "run --help lacks " << option;
            EXPECT_NE(detail.out.find(option), std::string::npos);
            EXPECT_NE(detail.out.find(spec->range_text()), std::string::npos);
            EXPECT_NE(detail.out.find(spec->help), std::string::npos);
            if (spec->type == ParamType::Flag) continue;
            EXPECT_NE(run.out.find(spec->range_text()), std::string::npos);
            if (spec->type != ParamType::Pattern) {   // "=4", "=auto", "=0.01" after the type name
                EXPECT_NE(run.out.find("=" + param_text(*spec, spec->default_value())), std::string::npos);
            }
        }
    }
}

TEST(CliHelp, MethodsJsonCarriesTheDeclarations) {
    const Outcome o = run_cli("methods --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const QJsonArray methods = QJsonDocument::fromJson(QByteArray::fromStdString(o.out)).array();
    ASSERT_EQ(methods.size(), static_cast<int>(all_methods().size()));
    for (int k = 0; k < methods.size(); ++k) {
        const MethodInfo& m = all_methods()[static_cast<size_t>(k)];
        const QJsonArray params = methods[k].toObject()["params"].toArray();
        ASSERT_EQ(params.size(), static_cast<int>(m.params.size())) << m.name;
        for (int j = 0; j < params.size(); ++j) {
            const QJsonObject p = params[j].toObject();
            const ParamSpec& spec = *m.params[static_cast<size_t>(j)];
            EXPECT_EQ(p["name"].toString().toStdString(), spec.name);
            EXPECT_EQ(p["range"].toString().toStdString(), spec.range_text());
            const ParamValue d = spec.default_value();
            if (const auto* i = std::get_if<long long>(&d)) {
                EXPECT_EQ(p["default"].toInteger(), *i);
            }
            if (const auto* r = std::get_if<double>(&d)) {
                EXPECT_EQ(p["default"].toDouble(), *r);
            }
            if (const auto* b = std::get_if<bool>(&d)) {
                EXPECT_EQ(p["default"].toBool(), *b);
            }
            if (const auto* s = std::get_if<std::string>(&d)) {
                EXPECT_EQ(p["default"].toString().toStdString(), *s);
            }
        }
    }
}

TEST(CliHelp, UnknownOptionsSuggestTheNearestName) {
    expect_failure(run_cli("run " + kDemo + "--method magnitude --sparsty 0.5"), 2, {"--sparsty", "did you mean --sparsity?"});
    expect_failure(run_cli("compare " + kDemo + "--methods awp --acelerate"), 2, {"did you mean --accelerate?"});
    expect_failure(run_cli("run " + kDemo + "--method rtn --zzzzzzzz"), 2, {"unknown option '--zzzzzzzz'"});
    expect_failure(run_cli("run " + kDemo + "--method awp --init column"), 2, {"init", "column", "wanda"});
}

TEST(CliContract, RunJsonAndCompareCsvAgreeFieldByField) {
    const Outcome json = run_cli("run " + kDemo + "--method wanda --sparsity 0.6 --json");
    const Outcome csv = run_cli("compare " + kDemo + "--methods rtn,wanda --sparsity 0.6 --csv");
    ASSERT_EQ(json.exit_code, 0) << json.err;
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    const QJsonObject r = QJsonDocument::fromJson(QByteArray::fromStdString(json.out)).object();
    const auto rows = lines_of(csv.out);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0], csv_header());
    const auto header = csv_cells(rows[0]);
    const auto wanda = csv_cells(rows[2]);
    ASSERT_EQ(header.size(), wanda.size());
    for (size_t k = 0; k < header.size(); ++k) {
        SCOPED_TRACE(header[k]);
        if (header[k] == "seconds") continue;   // two runs, two timings
        if (header[k] == "budget") {
            EXPECT_EQ(wanda[k], "60%");
            continue;
        }
        const QJsonValue v = r[QString::fromStdString(header[k])];
        if (v.isString()) {
            EXPECT_EQ(v.toString().toStdString(), wanda[k]);
        } else {
            EXPECT_EQ(v.toDouble(), std::stod(wanda[k]));   // exact: shortest round-trip text
        }
    }
}

TEST(CliSweep, FollowsTheOneSweepRule) {
    const std::string args = kDemo + "--methods rtn,magnitude,wanda,awp --iters 5 --sparsities 0.5,0.7 --csv";
    const Outcome o = run_cli("sweep " + args);
    ASSERT_EQ(o.exit_code, 0) << o.err;
    EXPECT_NE(o.err.find("skipped rtn: rtn has no sparsity budget"), std::string::npos) << o.err;
    // The same plan run in this process gives the same rows (the Sweep tab runs this plan too).
    LayerSource source;
    source.demo = true;
    source.demo_spec.d_out = 64;
    source.demo_spec.d_in = 128;
    source.demo_spec.n_tokens = 256;
    Progress quiet;
    const LoadedLayer loaded = load_layer(source, quiet);
    CompressionParams base;
    base.iters = 5;
    std::vector<SweepMethod> methods;
    for (const std::string name : {"rtn", "magnitude", "wanda", "awp"}) methods.push_back({name, base});
    const SweepPlan plan = plan_sweep(SweepAxis::Sparsity, {0.5, 0.7}, methods);
    ASSERT_EQ(plan.points.size(), 6u);
    ASSERT_EQ(plan.skipped.size(), 1u);
    const auto rows = lines_of(o.out);
    ASSERT_EQ(rows.size(), plan.points.size() + 1);
    auto without_seconds = [](const std::string& row) { return row.substr(0, row.rfind(',')); };
    for (size_t k = 0; k < plan.points.size(); ++k) {
        const SweepPoint& point = plan.points[k];
        const MethodResult r = run_method(find_method(point.method), loaded.layer, loaded.stats, point.params, quiet);
        EXPECT_EQ(without_seconds(rows[k + 1]), without_seconds(csv_row(loaded.layer.name, r)));
    }
    expect_failure(run_cli("sweep " + kDemo + "--methods rtn,svd --sparsities 0.5"), 2, {"none of the chosen methods"});
    expect_failure(run_cli("sweep " + kDemo + "--methods rtn --bits 2.5"), 2, {"whole numbers"});
}

// Runs every CLI and capture command line of the README, in README order (a capture writes what
// the next lines open), from a folder laid out as the README assumes: build/release/app holds the
// CLI, scripts/ the repository's scripts, and ../shared the real data and model.
TEST(CliReadme, EveryDocumentedCommandLineWorks) {
    namespace fs = std::filesystem;
    std::ifstream readme(LAYERLENS_README);
    ASSERT_TRUE(readme) << LAYERLENS_README;
    const fs::path root = tmp("readme"), work = root / "work";
    fs::remove_all(root);
    fs::create_directories(work / "build/release/app");
    fs::create_symlink(LAYERLENS_CLI, work / "build/release/app/layerlens-cli");
    fs::create_directory_symlink(fs::path(LAYERLENS_README).parent_path() / "scripts", work / "scripts");
    fs::create_directory_symlink(fs::absolute(fs::path(LAYERLENS_SHARED_DATA) / ".."), root / "shared");
    const std::vector<std::string> prefixes = {"    build/release/app/layerlens-cli ", "    /usr/bin/python3 scripts/capture.py "};
    int ran = 0;
    for (std::string line; std::getline(readme, line);) {
        const bool documented = std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return line.rfind(p, 0) == 0; });
        if (!documented || line.find("needs transformers") != std::string::npos) continue;
        if (line.find("../shared/") != std::string::npos && !have_data()) continue;
        SCOPED_TRACE(line);
        const std::string out = (root / "out.txt").string(), err = (root / "err.txt").string();
        const int status = std::system(("cd '" + work.string() + "' && " + line.substr(4) + " >'" + out + "' 2>'" + err + "'").c_str());
        std::ifstream out_file(out), err_file(err);
        const std::string printed((std::istreambuf_iterator<char>(out_file)), {}), errors((std::istreambuf_iterator<char>(err_file)), {});
        EXPECT_EQ(WEXITSTATUS(status), 0) << errors;
        EXPECT_FALSE(printed.empty() && errors.empty());
        ++ran;
    }
    EXPECT_GE(ran, 10);
}
