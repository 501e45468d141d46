// The GUI's tables write core's rows: the Sweep tab's CSV is csv_header() + csv_row(layer, result)
// for the points of core's sweep plan (the CLI's `sweep` prints the same), and the metrics
// table's CSV and JSON are csv_row / result_to_json plus the status. The CLI's sweep of the same
// layer is run too, and its rows are the Sweep tab's.
#include <QProcess>
#include <nlohmann/json.hpp>

#include "compare_tab.h"
#include "gui_test_support.h"
#include "metrics_model.h"
#include "progress.h"
#include "result_format.h"
#include "result_json.h"
#include "sweep_model.h"
#include "sweep_plan.h"
#include "sweep_tab.h"

namespace layerlens::ui::test {
namespace {

QStringList lines(const QString& text) { return text.split('\n', Qt::SkipEmptyParts); }

// The CSV line without the field of `key` (seconds differ from run to run).
std::string without(const std::string& line, const std::string& key) {
    const QStringList header = QString::fromStdString(csv_header()).split(',');
    QStringList cells = QString::fromStdString(line).split(',');
    const int column = static_cast<int>(header.indexOf(QString::fromStdString(key)));
    if (column >= 0 && column < cells.size()) cells.removeAt(column);
    return cells.join(',').toStdString();
}

nlohmann::json withoutTimes(nlohmann::json object) {
    object.erase("seconds");
    object.erase("timings");
    return object;
}

TEST(GuiSweep, RowsAreCoreRowsOfThePlansPointsAndRtnIsSkippedOnce) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128)));
    window->methodPanel()->setSelectedMethods({"magnitude", "wanda", "rtn"});
    SweepTab* sweep = window->sweepTab();
    sweep->setAxis("sparsity");
    sweep->setPoints("0.5,0.6");
    QSignalSpy finished(sweep, &SweepTab::sweepFinished);
    ASSERT_TRUE(sweep->runSweep());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));

    // Core's side: the same plan from the panel's jobs, each point run and serialised by core.
    std::vector<SweepMethod> methods;
    for (const MethodJob& job : window->methodPanel()->jobs()) methods.push_back({job.method, job.params});
    const SweepPlan plan = plan_sweep(SweepAxis::Sparsity, {0.5, 0.6}, methods);
    ASSERT_EQ(plan.skipped.size(), 1u);
    EXPECT_EQ(plan.skipped[0].method, "rtn");
    const LoadedLayer& loaded = *window->loadedLayer();
    std::vector<std::string> expected;
    nlohmann::json expectedJson = nlohmann::json::array();
    for (const SweepPoint& point : plan.points) {
        Progress progress;
        const MethodResult r = run_method(find_method(point.method), loaded.layer, loaded.stats, point.params, progress);
        expected.push_back(without(csv_row(loaded.layer.name, r), "seconds"));
        expectedJson.push_back(withoutTimes(result_to_json(loaded.layer.name, r)));
    }

    const QStringList csv = lines(sweep->toCsv());
    ASSERT_EQ(csv.size(), 1 + static_cast<int>(expected.size())) << sweep->toCsv().toStdString();
    EXPECT_EQ(csv[0].toStdString(), csv_header());
    for (size_t k = 0; k < expected.size(); ++k) {
        EXPECT_EQ(without(csv[static_cast<int>(k) + 1].toStdString(), "seconds"), expected[k]);
    }
    EXPECT_FALSE(sweep->toCsv().contains(",rtn,"));
    const nlohmann::json json = nlohmann::json::parse(sweep->toJson().toStdString());
    ASSERT_EQ(json.size(), expectedJson.size());
    for (size_t k = 0; k < json.size(); ++k) EXPECT_EQ(withoutTimes(json[k]), expectedJson[k]) << k;
    // RTN has no sparsity budget: said once in the status, never a line of its own.
    EXPECT_EQ(sweep->statusText().count(QString::fromStdString(plan.skipped[0].reason)), 1) << sweep->statusText().toStdString();
    EXPECT_EQ(sweep->lineCount(), 2);
    EXPECT_EQ(sweep->pointCount("rtn"), 0);
    EXPECT_EQ(sweep->model()->rowCount(), 4);

    // The command line's sweep of the same layer and methods prints the same rows.
    QProcess cli;
    cli.start(LAYERLENS_CLI, {"sweep", "--demo", "--demo-shape", "64x128", "--demo-tokens", "2048", "--methods",
                              "magnitude,wanda,rtn", "--sparsities", "0.5,0.6", "--csv"});
    ASSERT_TRUE(cli.waitForFinished(60000));
    ASSERT_EQ(cli.exitCode(), 0) << cli.readAllStandardError().toStdString();
    EXPECT_TRUE(QString::fromUtf8(cli.readAllStandardError()).contains(QString::fromStdString(plan.skipped[0].reason)));
    const QStringList cliCsv = lines(QString::fromUtf8(cli.readAllStandardOutput()));
    ASSERT_EQ(cliCsv.size(), csv.size());
    EXPECT_EQ(cliCsv[0], csv[0]);
    for (int k = 1; k < csv.size(); ++k) {
        EXPECT_EQ(without(cliCsv[k].toStdString(), "seconds"), without(csv[k].toStdString(), "seconds")) << k;
    }
}

TEST(GuiSweep, AnInvalidValueIsRefusedOnceWithTheMethodsItConcerns) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    window->methodPanel()->setSelectedMethods({"magnitude", "wanda"});
    SweepTab* sweep = window->sweepTab();
    sweep->setAxis("sparsity");
    sweep->setPoints("0.5,1");
    QSignalSpy failed(sweep, &SweepTab::sweepFailed);
    EXPECT_FALSE(sweep->runSweep());
    ASSERT_EQ(failed.count(), 1);
    const QStringList reasons = lines(failed.front().front().toString());
    ASSERT_EQ(reasons.size(), 1) << reasons.join(" | ").toStdString();
    EXPECT_TRUE(reasons[0].contains("sparsity"));
    EXPECT_TRUE(reasons[0].contains("Magnitude") || reasons[0].contains("magnitude")) << reasons[0].toStdString();
    EXPECT_TRUE(reasons[0].contains("Wanda")) << reasons[0].toStdString();
}

TEST(GuiCompare, MetricsExportsAreCoreRowsPlusTheStatus) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    window->methodPanel()->setSelectedMethods({"rtn", "wanda", "awp", "svd"});
    setPanelInt(*window, "budget_iters", 20);
    ASSERT_TRUE(runAndWait(*window));
    const MetricsModel* metrics = window->compareTab()->metrics();
    ASSERT_EQ(metrics->rowCount(), 4);
    const QStringList csv = lines(metrics->toCsv());
    ASSERT_EQ(csv.size(), 5);
    EXPECT_EQ(csv[0].toStdString(), csv_header() + ",status");
    const nlohmann::json json = nlohmann::json::parse(metrics->toJson().toStdString());
    ASSERT_EQ(json.size(), 4u);
    const std::string layer = window->loadedLayer()->layer.name;
    for (int row = 0; row < metrics->rowCount(); ++row) {
        const MethodResult& r = *metrics->outcomeAt(row)->result;
        SCOPED_TRACE(r.method);
        EXPECT_EQ(csv[row + 1].toStdString(), csv_row(layer, r) + ",done");
        nlohmann::json object = json[static_cast<size_t>(row)];
        EXPECT_EQ(object["status"], "done");
        object.erase("status");
        EXPECT_EQ(object, result_to_json(layer, r));
        // The table's text, sort key and tooltips are the fields' own.
        for (const ResultField& field : result_fields()) {
            const QModelIndex index = metrics->index(row, MetricsModel::columnOf(field.key));
            if (field.key != "method") {
                EXPECT_EQ(index.data().toString().toStdString(), field.display(r)) << field.key;
            }
            if (field.number) {
                EXPECT_EQ(index.data(Qt::UserRole).toDouble(), field.number(r)) << field.key;
            }
            EXPECT_EQ(metrics->headerData(index.column(), Qt::Horizontal, Qt::ToolTipRole).toString().toStdString(), field.help);
        }
    }
    EXPECT_EQ(metrics->headerData(MetricsModel::statusColumn(), Qt::Horizontal).toString(), "status");
}

}  // namespace
}  // namespace layerlens::ui::test
