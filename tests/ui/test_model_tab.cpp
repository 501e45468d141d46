// The Model tab's Perplexity view: an evaluation JSON written by the core opens into the chart (one line per
// method, the dense reference, a log perplexity axis) and the paper-style table; a bad file is a
// message and the view stays; a real run on stories260K delivers its rows as they finish; a
// failed run and a cancelled run leave the tab ready to run again.
#include <QFile>
#include <QHeaderView>
#include <QPushButton>
#include <QTableView>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>
#include <map>
#include <tuple>

#include "gui_test_support.h"
#include "model/model_eval_json.h"
#include "model_chart_view.h"
#include "model_eval_layout.h"
#include "model_eval_model.h"
#include "model_run_form.h"
#include "model_tab.h"
#include "perplexity_view.h"

namespace layerlens::ui::test {
namespace {

QString sharedModel() { return QStringLiteral(LAYERLENS_SHARED_DATA) + "/../models/stories260K/stories260K.bin"; }

ModelEvalRow row(const std::string& method, double sparsity, double perplexity, double kl) {
    ModelEvalRow r;
    r.method = method;
    r.perplexity = perplexity;
    r.kl = kl;
    if (method == "dense") return r;
    r.budget = QString("%1%").arg(sparsity * 100).toStdString();
    r.params = {{"sparsity", sparsity}};
    r.sparsity = sparsity;
    r.bits_per_weight = 16.0;
    r.mean_layer_error = kl / 10;
    r.seconds = 1.5;
    r.layer_errors = {{"layers.0.attention.wq", kl / 10}};
    return r;
}

// A pruning table of three methods at 50 and 60%, dense 12.34; wanda best at 50%, sparsegpt at 60%.
ModelEvaluation pruningEvaluation() {
    ModelEvaluation e;
    e.model_path = "/models/tiny.bin";
    e.calibration_sequences = 4, e.calibration_tokens = 512;
    e.evaluation_sequences = 8, e.evaluation_tokens = 1016;
    e.rows = {row("dense", 0, 12.34, 0),          row("magnitude", 0.5, 40.5, 1.2), row("magnitude", 0.6, 95.25, 2.0),
              row("wanda", 0.5, 18.75, 0.4),      row("wanda", 0.6, 33.0, 0.9),     row("sparsegpt", 0.5, 19.0, 0.41),
              row("sparsegpt", 0.6, 30.5, 0.8)};
    return e;
}

QString writeJson(const ModelEvaluation& evaluation, const QString& name) {
    const QString path = tempDir() + "/" + name;
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QByteArray::fromStdString(model_eval_json_text(evaluation)));
    return path;
}

QString writeText(const QString& text, const QString& name) {
    const QString path = tempDir() + "/" + name;
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text.toUtf8());
    return path;
}

QLineSeries* seriesNamed(PerplexityView* tab, const QString& name) {
    for (QAbstractSeries* s : tab->chartView()->chart()->series())
        if (s->name() == name) return qobject_cast<QLineSeries*>(s);
    return nullptr;
}

QString cell(PerplexityView* tab, int row, int column, int role = Qt::DisplayRole) {
    return tab->model()->data(tab->model()->index(row, column), role).toString();
}

bool isBold(PerplexityView* tab, int row, int column) {
    const QVariant font = tab->model()->data(tab->model()->index(row, column), Qt::FontRole);
    return font.isValid() && font.value<QFont>().bold();
}

// Waits for the end of the tab's run; the name of the signal that came, or "" after the timeout.
QString waitForEnd(PerplexityView* tab, int timeoutMs) {
    QSignalSpy finished(tab, &PerplexityView::runFinished), failed(tab, &PerplexityView::runFailed), canceled(tab, &PerplexityView::runCanceled);
    // An empty answer (none of the three within the time) is the caller's failure to report.
    (void)QTest::qWaitFor([&] { return finished.count() + failed.count() + canceled.count() > 0; }, timeoutMs);
    if (failed.count()) ADD_FAILURE() << "run failed: " << failed.front().front().toString().toStdString();
    return finished.count() ? "finished" : failed.count() ? "failed" : canceled.count() ? "canceled" : "";
}

TEST(GuiModel, AnEvaluationJsonOpensIntoTheChartAndTheTable) {
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    ASSERT_NE(tab, nullptr);
    EXPECT_EQ(window->tabs()->tabText(window->tabs()->indexOf(window->modelTab())), "Model");
    QSignalSpy opened(tab, &PerplexityView::jsonOpened);
    ASSERT_TRUE(tab->openJson(writeJson(pruningEvaluation(), "pruning.json"))) << tab->statusText().toStdString();
    EXPECT_EQ(opened.count(), 1);
    EXPECT_FALSE(tab->statusIsError());

    // The chart: one line per method with its markers, plus the dashed dense line, on a log y axis.
    QChart* chart = tab->chartView()->chart();
    EXPECT_EQ(chart->series().size(), 3 + 1);
    QLineSeries* dense = tab->chartView()->denseLine();
    ASSERT_NE(dense, nullptr);
    EXPECT_EQ(dense->name(), "dense 12.3");
    EXPECT_EQ(dense->pen().style(), Qt::DashLine);
    for (const QPointF& p : dense->points()) EXPECT_DOUBLE_EQ(p.y(), 12.34);
    const QList<QAbstractAxis*> y = chart->axes(Qt::Vertical);
    ASSERT_EQ(y.size(), 1);
    EXPECT_EQ(y.front()->type(), QAbstractAxis::AxisTypeLogValue);
    auto* logAxis = qobject_cast<QLogValueAxis*>(y.front());
    EXPECT_LT(logAxis->min(), 12.34);
    EXPECT_GT(logAxis->max(), 95.25);
    const QList<QAbstractAxis*> x = chart->axes(Qt::Horizontal);
    ASSERT_EQ(x.size(), 1);
    EXPECT_TRUE(x.front()->titleText().contains("sparsity")) << x.front()->titleText().toStdString();
    const std::map<QString, std::vector<QPointF>> expected{{"Magnitude", {{50, 40.5}, {60, 95.25}}},
                                                           {"Wanda", {{50, 18.75}, {60, 33.0}}},
                                                           {"SparseGPT", {{50, 19.0}, {60, 30.5}}}};
    for (const auto& [name, points] : expected) {
        QLineSeries* line = seriesNamed(tab, name);
        ASSERT_NE(line, nullptr) << name.toStdString();
        EXPECT_TRUE(line->pointsVisible());
        ASSERT_EQ(line->count(), 2);
        for (int k = 0; k < 2; ++k) {
            EXPECT_NEAR(line->at(k).x(), points[static_cast<size_t>(k)].x(), 1e-9) << name.toStdString();
            EXPECT_DOUBLE_EQ(line->at(k).y(), points[static_cast<size_t>(k)].y()) << name.toStdString();
        }
    }

    // The table: dense first, methods down, budgets across, best per budget in bold.
    ModelEvalModel* model = tab->model();
    ASSERT_EQ(model->rowCount(), 4);
    ASSERT_EQ(model->columnCount(), 2);
    EXPECT_EQ(model->headerData(0, Qt::Horizontal).toString(), "50%");
    EXPECT_EQ(model->headerData(1, Qt::Horizontal).toString(), "60%");
    const QStringList methods{"dense", "Magnitude", "Wanda", "SparseGPT"};
    for (int r = 0; r < 4; ++r) EXPECT_EQ(model->headerData(r, Qt::Vertical).toString(), methods[r]);
    const QString cells[4][2] = {{"12.34", "12.34"}, {"40.50", "95.25"}, {"18.75", "33.00"}, {"19.00", "30.50"}};
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 2; ++c) EXPECT_EQ(cell(tab, r, c), cells[r][c]) << r << "," << c;
    EXPECT_TRUE(cell(tab, 2, 0, Qt::ToolTipRole).contains("KL")) << cell(tab, 2, 0, Qt::ToolTipRole).toStdString();
    EXPECT_TRUE(cell(tab, 2, 0, Qt::ToolTipRole).contains("0.4"));
    EXPECT_TRUE(isBold(tab, 2, 0));    // Wanda at 50%
    EXPECT_TRUE(isBold(tab, 3, 1));    // SparseGPT at 60%
    EXPECT_FALSE(isBold(tab, 3, 0));
    EXPECT_FALSE(isBold(tab, 1, 0));
    EXPECT_FALSE(isBold(tab, 0, 0));   // the dense row is the reference, never "best"
    EXPECT_EQ(tab->tableView()->model(), model);

    // Saved and read back by the core: the same rows.
    const QString saved = tempDir() + "/saved_evaluation.json";
    QFile::remove(saved);
    EXPECT_EQ(tab->saveJson(saved), "");
    QFile file(saved);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const ModelEvaluation back = read_model_eval_json(file.readAll().toStdString(), saved.toStdString());
    ASSERT_EQ(back.rows.size(), 7u);
    for (size_t k = 0; k < back.rows.size(); ++k) {
        EXPECT_EQ(back.rows[k].method, pruningEvaluation().rows[k].method);
        EXPECT_DOUBLE_EQ(back.rows[k].perplexity, pruningEvaluation().rows[k].perplexity);
    }
    EXPECT_EQ(back.model_path, "/models/tiny.bin");
}

TEST(GuiModel, AQuantizationTableWithOneBudgetIsDrawnOverBitsPerWeight) {
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    ModelEvaluation e;
    e.model_path = "/models/tiny.bin";
    e.rows = {row("dense", 0, 5.0, 0)};
    const std::tuple<const char*, double, double> quantized[] = {{"rtn", 4.25, 9.0}, {"awq", 4.25, 6.5}, {"gptq", 4.25, 6.0}};
    for (const auto& [method, bits, perplexity] : quantized) {
        ModelEvalRow r = row(method, 0, perplexity, 0.1);
        r.params = {{"bits", 4LL}, {"group_size", 128LL}};
        r.budget = "INT4 g128";
        r.bits_per_weight = bits;
        r.sparsity = 0.02;   // quantisation rounds a few small weights to zero
        e.rows.push_back(r);
    }
    ASSERT_TRUE(tab->openJson(writeJson(e, "quantization.json"))) << tab->statusText().toStdString();
    QChart* chart = tab->chartView()->chart();
    EXPECT_EQ(chart->series().size(), 3 + 1);
    EXPECT_EQ(chart->axes(Qt::Horizontal).front()->titleText(), "bits per weight");
    QLineSeries* gptq = seriesNamed(tab, "GPTQ");
    ASSERT_NE(gptq, nullptr);
    ASSERT_EQ(gptq->count(), 1);
    EXPECT_DOUBLE_EQ(gptq->at(0).x(), 4.25);
    EXPECT_EQ(tab->model()->columnCount(), 1);
    EXPECT_TRUE(isBold(tab, 3, 0));   // GPTQ
}

TEST(GuiModel, ABadJsonIsAMessageAndTheViewStays) {
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    ASSERT_TRUE(tab->openJson(writeJson(pruningEvaluation(), "good.json")));
    QSignalSpy failed(tab, &PerplexityView::jsonFailed);

    const QString notJson = writeText("[{\"method\": \"dense\", ", "truncated.json");
    EXPECT_FALSE(tab->openJson(notJson));
    EXPECT_TRUE(tab->statusIsError());
    EXPECT_TRUE(tab->statusText().contains("truncated.json")) << tab->statusText().toStdString();
    EXPECT_TRUE(tab->statusText().contains("not JSON")) << tab->statusText().toStdString();

    ModelEvaluation missing = pruningEvaluation();
    const QString text = QString::fromStdString(model_eval_json_text(missing)).replace("\"perplexity\": 40.5", "\"perplexity\": \"high\"");
    ASSERT_NE(text, QString::fromStdString(model_eval_json_text(missing))) << "the fixture's text changed";
    EXPECT_FALSE(tab->openJson(writeText(text, "wrong_field.json")));
    EXPECT_TRUE(tab->statusText().contains("wrong_field.json"));
    EXPECT_TRUE(tab->statusText().contains("row 2")) << tab->statusText().toStdString();
    EXPECT_TRUE(tab->statusText().contains("perplexity"));

    EXPECT_FALSE(tab->openJson(tempDir() + "/no_such_evaluation.json"));
    EXPECT_TRUE(tab->statusText().contains("no_such_evaluation.json"));
    EXPECT_EQ(failed.count(), 3);

    // The earlier evaluation is still shown, in the table and the chart.
    EXPECT_EQ(tab->model()->evaluation().rows.size(), 7u);
    EXPECT_EQ(tab->model()->rowCount(), 4);
    EXPECT_EQ(cell(tab, 1, 1), "95.25");
    EXPECT_EQ(tab->chartView()->chart()->series().size(), 4);
    EXPECT_TRUE(tab->runButton()->isEnabled());
}

TEST(GuiModel, ARefusedOrFailedRunIsAMessageAndRunIsEnabledAgain) {
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    QSignalSpy failed(tab, &PerplexityView::runFailed);
    EXPECT_FALSE(tab->run());   // no model chosen
    EXPECT_TRUE(tab->statusIsError());
    EXPECT_TRUE(tab->statusText().contains("model")) << tab->statusText().toStdString();
    EXPECT_EQ(failed.count(), 1);

    tab->form()->setModelPath(tempDir() + "/no_such_model.bin");
    tab->form()->setCustomMethods("magnitude,no_such_method", "0.5");
    EXPECT_FALSE(tab->run());
    EXPECT_TRUE(tab->statusText().contains("no_such_method")) << tab->statusText().toStdString();

    // Refused by the core in the worker: the file does not exist.
    tab->form()->setCustomMethods("magnitude", "0.5");
    tab->form()->setSequences(2, 2, 16);
    failed.clear();
    ASSERT_TRUE(tab->run());
    EXPECT_FALSE(tab->runButton()->isEnabled());
    ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 30000));
    EXPECT_TRUE(failed.front().front().toString().contains("no_such_model.bin")) << failed.front().front().toString().toStdString();
    EXPECT_TRUE(tab->statusIsError());
    EXPECT_TRUE(tab->statusText().contains("no_such_model.bin"));
    EXPECT_TRUE(tab->runButton()->isEnabled());
    EXPECT_FALSE(tab->cancelButton()->isEnabled());
    EXPECT_FALSE(tab->isRunning());
}

TEST(GuiModel, ARealRunOnStories260KDeliversItsRowsAsTheyFinish) {
    if (!QFile::exists(sharedModel())) GTEST_SKIP() << "no " << sharedModel().toStdString();
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    tab->form()->setModelPath(sharedModel());
    tab->form()->setSequences(2, 2, 32);
    tab->form()->setCustomMethods("magnitude,wanda", "0.5");
    QSignalSpy rows(tab, &PerplexityView::rowAdded);
    ASSERT_TRUE(tab->run()) << tab->statusText().toStdString();
    EXPECT_FALSE(tab->runButton()->isEnabled());
    EXPECT_TRUE(tab->cancelButton()->isEnabled());
    ASSERT_EQ(waitForEnd(tab, 180000), "finished");
    ASSERT_EQ(rows.count(), 3);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(rows[k].front().toInt(), k + 1);

    const ModelEvaluation& e = tab->model()->evaluation();
    ASSERT_EQ(e.rows.size(), 3u);
    EXPECT_EQ(e.rows[0].method, "dense");
    EXPECT_EQ(e.rows[1].method, "magnitude");
    EXPECT_EQ(e.rows[2].method, "wanda");
    for (const ModelEvalRow& r : e.rows) EXPECT_GT(r.perplexity, 1.0) << r.method;
    EXPECT_NEAR(e.rows[1].sparsity, 0.5, 0.05);
    EXPECT_EQ(e.evaluation_tokens, 2 * 31);
    // Both at one sparsity: drawn over bits per weight, one point each, and the dense line.
    EXPECT_EQ(tab->chartView()->chart()->series().size(), 3);
    EXPECT_EQ(tab->model()->rowCount(), 3);
    EXPECT_EQ(tab->model()->columnCount(), 1);
    EXPECT_EQ(tab->model()->headerData(0, Qt::Horizontal).toString(), "50%");
    EXPECT_TRUE(tab->runButton()->isEnabled());
    EXPECT_FALSE(tab->statusIsError()) << tab->statusText().toStdString();
    // Drawn after rows arrived one by one: the axes and every legend entry are shown (Qt Charts
    // hides legend entries added while the legend keeps its size unless it is laid out again).
    QTest::qWait(50);
    for (QAbstractAxis* axis : tab->chartView()->chart()->axes()) EXPECT_TRUE(axis->isVisible());
    const QList<QLegendMarker*> markers = tab->chartView()->chart()->legend()->markers();
    EXPECT_EQ(markers.size(), 3);
    for (QLegendMarker* marker : markers) EXPECT_TRUE(marker->isVisible()) << marker->label().toStdString();
}

// Token files instead of samples: calibration ids from a .npy, evaluation text through the
// tokenizer; the evaluation is on exactly those tokens, and a bad id file is the run's message.
TEST(GuiModel, TokenFilesReplaceTheSampledSets) {
    if (!QFile::exists(sharedModel())) GTEST_SKIP() << "no " << sharedModel().toStdString();
    const QString tokenizer = QStringLiteral(LAYERLENS_SHARED_DATA) + "/../models/stories260K/tok512.bin";
    const QString ids = tempDir() + "/calibration.npy";
    write_token_file({{1, 403, 407, 261, 378, 1, 9, 20}, {1, 20, 30, 40, 50, 60, 70, 80}}, ids.toStdString());
    const QString text = writeText(QString("Once upon a time, there was a little girl named Lily. ").repeated(4), "story.txt");
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    tab->form()->setModelPath(sharedModel());
    tab->form()->setTokenizerPath(tokenizer);
    tab->form()->setTokenFiles(ids, text);
    tab->form()->setSequences(2, 2, 16);
    tab->form()->setCustomMethods("magnitude", "0.5");
    ASSERT_TRUE(tab->run()) << tab->statusText().toStdString();
    ASSERT_EQ(waitForEnd(tab, 180000), "finished") << tab->statusText().toStdString();
    const ModelEvaluation& e = tab->model()->evaluation();
    EXPECT_EQ(e.calibration_sequences, 2);
    EXPECT_EQ(e.calibration_tokens, 16);
    EXPECT_GE(e.evaluation_sequences, 2);
    EXPECT_EQ(e.evaluation_tokens, e.evaluation_sequences * 15);

    const QString bad = tempDir() + "/bad.npy";
    write_token_file({{1, 512}}, bad.toStdString());   // 512 is outside the vocabulary
    tab->form()->setTokenFiles(bad, "");
    QSignalSpy failed(tab, &PerplexityView::runFailed);
    ASSERT_TRUE(tab->run());
    ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 60000));
    EXPECT_TRUE(tab->statusIsError());
    EXPECT_TRUE(tab->statusText().contains("bad.npy")) << tab->statusText().toStdString();
    EXPECT_TRUE(tab->runButton()->isEnabled());
}

// With the Model tab in view, the toolbar's Run (Ctrl+R) runs the model evaluation, not the layer.
TEST(GuiModel, TheToolbarRunActsOnTheModelTabInView) {
    if (!QFile::exists(sharedModel())) GTEST_SKIP() << "no " << sharedModel().toStdString();
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    tab->form()->setModelPath(sharedModel());
    tab->form()->setSequences(2, 2, 16);
    tab->form()->setCustomMethods("", "");
    window->tabs()->setCurrentWidget(window->modelTab());
    window->modelTab()->showPerplexity();
    EXPECT_TRUE(window->runAction()->toolTip().contains("evaluate the whole model")) << window->runAction()->toolTip().toStdString();
    window->runAction()->trigger();
    ASSERT_EQ(waitForEnd(tab, 60000), "finished");
    EXPECT_EQ(tab->model()->evaluation().rows.size(), 1u) << "the dense row only";
    EXPECT_FALSE(window->isRunning()) << "the layer comparison did not start";
}

TEST(GuiModel, CancelStopsTheRunAndTheTabStaysUsable) {
    if (!QFile::exists(sharedModel())) GTEST_SKIP() << "no " << sharedModel().toStdString();
    auto window = makeWindow();
    PerplexityView* tab = window->modelTab()->perplexityView();
    tab->form()->setModelPath(sharedModel());
    tab->form()->setSequences(8, 8, 128);
    tab->form()->setPlan(ModelRunForm::Plan::PruningTable);   // 20 compressed models: minutes
    QSignalSpy rows(tab, &PerplexityView::rowAdded);
    QSignalSpy canceled(tab, &PerplexityView::runCanceled);
    ASSERT_TRUE(tab->run());
    // Cancel while the first compressed model is being built.
    ASSERT_TRUE(QTest::qWaitFor([&] { return rows.count() > 0; }, 120000)) << "the dense row did not arrive";
    tab->cancel();
    ASSERT_TRUE(QTest::qWaitFor([&] { return canceled.count() > 0; }, 20000)) << "cancel did not land";
    EXPECT_FALSE(tab->isRunning());
    EXPECT_TRUE(tab->runButton()->isEnabled());
    EXPECT_FALSE(tab->cancelButton()->isEnabled());
    EXPECT_LT(tab->model()->evaluation().rows.size(), 21u);
    EXPECT_TRUE(tab->statusText().contains("Cancelled")) << tab->statusText().toStdString();

    // Usable: a small run afterwards finishes.
    tab->form()->setSequences(2, 2, 16);
    tab->form()->setCustomMethods("magnitude", "0.5");
    ASSERT_TRUE(tab->run());
    EXPECT_EQ(waitForEnd(tab, 120000), "finished");
    EXPECT_EQ(tab->model()->evaluation().rows.size(), 2u);
}

}  // namespace
}  // namespace layerlens::ui::test
