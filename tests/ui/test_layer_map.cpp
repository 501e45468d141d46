// The Model tab's Layer map on the real stories260K layers: the JSONL of a sweep of every method
// (core's, and the one `layerlens-cli sweep-model --methods all` writes) opens as 35 layers × 12
// points with the file's E in every cell;
// sorting by E orders the rows and the bars; hovering a cell shows its numbers; clicking one opens
// that layer in Compare with that point's budget; a broken JSONL is a message naming the file and
// line; a sweep run from the GUI delivers its rows as they finish, computed off the GUI thread,
// and a cancel keeps them; the exports write; screenshots of the window for eyes to judge.
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QToolTip>
#include <iostream>
#include <map>

#include "colour_map.h"
#include "compare_tab.h"
#include "export_actions.h"
#include "gui_test_support.h"
#include "layer_map_bars.h"
#include "layer_map_colour_bar.h"
#include "layer_map_heatmap.h"
#include "layer_map_model.h"
#include "layer_map_runner.h"
#include "layer_map_view.h"
#include "model/model_eval_plan.h"
#include "model_sweep/model_sweep_rows.h"
#include "model_sweep/model_sweep_runner.h"
#include "model_sweep/model_sweep_summary.h"
#include "model_tab.h"
#include "param_spec.h"
#include "progress.h"
#include "sweep_budget.h"

namespace layerlens::ui::test {
namespace {

// The sweep of every method at its default budget on every layer of the shared file, as
// `layerlens-cli sweep-model FILE --methods all` plans and runs it (core's plan_model_sweep and
// run_model_sweep), made once per test process and shared by the tests that read it; named by
// the process, since CTest runs the tests of this binary as processes side by side.
const QString& sharedSweep() {
    static const QString path = [] {
        const QString out = tempDir() + "/stories260K_all-" + QString::number(QCoreApplication::applicationPid()) + ".jsonl";
        try {
            ModelSweepRequest request;
            request.path = sharedLayers().toStdString();
            request.points = method_points(method_names(), CompressionParams{});
            CancelFlag progress;
            run_model_sweep(plan_model_sweep(request), std::nullopt, ModelSweepOutput{out.toStdString(), true}, progress);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the sweep of " << sharedLayers().toStdString() << " failed: " << e.what();
            return QString();
        }
        return out;
    }();
    return path;
}

std::vector<SweepRow> rowsOf(const QString& path) { return read_sweep_file(path.toStdString(), false).rows; }

bool openAndWait(LayerMapView* map, const QString& path) {
    QSignalSpy opened(map, &LayerMapView::sweepOpened), failed(map, &LayerMapView::failed);
    if (!map->openSweep(path)) return false;
    const bool done = QTest::qWaitFor([&] { return opened.count() + failed.count() > 0; }, 60000);
    EXPECT_TRUE(done) << "reading " << path.toStdString() << " did not finish";
    EXPECT_EQ(failed.count(), 0) << (failed.count() ? failed.front().front().toString().toStdString() : "");
    return opened.count() > 0;
}

int rowOf(const LayerMapModel* model, const std::string& layer) {
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->layerName(row) == QString::fromStdString(layer)) return row;
    return -1;
}

const SweepRow& find(const std::vector<SweepRow>& rows, const std::string& layer, const std::string& method) {
    for (const SweepRow& row : rows)
        if (row.layer == layer && row.method == method) return row;
    throw std::runtime_error("no row of " + layer + " " + method);
}

QString writeLines(const QStringList& lines, const QString& name, bool lastNewline = true) {
    const QString path = tempDir() + "/" + name;
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write((lines.join("\n") + (lastNewline ? "\n" : "")).toUtf8());
    return path;
}

// A window showing the Layer map with the shared sweep open; null (and a failure) without it.
std::unique_ptr<MainWindow> windowWithSweep(int width = 1500, int height = 940) {
    if (sharedSweep().isEmpty()) return nullptr;
    auto window = makeWindow();
    window->resize(width, height);
    window->tabs()->setCurrentWidget(window->modelTab());
    window->modelTab()->showLayerMap();
    if (!openAndWait(window->modelTab()->layerMap(), sharedSweep())) return nullptr;
    QTest::qWait(50);
    return window;
}

bool loadRealLayer(MainWindow& window, const QString& layer) {
    QSignalSpy loaded(&window, &MainWindow::layerLoaded), failed(&window, &MainWindow::loadFailed);
    window.openFile(sharedLayers(), layer);
    EXPECT_TRUE(QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, 60000));
    EXPECT_EQ(failed.count(), 0) << (failed.count() ? failed.front().front().toString().toStdString() : "");
    return loaded.count() > 0;
}

TEST(GuiLayerMap, ASweepJsonlOpensAsLayersByPointsWithTheFilesErrors) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    const LayerMapModel* model = map->model();
    const std::vector<SweepRow> rows = rowsOf(sharedSweep());
    ASSERT_EQ(rows.size(), 35u * all_methods().size());
    ASSERT_EQ(model->rowCount(), 35);
    ASSERT_EQ(model->columnCount(), static_cast<int>(all_methods().size()));
    EXPECT_FALSE(map->statusIsError()) << map->statusText().toStdString();
    EXPECT_TRUE(map->statusText().contains("35 layers × 12 points")) << map->statusText().toStdString();
    EXPECT_EQ(model->layerName(0), "layers.0.attention.wk");   // file order

    // Every cell holds its row's E, coloured on the one log scale between the lowest and highest.
    double low = 1e300, high = 0;
    for (const SweepRow& r : rows) {
        ASSERT_TRUE(r.error) << r.layer << " " << r.method << ": " << r.failure;
        low = std::min(low, *r.error), high = std::max(high, *r.error);
    }
    EXPECT_DOUBLE_EQ(model->lowError(), low);
    EXPECT_DOUBLE_EQ(model->highError(), high);
    for (const SweepRow& r : rows) {
        const int row = rowOf(model, r.layer), column = model->columnOf(r.method, r.budget);
        ASSERT_GE(row, 0) << r.layer;
        ASSERT_GE(column, 0) << r.method << " " << r.budget;
        ASSERT_TRUE(model->errorAt(row, column));
        EXPECT_DOUBLE_EQ(*model->errorAt(row, column), *r.error) << r.layer << " " << r.method;
        EXPECT_DOUBLE_EQ(model->data(model->index(row, column), LayerMapModel::ErrorRole).toDouble(), *r.error);
        EXPECT_EQ(model->colourAt(row, column), QColor(infernoColour(colourPosition(*r.error, low, high, true))));
    }
    // Columns in the plan's order, headed by the method's label and its budget.
    const std::vector<ModelEvalPoint> points = method_points(method_names(), CompressionParams{});
    for (int column = 0; column < model->columnCount(); ++column) {
        EXPECT_EQ(model->point(column).method, points[static_cast<size_t>(column)].method);
        EXPECT_EQ(model->point(column).budget, points[static_cast<size_t>(column)].budget);
        const QString header = model->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
        EXPECT_TRUE(header.contains(QString::fromStdString(points[static_cast<size_t>(column)].budget))) << header.toStdString();
    }
    // The summary's medians and outliers, as core computes them from the same rows.
    const ModelSweepSummary summary = summarise_model_sweep(rows);
    for (const SweepPointSummary& p : summary.points) {
        const auto median = model->median(model->columnOf(p.method, p.budget));
        ASSERT_TRUE(median) << p.method;
        EXPECT_DOUBLE_EQ(*median, p.median_error) << p.method;
    }
    ASSERT_FALSE(summary.outliers.empty()) << "the shared file has outlier layers (layers.0.feed_forward.w2 for RTN)";
    for (const SweepOutlier& o : summary.outliers)
        EXPECT_TRUE(model->isOutlier(rowOf(model, o.layer), model->columnOf(o.method, o.budget))) << o.layer << " " << o.method;
    EXPECT_FALSE(model->isOutlier(rowOf(model, "layers.0.attention.wk"), model->columnOf("rtn", "INT4 g128")));

    // The colour bar's ticks lie on the scale; the bars show every layer of the selected point.
    const std::vector<double> ticks = map->colourBar()->ticks();
    EXPECT_GE(ticks.size(), 3u);
    for (double t : ticks) EXPECT_TRUE(t >= low * (1 - 1e-9) && t <= high * (1 + 1e-9)) << t;
    EXPECT_EQ(map->bars()->bars().size(), 35u);
    EXPECT_EQ(map->pointBox()->count(), model->columnCount());
}

TEST(GuiLayerMap, SortingByEOrdersTheRowsAndTheBars) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    LayerMapModel* model = map->model();
    const int awp = model->columnOf("awp", "50%");
    ASSERT_GE(awp, 0);
    map->pointBox()->setCurrentIndex(awp);
    EXPECT_EQ(model->selectedColumn(), awp);
    map->sortBox()->setCurrentIndex(1);
    ASSERT_EQ(model->order(), LayerMapModel::Order::Error);
    QTest::qWait(20);

    const std::vector<LayerMapBars::Bar> bars = map->bars()->bars();
    ASSERT_EQ(bars.size(), 35u);
    for (size_t k = 1; k < bars.size(); ++k) {
        EXPECT_GE(bars[k - 1].error, bars[k].error) << k;
        EXPECT_LT(bars[k - 1].rect.top(), bars[k].rect.top()) << k;
        EXPECT_GE(bars[k - 1].rect.width(), bars[k].rect.width()) << "a larger E draws a longer bar";
    }
    // The heatmap's rows follow: the worst layer of AWP first, its cell holding the largest E.
    const std::vector<SweepRow> rows = rowsOf(sharedSweep());
    const ModelSweepSummary summary = summarise_model_sweep(rows);
    for (const SweepPointSummary& p : summary.points) {
        if (p.method == "awp") {
            EXPECT_EQ(model->layerName(0).toStdString(), p.worst_layer);
        }
    }
    EXPECT_EQ(bars.front().layer, model->layerName(0));
    EXPECT_DOUBLE_EQ(*model->errorAt(0, awp), bars.front().error);
    // Outlier bars are the summary's outliers of this point.
    for (const LayerMapBars::Bar& bar : bars) {
        const bool listed = std::any_of(summary.outliers.begin(), summary.outliers.end(), [&](const SweepOutlier& o) {
            return o.method == "awp" && QString::fromStdString(o.layer) == bar.layer;
        });
        EXPECT_EQ(bar.outlier, listed) << bar.layer.toStdString();
    }
    // Another point re-sorts by its own E; file order again puts the first layer first.
    const int gptq = model->columnOf("gptq", "INT4 g128");
    model->setSelectedColumn(gptq);
    EXPECT_EQ(map->pointBox()->currentIndex(), gptq);
    for (int row = 1; row < model->rowCount(); ++row) EXPECT_GE(*model->errorAt(row - 1, gptq), *model->errorAt(row, gptq));
    map->sortBox()->setCurrentIndex(0);
    EXPECT_EQ(model->layerName(0), "layers.0.attention.wk");
    EXPECT_EQ(model->layerName(34), "layers.4.feed_forward.w3");
}

TEST(GuiLayerMap, HoveringACellShowsItsNumbers) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    const LayerMapModel* model = map->model();
    const std::vector<SweepRow> rows = rowsOf(sharedSweep());
    const SweepRow& r = find(rows, "layers.4.attention.wv", "awp");
    const int row = rowOf(model, r.layer), column = model->columnOf("awp", "50%");
    const QRect cell = map->heatmap()->cellRect(row, column);
    ASSERT_TRUE(map->heatmap()->rect().contains(cell)) << "the cell is inside the heatmap";
    QSignalSpy hovered(map, &LayerMapView::hovered);
    QTest::mouseMove(map->heatmap(), cell.center());
    QTest::qWait(50);
    EXPECT_EQ(map->heatmap()->cellAt(cell.center()), QPoint(column, row));
    const QString text = map->heatmap()->hoverText();
    const double median = *model->median(column);
    for (const QString& expected :
         {QString::fromStdString(r.layer), QString("%1 × %2").arg(r.facts.d_out).arg(r.facts.d_in), QString("%1 tokens").arg(r.facts.tokens),
          QString("outlier strength %1").arg(r.facts.outlier_strength, 0, 'f', 1), QString("AWP at 50%"),
          QString("E = %1").arg(*r.error, 0, 'g', 4), QString("%1× AWP's median %2").arg(*r.error / median, 0, 'f', 2).arg(median, 0, 'g', 4),
          QString("sparsity %1%").arg(r.sparsity * 100, 0, 'f', 1), QString("%1 bits per weight").arg(r.bits_per_weight, 0, 'g', 4),
          QString("%1 s").arg(r.seconds, 0, 'g', 3), QString("Click to open")})
        EXPECT_TRUE(text.contains(expected)) << "missing '" << expected.toStdString() << "' in:\n" << text.toStdString();
    ASSERT_GT(hovered.count(), 0);
    EXPECT_TRUE(hovered.back().front().toString().contains(QString("E = %1").arg(*r.error, 0, 'g', 4)));
    // The model's tooltip role says the same, for any view of it.
    EXPECT_TRUE(model->data(model->index(row, column), Qt::ToolTipRole).toString().contains(QString::fromStdString(r.layer)));
}

TEST(GuiLayerMap, ClickingACellOpensThatLayerInCompareWithItsBudget) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    // The JSONL lies apart from the layer file: the file open in the window is the one it names.
    ASSERT_TRUE(loadRealLayer(*window, "layers.0.attention.wq"));
    window->tabs()->setCurrentWidget(window->modelTab());
    LayerMapView* map = window->modelTab()->layerMap();
    const LayerMapModel* model = map->model();
    MethodPanel* panel = window->methodPanel();
    panel->setSelectedMethods({"rtn"});
    setPanelReal(*window, "budget_sparsity", 0.7);
    panelEditor<QComboBox>(*window, "budget_joint")->setCurrentIndex(1);   // bits

    struct Click {
        std::string layer, method, budget;
    };
    const Click clicks[] = {{"layers.4.attention.wv", "awp", "50%"},
                            {"layers.1.feed_forward.w2", "gptq", "INT4 g128"},
                            {"layers.2.attention.wq", "wanda+awq", "50% + INT4 g128"}};
    setPanelInt(*window, "budget_bits", 3);
    for (const Click& click : clicks) {
        window->tabs()->setCurrentWidget(window->modelTab());
        QTest::qWait(20);
        QSignalSpy requested(map, &LayerMapView::layerRequested);
        QSignalSpy loaded(window.get(), &MainWindow::layerLoaded);
        const int row = rowOf(model, click.layer), column = model->columnOf(click.method, click.budget);
        ASSERT_GE(column, 0) << click.method;
        QTest::mouseClick(map->heatmap(), Qt::LeftButton, {}, map->heatmap()->cellRect(row, column).center());
        ASSERT_EQ(requested.count(), 1) << map->statusText().toStdString();
        EXPECT_EQ(requested.front().at(0).toString(), sharedLayers());
        EXPECT_EQ(requested.front().at(1).toString().toStdString(), click.layer);
        EXPECT_EQ(requested.front().at(2).toString().toStdString(), click.method);
        EXPECT_EQ(requested.front().at(3).toString().toStdString(), click.budget);
        ASSERT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0; }, 60000)) << click.layer;
        ASSERT_NE(window->loadedLayer(), nullptr);
        EXPECT_EQ(window->loadedLayer()->layer.name, click.layer);
        EXPECT_EQ(window->tabs()->currentWidget(), window->compareTab());
        EXPECT_EQ(model->selectedColumn(), column);
        EXPECT_TRUE(panel->selectedMethods().contains(QString::fromStdString(click.method)));
    }
    // Each click left its method's budget in the panel: AWP pruning 50% (the joint methods get
    // the sparsity), GPTQ INT4 with the automatic group, Wanda → AWQ both.
    EXPECT_TRUE(panel->selectedMethods().contains("rtn")) << "the methods checked before stay checked";
    EXPECT_DOUBLE_EQ(panelEditor<QDoubleSpinBox>(*window, "budget_sparsity")->value(), 0.5);
    EXPECT_EQ(panelEditor<QSpinBox>(*window, "budget_bits")->value(), 4);
    EXPECT_EQ(panelEditor<QSpinBox>(*window, "budget_group")->value(), kAutoGroupSize);
    EXPECT_EQ(panelEditor<QComboBox>(*window, "budget_joint")->currentIndex(), 2);
    const std::vector<MethodJob> jobs = panel->jobs();
    for (const MethodJob& job : jobs) {
        if (job.method == "wanda+awq") {
            EXPECT_EQ(budget_label(job.method, job.params), "50% + INT4 g128");
        }
    }

    // AWP's cell alone: the joint methods are given the sparsity only, as the sweep ran it.
    window->tabs()->setCurrentWidget(window->modelTab());
    QTest::qWait(20);
    QTest::mouseClick(map->heatmap(), Qt::LeftButton, {},
                      map->heatmap()->cellRect(rowOf(model, "layers.3.attention.wo"), model->columnOf("awp", "50%")).center());
    EXPECT_EQ(panelEditor<QComboBox>(*window, "budget_joint")->currentIndex(), 0);
    for (const MethodJob& job : panel->jobs()) {
        if (job.method == "awp") {
            EXPECT_EQ(budget_label(job.method, job.params), "50%");
        }
    }
    EXPECT_TRUE(QTest::qWaitFor(
        [&] { return window->loadedLayer() && window->loadedLayer()->layer.name == "layers.3.attention.wo"; }, 60000));
}

TEST(GuiLayerMap, WithoutItsLayerFileACellIsAMessage) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    QSignalSpy requested(map, &LayerMapView::layerRequested), failed(map, &LayerMapView::failed);
    EXPECT_FALSE(map->openCell("layers.0.attention.wq", 0));
    EXPECT_EQ(requested.count(), 0);
    ASSERT_EQ(failed.count(), 1);
    EXPECT_TRUE(map->statusIsError());
    EXPECT_TRUE(map->statusText().contains("stories260K_layers.h5")) << map->statusText().toStdString();
    EXPECT_TRUE(window->statusBar()->currentMessage().contains("stories260K_layers.h5"));
}

TEST(GuiLayerMap, BudgetLabelsReadBackAsTheParamsThatPrintThem) {
    std::vector<ModelEvalPoint> points = method_points(method_names(), CompressionParams{}, {0.5, 0.625, 0.9});
    for (const ModelEvalPoint& p : method_points(method_names(), CompressionParams{})) points.push_back(p);
    for (ModelTable table : {ModelTable::Pruning, ModelTable::Quantization, ModelTable::Joint})
        for (const ModelEvalPoint& p : table_points(table, CompressionParams{})) points.push_back(p);
    CompressionParams other;
    other.bits = 3, other.group_size = 0;
    points.push_back({"gptq", other, budget_label("gptq", other)});
    other.group_size = 32;
    points.push_back({"rtn", other, budget_label("rtn", other)});
    CompressionParams nm;
    nm.nm = {2, 4};
    points.push_back({"sparsegpt", nm, budget_label("sparsegpt", nm)});
    for (const ModelEvalPoint& p : points) {
        const auto params = budgetFromLabel(p.method, p.budget);
        ASSERT_TRUE(params) << p.method << " '" << p.budget << "'";
        EXPECT_EQ(budget_label(p.method, *params), p.budget);
        // AWP quantises only when given bits; the others apply their default bits when not.
        if (p.method == "awp") {
            EXPECT_EQ(params->bits.has_value(), p.params.bits.has_value()) << p.budget;
        }
        if (p.params.sparsity) {
            EXPECT_DOUBLE_EQ(params->sparsity.value_or(-1), *p.params.sparsity) << p.budget;
        }
        EXPECT_EQ(params->nm.active(), p.params.nm.active());
    }
    EXPECT_FALSE(budgetFromLabel("rtn", "50%"));          // RTN has no sparsity
    EXPECT_FALSE(budgetFromLabel("wanda", "INT4 g128"));  // nor Wanda bits
    EXPECT_FALSE(budgetFromLabel("no-such-method", "50%"));
    EXPECT_FALSE(budgetFromLabel("wanda", "lots"));
}

TEST(GuiLayerMap, ABrokenJsonlIsAMessageNamingTheFileAndLine) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    QFile good(sharedSweep());
    ASSERT_TRUE(good.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(good.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 420);

    struct Case {
        QString name;
        QStringList lines;
        bool lastNewline;
        QString expected;
    };
    QString otherSweep = lines[3];
    otherSweep.replace(QString::fromStdString(rowsOf(sharedSweep()).front().sweep), "0123456789abcdef");
    const std::vector<Case> cases = {
        {"broken.jsonl", {lines[0], lines[1], "{\"layer\": \"layers.0\", ", lines[2]}, true, "broken.jsonl:3"},
        {"missing_field.jsonl", {lines[0], QString(lines[1]).replace("\"layer_index\"", "\"layer_number\"")}, true, "missing_field.jsonl:2"},
        {"two_sweeps.jsonl", {lines[0], lines[1], lines[2], otherSweep}, true, "two_sweeps.jsonl:4"},
        {"torn.jsonl", {lines[0], lines[1], lines[2].left(40)}, false, "torn.jsonl:3"},
        {"empty.jsonl", {}, false, "empty.jsonl"},
    };
    for (const Case& c : cases) {
        const QString path = writeLines(c.lines, c.name, c.lastNewline);
        QSignalSpy failed(map, &LayerMapView::failed);
        ASSERT_TRUE(map->openSweep(path));
        ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 30000)) << c.name.toStdString();
        const QString message = failed.front().front().toString();
        EXPECT_TRUE(message.contains(c.expected)) << c.name.toStdString() << ": " << message.toStdString();
        EXPECT_TRUE(map->statusIsError());
        EXPECT_TRUE(map->statusText().contains(c.expected)) << map->statusText().toStdString();
        EXPECT_TRUE(window->statusBar()->currentMessage().contains(c.expected)) << window->statusBar()->currentMessage().toStdString();
    }
    QSignalSpy failed(map, &LayerMapView::failed);
    ASSERT_TRUE(map->openSweep(tempDir() + "/no_such_sweep.jsonl"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 30000));
    EXPECT_TRUE(failed.front().front().toString().contains("no_such_sweep.jsonl"));
    // The map opened before is still shown, whole.
    EXPECT_EQ(map->model()->rowCount(), 35);
    EXPECT_EQ(map->model()->finishedCells(), 420);
}

TEST(GuiLayerMap, ARunOnTheOpenFileDeliversRowsAsTheyFinishOffTheGuiThread) {
    auto window = makeWindow();
    ASSERT_TRUE(loadRealLayer(*window, "layers.0.attention.wq"));
    window->tabs()->setCurrentWidget(window->modelTab());
    window->modelTab()->showLayerMap();
    LayerMapView* map = window->modelTab()->layerMap();
    map->setSelectedMethods({"rtn", "magnitude", "wanda"});
    EXPECT_TRUE(window->runAction()->toolTip().contains("Sweep every layer")) << window->runAction()->toolTip().toStdString();
    QSignalSpy rows(map, &LayerMapView::rowsAdded), finished(map, &LayerMapView::runFinished), failed(map, &LayerMapView::failed);
    window->runAction()->trigger();   // the toolbar's Run acts on the Layer map in view
    ASSERT_TRUE(map->isRunning()) << map->statusText().toStdString();
    EXPECT_FALSE(map->runButton()->isEnabled());
    EXPECT_TRUE(map->cancelButton()->isEnabled());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() + failed.count() > 0; }, 180000)) << map->statusText().toStdString();
    ASSERT_EQ(failed.count(), 0) << failed.front().front().toString().toStdString();

    // The rows came layer by layer, not all at the end.
    EXPECT_GE(rows.count(), 5) << "rows arrived in " << rows.count() << " batches";
    EXPECT_EQ(rows.back().front().toInt(), 105);
    const LayerMapModel* model = map->model();
    ASSERT_EQ(model->rowCount(), 35);
    ASSERT_EQ(model->columnCount(), 3);
    EXPECT_TRUE(model->summary().has_value());
    EXPECT_FALSE(map->statusIsError()) << map->statusText().toStdString();
    EXPECT_TRUE(map->statusText().startsWith("Done")) << map->statusText().toStdString();
    EXPECT_TRUE(map->runButton()->isEnabled());

    // Computed by core off the GUI thread.
    EXPECT_GT(map->runner()->coreCalls(), 0);
    const QSet<QThread*> threads = map->runner()->coreThreads();
    EXPECT_FALSE(threads.isEmpty());
    EXPECT_FALSE(threads.contains(QCoreApplication::instance()->thread())) << "core code ran on the GUI thread";

    // The same E as the shared sweep of those methods, and the run's JSONL holds the rows shown.
    if (!sharedSweep().isEmpty()) {
        const std::vector<SweepRow> shared = rowsOf(sharedSweep());
        for (const SweepRow& r : shared) {
            const int column = model->columnOf(r.method, r.budget);
            if (column < 0) continue;
            const auto E = model->errorAt(rowOf(model, r.layer), column);
            ASSERT_TRUE(E) << r.layer << " " << r.method;
            EXPECT_NEAR(*E, *r.error, 1e-9 * *r.error) << r.layer << " " << r.method;
        }
    }
    ASSERT_TRUE(QFile::exists(map->sweepFile())) << map->sweepFile().toStdString();
    EXPECT_EQ(rowsOf(map->sweepFile()).size(), 105u);
    const QString saved = tempDir() + "/saved_layer_map-" + QString::number(QCoreApplication::applicationPid()) + ".jsonl";
    EXPECT_EQ(map->saveRows(saved), "");
    const std::vector<SweepRow> back = rowsOf(saved);
    ASSERT_EQ(back.size(), 105u);
    for (size_t k = 0; k < back.size(); ++k) EXPECT_EQ(back[k].line, model->rows()[k].line);
}

TEST(GuiLayerMap, CancelStopsTheSweepSoonAndKeepsItsRows) {
    auto window = makeWindow();
    window->resize(1500, 940);
    ASSERT_TRUE(loadRealLayer(*window, "layers.0.attention.wq"));
    window->tabs()->setCurrentWidget(window->modelTab());
    LayerMapView* map = window->modelTab()->layerMap();
    QSignalSpy rows(map, &LayerMapView::rowsAdded), canceled(map, &LayerMapView::runCanceled);
    ASSERT_TRUE(map->runOnOpenFile()) << map->statusText().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return rows.count() > 0; }, 120000)) << "no row arrived";
    // What a user sees while it runs: the first cells filled, the rest blank, the progress bar.
    EXPECT_TRUE(window->grab().save(screenshotDir() + "/layer_map_running.png"));
    QElapsedTimer clock;
    clock.start();
    map->cancel();
    ASSERT_TRUE(QTest::qWaitFor([&] { return canceled.count() > 0; }, 10000)) << "cancel did not land";
    // A figure, not a check: a loaded machine stretches it.
    std::cout << "[ cancel  ] the sweep stopped " << clock.elapsed() << " ms after Cancel\n";
    EXPECT_FALSE(map->isRunning());
    EXPECT_TRUE(map->runButton()->isEnabled());
    EXPECT_FALSE(map->cancelButton()->isEnabled());
    const int kept = map->model()->finishedCells();
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, 420);
    EXPECT_TRUE(map->statusText().contains("Cancelled")) << map->statusText().toStdString();
    // The rows that finished are in OUT.partial, as sweep-model leaves them.
    EXPECT_TRUE(map->sweepFile().endsWith(".partial")) << map->sweepFile().toStdString();
    EXPECT_GE(read_sweep_file(map->sweepFile().toStdString(), true).rows.size(), static_cast<size_t>(kept));
}

TEST(GuiLayerMap, ExportsWriteTheHeatmapTheBarsAndTheRows) {
    auto window = windowWithSweep();
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    const QString dir = tempDir();
    for (const char* name : {"layer_map.png", "layer_map.svg", "layer_map_bars.png", "layer_map_bars.svg", "layer_map.csv"})
        QFile::remove(dir + "/" + QString(name));
    EXPECT_EQ(map->exportHeatmap(dir + "/layer_map.png"), "");
    EXPECT_EQ(map->exportHeatmap(dir + "/layer_map.svg"), "");
    EXPECT_EQ(map->exportBars(dir + "/layer_map_bars.png"), "");
    EXPECT_EQ(map->exportBars(dir + "/layer_map_bars.svg"), "");
    const QImage heatmap(dir + "/layer_map.png");
    // The pane under a caption naming the sweep.
    EXPECT_EQ(heatmap.width(), map->heatmapPane()->width() * map->heatmapPane()->devicePixelRatio());
    EXPECT_GT(heatmap.height(), map->heatmapPane()->height() * map->heatmapPane()->devicePixelRatio());
    // Alone, the bars carry the layer names: wider than beside the heatmap.
    EXPECT_GT(QImage(dir + "/layer_map_bars.png").width(), map->bars()->width());
    QFile svg(dir + "/layer_map.svg");
    ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
    const QByteArray svgText = svg.readAll();
    EXPECT_TRUE(svgText.contains("<svg"));
    EXPECT_TRUE(svgText.contains("layers.4.attention.wv")) << "the layer names are text in the SVG";

    EXPECT_EQ(map->exportCsv(dir + "/layer_map.csv"), "");
    QFile csv(dir + "/layer_map.csv");
    ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 1 + 420);
    EXPECT_TRUE(lines[0].startsWith("layer_index,layer,d_out,d_in,tokens,outlier_strength,method,budget,relative_output_error"));
    const SweepRow first = rowsOf(sharedSweep()).front();
    const QStringList fields = lines[1].split(',');
    EXPECT_EQ(fields[1].toStdString(), first.layer);
    EXPECT_EQ(fields[6].toStdString(), first.method);
    EXPECT_EQ(fields[8].toStdString(), exact_number(*first.error));
    // File › Export writes the same rows; an impossible path is a message, not a crash.
    EXPECT_EQ(window->exportAs(ExportKind::LayerMap, dir + "/layer_map_menu.csv"), "");
    QFile menuCsv(dir + "/layer_map_menu.csv");
    ASSERT_TRUE(menuCsv.open(QIODevice::ReadOnly));
    EXPECT_EQ(QString::fromUtf8(menuCsv.readAll()).split('\n', Qt::SkipEmptyParts), lines);
    EXPECT_FALSE(map->exportHeatmap(dir + "/no_such_folder/layer_map.png").isEmpty());
    EXPECT_TRUE(map->statusIsError());
}

// The JSONL of the command line itself opens into the same map.
TEST(GuiLayerMap, TheJsonlOfTheCliOpensAsTheSameMap) {
    ASSERT_FALSE(sharedSweep().isEmpty());
    const QString out = tempDir() + "/stories260K_cli-" + QString::number(QCoreApplication::applicationPid()) + ".jsonl";
    QProcess cli;
    cli.start(QStringLiteral(LAYERLENS_CLI), {"sweep-model", sharedLayers(), "--methods", "all", "--out", out, "--force", "--quiet"});
    ASSERT_TRUE(cli.waitForFinished(600000));
    ASSERT_EQ(cli.exitCode(), 0) << "layerlens-cli sweep-model: " << cli.readAllStandardError().toStdString();
    auto window = makeWindow();
    LayerMapView* map = window->modelTab()->layerMap();
    ASSERT_TRUE(openAndWait(map, out));
    const LayerMapModel* model = map->model();
    ASSERT_EQ(model->rowCount(), 35);
    ASSERT_EQ(model->columnCount(), static_cast<int>(all_methods().size()));
    for (const SweepRow& r : rowsOf(sharedSweep())) {
        const auto E = model->errorAt(rowOf(model, r.layer), model->columnOf(r.method, r.budget));
        ASSERT_TRUE(E) << r.layer << " " << r.method;
        EXPECT_NEAR(*E, *r.error, 1e-9 * *r.error) << r.layer << " " << r.method;
    }
}

// A 7B model's 224 layers in one window: every row drawn, names thinned so that none overlaps.
TEST(GuiLayerMap, ManyLayersFitTheWindow) {
    const std::vector<SweepPointKey> points{{"rtn", "INT4 g128"}, {"gptq", "INT4 g128"}, {"wanda", "50%"}, {"awp", "50%"}};
    const char* matrices[] = {"attention.wq", "attention.wk", "attention.wv", "attention.wo",
                              "feed_forward.w1", "feed_forward.w2", "feed_forward.w3"};
    std::vector<SweepRow> rows;
    for (std::size_t block = 0; block < 32; ++block)
        for (std::size_t m = 0; m < 7; ++m)
            for (std::size_t p = 0; p < points.size(); ++p) {
                SweepRow row;
                row.layer_index = block * 7 + m;
                row.work = row.layer_index * points.size() + p;
                row.work_count = 224 * points.size();
                row.sweep = "synthetic";
                row.layer = "model.layers." + std::to_string(block) + "." + matrices[m];
                row.method = points[p].method;
                row.budget = points[p].budget;
                row.facts = {4096, m == 5 ? 11008 : 4096, 2048, 3.0};
                row.error = 0.001 * (1 + p) * (1 + 0.1 * static_cast<double>((block * 7 + m) % 13)) * (m == 5 ? 4.0 : 1.0);
                rows.push_back(row);
            }
    // One cell that could not be compressed: hatched grey, its message in the tooltip.
    rows[5 * points.size() + 2].error.reset();
    rows[5 * points.size() + 2].failure = "model.layers.0.feed_forward.w2: inputs hold NaN";
    auto window = makeWindow();
    window->resize(1500, 940);
    window->tabs()->setCurrentWidget(window->modelTab());
    LayerMapView* map = window->modelTab()->layerMap();
    map->model()->setRows(rows, summarise_model_sweep(rows));
    QTest::qWait(50);
    EXPECT_EQ(window->size(), QSize(1500, 940));
    EXPECT_EQ(map->model()->rowCount(), 224);
    const QRect last = map->heatmap()->cellRect(223, 3);
    EXPECT_LE(last.bottom(), map->heatmap()->height()) << "the last layer's row is inside the heatmap";
    EXPECT_LT(map->height(), window->height()) << "the map shrinks its rows to the window rather than growing";
    EXPECT_GT(last.height(), 0);
    const LayerMapModel* model = map->model();
    EXPECT_EQ(model->data(model->index(5, 2), Qt::DisplayRole).toString(), "failed");
    EXPECT_TRUE(model->hoverText(5, 2).contains("inputs hold NaN")) << model->hoverText(5, 2).toStdString();
    const QImage drawn = map->heatmap()->grab().toImage();
    const QColor failed = drawn.pixelColor(map->heatmap()->cellRect(5, 2).center());
    EXPECT_LE(std::abs(failed.red() - failed.green()) + std::abs(failed.green() - failed.blue()), 6) << "a failed cell is grey";
    EXPECT_TRUE(map->heatmapPane()->grab().save(screenshotDir() + "/layer_map_224_layers.png"));
}

TEST(GuiLayerMap, Screenshots) {
    auto window = windowWithSweep(1500, 940);
    ASSERT_TRUE(window);
    LayerMapView* map = window->modelTab()->layerMap();
    map->model()->setSelectedColumn(map->model()->columnOf("awp", "50%"));
    QTest::qWait(100);
    // Everything fits the default window: nothing forces it wider or taller.
    EXPECT_EQ(window->size(), QSize(1500, 940));
    const QString dir = screenshotDir();
    EXPECT_TRUE(window->grab().save(dir + "/layer_map_window.png"));
    EXPECT_TRUE(map->heatmapPane()->grab().save(dir + "/layer_map_heatmap.png"));
    EXPECT_EQ(map->exportBars(dir + "/layer_map_bars.png"), "");
    EXPECT_TRUE(map->grab(QRect(0, 0, map->width(), map->heatmapPane()->mapTo(map, QPoint(0, 0)).y())).save(dir + "/layer_map_toolbar.png"));
    map->sortBox()->setCurrentIndex(1);
    // RTN's bars, sorted: its outlier layer on top in red.
    map->model()->setSelectedColumn(map->model()->columnOf("rtn", "INT4 g128"));
    EXPECT_EQ(map->exportBars(dir + "/layer_map_bars_rtn_sorted.png"), "");
    QTest::mouseMove(map->heatmap(), map->heatmap()->cellRect(0, map->model()->selectedColumn()).center());
    QTest::qWait(100);
    EXPECT_TRUE(window->grab().save(dir + "/layer_map_window_sorted.png"));
}

}  // namespace
}  // namespace layerlens::ui::test
