// The Calibration tab on the real stories260K layers: its numbers are the CLI's `calibration
// --json` numbers for the same layer, methods, resamples and seed, and its CSV is the CLI's
// --csv; the same file as second set gives overlap 1 and no penalty; a broken second file is a
// message naming it and the tab stays usable; cancel stops the check; the channels that entered
// or left the salient set are marked, exactly those, in every column of the comparison; and the
// screenshots a reviewer looks at.
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <cmath>
#include <cstring>

#include "../core/tensor_file_builders.h"
#include "calibration_model.h"
#include "calibration_penalty_chart.h"
#include "calibration_runner.h"
#include "calibration_tokens_chart.h"
#include "calibration_view.h"
#include "channel_focus.h"
#include "compare_tab.h"
#include "comparison_grid.h"
#include "gui_test_support.h"
#include "heatmap_widget.h"
#include "method_column.h"
#include "scatter_widget.h"

namespace layerlens::ui::test {
namespace {

const QString kStableLayer = "layers.2.feed_forward.w2";     // the layer: A and B share their top set
const QString kUnstableLayer = "layers.3.feed_forward.w2";   // one channel enters the top set on B, one leaves it

LayerSource sharedLayer(const QString& layer) {
    LayerSource source;
    source.path = sharedLayers().toStdString();
    source.layer = layer.toStdString();
    return source;
}

// Runs the view's check and waits; false (with a failure naming the view's status) when it did not finish.
bool checkAndWait(CalibrationView* view, int timeoutMs = 120000) {
    QSignalSpy finished(view, &CalibrationView::runFinished);
    QSignalSpy failed(view, &CalibrationView::failed);
    QSignalSpy canceled(view, &CalibrationView::runCanceled);
    if (!view->run()) {
        ADD_FAILURE() << "refused: " << view->statusText().toStdString();
        return false;
    }
    const bool done = QTest::qWaitFor([&] { return finished.count() + failed.count() + canceled.count() > 0; }, timeoutMs);
    EXPECT_TRUE(done) << "the check did not end in " << timeoutMs << " ms: " << view->statusText().toStdString();
    EXPECT_EQ(failed.count(), 0) << view->statusText().toStdString();
    return finished.count() > 0;
}

// The check's end with a failure; returns the message shown.
QString failureOf(CalibrationView* view) {
    QSignalSpy failed(view, &CalibrationView::failed);
    QSignalSpy finished(view, &CalibrationView::runFinished);
    if (!view->run()) return view->statusText();
    EXPECT_TRUE(QTest::qWaitFor([&] { return failed.count() + finished.count() > 0; }, 60000));
    EXPECT_EQ(finished.count(), 0) << "the check succeeded";
    EXPECT_TRUE(view->statusIsError());
    EXPECT_EQ(failed.count(), 1);
    return view->statusText();
}

// `layerlens-cli calibration FILE --layer LAYER ARGS --quiet`: its standard output.
QByteArray cli(const QString& layer, const QStringList& args) {
    QProcess process;
    process.start(QStringLiteral(LAYERLENS_CLI), QStringList{"calibration", sharedLayers(), "--layer", layer, "--quiet"} + args);
    EXPECT_TRUE(process.waitForFinished(120000));
    EXPECT_EQ(process.exitCode(), 0) << process.readAllStandardError().toStdString();
    return process.readAllStandardOutput();
}

std::vector<int> ints(const QJsonValue& value) {
    std::vector<int> result;
    for (const QJsonValue& v : value.toArray()) result.push_back(v.toInt());
    return result;
}

std::unique_ptr<MainWindow> windowOn(const QString& layer) {
    auto window = makeWindow();
    if (!loadAndWait(*window, sharedLayer(layer))) return nullptr;
    return window;
}

TEST(GuiCalibration, TheNumbersAreTheClisForTheSameSeed) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP() << "no " << sharedLayers().toStdString();
    auto window = windowOn(kStableLayer);
    ASSERT_TRUE(window);
    CalibrationView* view = window->calibrationView();
    view->setSelectedMethods({"rtn", "awq", "gptq"});
    view->setResamples(5);
    view->setSeed(3);
    ASSERT_TRUE(checkAndWait(view));
    const QStringList args{"--methods", "rtn,awq,gptq", "--resamples", "5", "--seed", "3"};
    const QJsonObject json = QJsonDocument::fromJson(cli(kStableLayer, args + QStringList{"--json"})).object();
    ASSERT_FALSE(json.isEmpty());

    const CalibrationRunPtr run = view->model()->run();
    ASSERT_TRUE(run);
    const CalibrationCheck& c = run->check;
    EXPECT_EQ(run->layer, json["layer"].toString().toStdString());
    EXPECT_EQ(c.set_a, json["set_a"].toString().toStdString());
    EXPECT_EQ(c.set_b, json["set_b"].toString().toStdString());
    EXPECT_EQ(c.tokens_a, json["tokens_a"].toInteger());
    EXPECT_EQ(c.tokens_b, json["tokens_b"].toInteger());
    EXPECT_EQ(c.overlap, json["overlap"].toDouble());
    EXPECT_EQ(c.top_a, ints(json["top_channels_a"]));
    EXPECT_EQ(c.top_b, ints(json["top_channels_b"]));
    EXPECT_EQ(c.entered, ints(json["entered"]));
    EXPECT_EQ(c.left, ints(json["left"]));
    const QJsonObject stability = json["stability"].toObject();
    EXPECT_EQ(c.stability.top_channels, stability["top_channels"].toInt());
    EXPECT_EQ(c.stability.mean_jaccard, stability["mean_jaccard"].toDouble());
    EXPECT_EQ(c.stability.mean_rank_correlation, stability["mean_rank_correlation"].toDouble());
    EXPECT_EQ(c.stability.stable, stability["stable"].toBool());
    EXPECT_EQ(c.stability.tokens_for_stable_top.has_value(), !stability["tokens_for_stable_top"].isNull());
    const QJsonArray curve = stability["by_tokens"].toArray();
    ASSERT_EQ(c.stability.by_tokens.size(), static_cast<size_t>(curve.size()));
    for (qsizetype k = 0; k < curve.size(); ++k) {
        EXPECT_EQ(c.stability.by_tokens[static_cast<size_t>(k)].tokens, curve[k].toObject()["tokens"].toInteger());
        EXPECT_EQ(c.stability.by_tokens[static_cast<size_t>(k)].mean_jaccard, curve[k].toObject()["mean_jaccard"].toDouble());
    }

    // Every method's numbers, bit for bit, in the model and in the table the user reads.
    const QJsonArray methods = json["methods"].toArray();
    ASSERT_EQ(view->model()->rowCount(), methods.size());
    ASSERT_EQ(c.methods.size(), static_cast<size_t>(methods.size()));
    const CalibrationModel* model = view->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QJsonObject m = methods[row].toObject();
        const MethodCalibration& g = c.methods[static_cast<size_t>(row)];
        SCOPED_TRACE(g.method);
        EXPECT_EQ(g.method, m["method"].toString().toStdString());
        EXPECT_EQ(g.budget, m["budget"].toString().toStdString());
        for (const auto& [field, value] :
             {std::pair<const char*, double>{"error_on_a_calibrated_on_a", g.error_on_a_calibrated_on_a},
              {"error_on_b_calibrated_on_a", g.error_on_b_calibrated_on_a},
              {"error_on_b_calibrated_on_b", g.error_on_b_calibrated_on_b},
              {"penalty", g.penalty},
              {"changed_fraction_a_vs_b", g.changed_fraction_a_vs_b},
              {"error_mean", g.error_mean},
              {"error_std", g.error_std},
              {"error_min", g.error_min},
              {"error_max", g.error_max},
              {"changed_fraction_mean", g.changed_fraction_mean}})
            EXPECT_EQ(value, m[field].toDouble()) << field;
        const QJsonArray resampled = m["resample_errors"].toArray();
        ASSERT_EQ(g.resample_errors.size(), static_cast<size_t>(resampled.size()));
        for (qsizetype k = 0; k < resampled.size(); ++k) EXPECT_EQ(g.resample_errors[static_cast<size_t>(k)], resampled[k].toDouble());
        auto cell = [&](int column, int role) { return model->data(model->index(row, column), role); };
        EXPECT_EQ(cell(CalibrationModel::Penalty, Qt::UserRole).toDouble(), m["penalty"].toDouble());
        EXPECT_EQ(cell(CalibrationModel::ErrorCalibratedOnA, Qt::UserRole).toDouble(), m["error_on_b_calibrated_on_a"].toDouble());
        EXPECT_EQ(cell(CalibrationModel::ErrorCalibratedOnB, Qt::UserRole).toDouble(), m["error_on_b_calibrated_on_b"].toDouble());
        EXPECT_EQ(cell(CalibrationModel::Penalty, Qt::DisplayRole).toString(),
                  QString::number(100.0 * m["penalty"].toDouble(), 'f', 2) + "%");
        EXPECT_EQ(cell(CalibrationModel::ErrorCalibratedOnA, Qt::DisplayRole).toString(),
                  QString::number(m["error_on_b_calibrated_on_a"].toDouble(), 'g', 6));
        EXPECT_EQ(cell(CalibrationModel::Budget, Qt::DisplayRole).toString(), m["budget"].toString());
    }
    // The chart draws those penalties, in %.
    const auto bars = view->penaltyChart()->bars();
    ASSERT_EQ(bars.size(), static_cast<size_t>(methods.size()));
    for (size_t k = 0; k < bars.size(); ++k)
        EXPECT_DOUBLE_EQ(bars[k].penalty, 100.0 * methods[static_cast<qsizetype>(k)].toObject()["penalty"].toDouble());
    EXPECT_EQ(view->tokensChart()->points().size(), static_cast<size_t>(curve.size()));
    // The headline says the salient sets plainly.
    EXPECT_EQ(view->overlapText(), QString("top-1% channels: A {15, 94}, B {15, 94}, overlap 1.00"));
    EXPECT_TRUE(view->stabilityText().contains("stable")) << view->stabilityText().toStdString();
    EXPECT_FALSE(view->showChannelsButton()->isEnabled()) << "no channel entered or left the top set";

    // The table's CSV is the CLI's --csv, byte for byte, from the view and from File › Export.
    const QByteArray csv = cli(kStableLayer, args + QStringList{"--csv"});
    const QString dir = tempDir();
    for (const QString& path : {dir + "/calibration_view.csv", dir + "/calibration_menu.csv"}) QFile::remove(path);
    EXPECT_EQ(view->exportCsv(dir + "/calibration_view.csv"), "");
    EXPECT_EQ(window->exportAs(ExportKind::Calibration, dir + "/calibration_menu.csv"), "");
    for (const QString& path : {dir + "/calibration_view.csv", dir + "/calibration_menu.csv"}) {
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly)) << path.toStdString();
        EXPECT_EQ(file.readAll(), csv) << path.toStdString();
    }
    // And the chart as PNG and SVG.
    EXPECT_EQ(view->exportChart(dir + "/calibration_penalty.png"), "");
    EXPECT_FALSE(QImage(dir + "/calibration_penalty.png").isNull());
    // The tab was never shown: the chart is exported at a readable size, not as a thumbnail.
    EXPECT_GE(QImage(dir + "/calibration_penalty.png").width(), 720);
    EXPECT_GE(QImage(dir + "/calibration_penalty.png").height(), 400);
    EXPECT_EQ(view->exportChart(dir + "/calibration_penalty.svg"), "");
    EXPECT_EQ(view->exportTokensChart(dir + "/calibration_tokens.svg"), "");
    QFile svg(dir + "/calibration_penalty.svg");
    ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
    EXPECT_TRUE(svg.readAll().contains("<svg"));
    EXPECT_FALSE(view->exportChart(dir + "/no_such_folder/chart.png").isEmpty());
    EXPECT_TRUE(view->statusIsError());
}

// The same file twice: the same tokens in A and B, so the same channels and no penalty.
TEST(GuiCalibration, TheSameFileAsSecondSetGivesOverlapOneAndNoPenalty) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP();
    auto window = windowOn(kUnstableLayer);
    ASSERT_TRUE(window);
    CalibrationView* view = window->calibrationView();
    view->setSelectedMethods({"rtn", "awq", "gptq", "wanda"});
    view->setResamples(3);
    view->setSecondInputs(sharedLayers());
    // The toolbar's Run acts on the tab in view.
    window->tabs()->setCurrentWidget(view);
    QSignalSpy finished(view, &CalibrationView::runFinished);
    window->runCurrentTab();
    EXPECT_TRUE(view->isRunning());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 120000)) << view->statusText().toStdString();
    const CalibrationCheck& c = view->model()->run()->check;
    EXPECT_EQ(c.overlap, 1.0);
    EXPECT_TRUE(c.entered.empty() && c.left.empty());
    EXPECT_TRUE(view->overlapText().endsWith("overlap 1.00")) << view->overlapText().toStdString();
    ASSERT_EQ(view->model()->rowCount(), 4);
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        EXPECT_EQ(view->model()->method(row)->penalty, 0.0) << view->model()->method(row)->method;
        EXPECT_EQ(view->model()->data(view->model()->index(row, CalibrationModel::Penalty), Qt::DisplayRole).toString(), "0.00%");
    }
    for (const auto& bar : view->penaltyChart()->bars()) EXPECT_EQ(bar.penalty, 0.0) << bar.method;
    EXPECT_TRUE(view->model()->setsText().contains(sharedLayers())) << "set B is named by its file";
}

// A second set of the wrong width, one holding NaN, one that does not exist: each a message in
// the view naming the file; the window keeps its layer and the next check runs.
TEST(GuiCalibration, ABrokenSecondFileIsAMessageNamingIt) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP();
    auto window = windowOn(kStableLayer);
    ASSERT_TRUE(window);
    CalibrationView* view = window->calibrationView();
    view->setSelectedMethods({"rtn"});
    view->setResamples(2);
    const QString dir = tempDir();
    const QString narrow = dir + "/calibration_narrow.npy", nan = dir + "/calibration_nan.npy", missing = dir + "/no_such_inputs.npy";
    std::string floats(64 * 100 * sizeof(float), '\0');
    layerlens::test::write_bytes(narrow.toStdString(),
                                 layerlens::test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (64, 100), }", floats));
    std::vector<float> values(64 * 172, 0.5f);
    values[300] = std::nanf("");
    std::string bytes(values.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), values.data(), bytes.size());
    layerlens::test::write_bytes(nan.toStdString(),
                                 layerlens::test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (64, 172), }", bytes));
    QFile::remove(missing);
    for (const QString& file : {narrow, nan, missing}) {
        SCOPED_TRACE(file.toStdString());
        view->setSecondInputs(file);
        const QString message = failureOf(view);
        EXPECT_TRUE(message.contains(file)) << message.toStdString();
        EXPECT_TRUE(view->runButton()->isEnabled());
        EXPECT_FALSE(view->model()->run());
    }
    EXPECT_TRUE(failureOf(view).contains("no such file"));
    EXPECT_NE(window->loadedLayer(), nullptr);
    view->setSecondInputs({});
    EXPECT_TRUE(checkAndWait(view));
    EXPECT_FALSE(view->statusIsError());
}

TEST(GuiCalibration, CancelStopsTheCheck) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(512, 1024, 2048)));
    CalibrationView* view = window->calibrationView();
    view->setSelectedMethods({"gptq", "sparsegpt", "awp"});
    view->setResamples(200);
    QSignalSpy canceled(view, &CalibrationView::runCanceled);
    QSignalSpy finished(view, &CalibrationView::runFinished);
    QSignalSpy progressed(view->runner(), &CalibrationRunner::progressed);
    ASSERT_TRUE(view->run());
    EXPECT_FALSE(view->runButton()->isEnabled());
    EXPECT_TRUE(view->cancelButton()->isEnabled());
    // Into the method runs, then stop.
    ASSERT_TRUE(QTest::qWaitFor([&] { return !progressed.isEmpty() && progressed.back().front().toDouble() > 0.13; }, 60000));
    QTest::mouseClick(view->cancelButton(), Qt::LeftButton);
    EXPECT_TRUE(QTest::qWaitFor([&] { return canceled.count() > 0; }, 3000)) << "cancel did not land";
    EXPECT_EQ(finished.count(), 0);
    EXPECT_FALSE(view->isRunning());
    EXPECT_TRUE(view->runButton()->isEnabled());
    EXPECT_FALSE(view->model()->run());
    EXPECT_FALSE(view->statusIsError());
}

// The channel that entered B's top set and the one that left it, marked in every column's
// scatter and heatmap of the comparison, each in its own colour, with the legend saying which.
TEST(GuiCalibration, TheChannelsThatEnteredOrLeftAreMarkedInTheComparison) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP();
    auto window = windowOn(kUnstableLayer);
    ASSERT_TRUE(window);
    window->methodPanel()->setSelectedMethods({"rtn", "awq", "wanda"});
    ASSERT_TRUE(runAndWait(*window));
    CalibrationView* view = window->calibrationView();
    window->tabs()->setCurrentWidget(view);
    EXPECT_EQ(view->selectedMethods(), QStringList({"rtn", "awq", "wanda"})) << "the panel's methods by default";
    view->setResamples(4);
    ASSERT_TRUE(checkAndWait(view));
    const CalibrationCheck& c = view->model()->run()->check;
    ASSERT_FALSE(c.entered.empty());
    ASSERT_FALSE(c.left.empty());
    const QVector<int> entered(c.entered.begin(), c.entered.end()), left(c.left.begin(), c.left.end());
    ASSERT_TRUE(view->showChannelsButton()->isEnabled());
    QTest::mouseClick(view->showChannelsButton(), Qt::LeftButton);
    EXPECT_EQ(window->tabs()->currentWidget(), window->compareTab());
    ComparisonGrid* grid = window->compareTab()->grid();
    ASSERT_EQ(grid->columns().size(), 3u);
    for (MethodColumn* column : grid->columns()) {
        SCOPED_TRACE(column->method());
        column->scatter()->grab();   // paints
        column->heatmap()->grab();
        for (const auto& marks : {column->scatter()->drawnMarks(), column->heatmap()->drawnMarks()}) {
            ASSERT_EQ(marks.size(), 2);
            EXPECT_EQ(marks[0].channels, entered);
            EXPECT_EQ(marks[1].channels, left);
            EXPECT_NE(marks[0].colour, marks[1].colour);
            EXPECT_NE(marks[0].shape, marks[1].shape);
        }
    }
    const QString legend = grid->marksLegend();
    EXPECT_TRUE(legend.contains("entered") && legend.contains("left")) << legend.toStdString();
    for (int j : c.entered) EXPECT_TRUE(legend.contains(QString::number(j))) << legend.toStdString();
    for (int j : c.left) EXPECT_TRUE(legend.contains(QString::number(j))) << legend.toStdString();
    // Clearing removes them everywhere.
    window->focus()->clearMarks();
    for (MethodColumn* column : grid->columns()) {
        column->scatter()->grab();
        EXPECT_TRUE(column->scatter()->drawnMarks().isEmpty());
    }
    EXPECT_TRUE(grid->marksLegend().isEmpty());
}

TEST(GuiCalibration, Screenshots) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP();
    auto window = makeWindow();
    window->resize(1500, 940);
    ASSERT_TRUE(loadAndWait(*window, sharedLayer(kUnstableLayer)));
    window->methodPanel()->setSelectedMethods(CalibrationView::kDefaultMethods);
    ASSERT_TRUE(runAndWait(*window));
    CalibrationView* view = window->calibrationView();
    window->tabs()->setCurrentWidget(view);
    ASSERT_TRUE(checkAndWait(view));
    QTest::qWait(100);
    EXPECT_EQ(window->size(), QSize(1500, 940)) << "everything fits the default window";
    // Every method's row is in sight.
    QTableView* table = view->table();
    EXPECT_LE(table->visualRect(view->model()->index(view->model()->rowCount() - 1, 0)).bottom(), table->viewport()->height());
    const QString dir = screenshotDir();
    EXPECT_TRUE(window->grab().save(dir + "/calibration_view.png"));
    EXPECT_EQ(view->exportChart(dir + "/calibration_penalty_chart.png"), "");
    ASSERT_TRUE(view->showChannelsInComparison());
    QTest::qWait(100);
    EXPECT_TRUE(window->grab().save(dir + "/compare_calibration_channels.png"));
    EXPECT_TRUE(window->compareTab()->grid()->columns().front()->grab().save(dir + "/column_calibration_channels.png"));
}

}  // namespace
}  // namespace layerlens::ui::test
