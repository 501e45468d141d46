// The comparison grid after a real run: every registered method has a column whose views hold
// data of the layer's shape, the loss curve holds the PGD history, hover is linked.
#include <QMouseEvent>
#include <QProgressBar>
#include <QTableView>
#include <cmath>

#include "channel_focus.h"
#include "compare_tab.h"
#include "comparison_grid.h"
#include "gui_test_support.h"
#include "heatmap_state.h"
#include "heatmap_widget.h"
#include "loss_curve_widget.h"
#include "mask_strip_widget.h"
#include "method_column.h"
#include "metrics_model.h"
#include "scatter_widget.h"

namespace layerlens::ui::test {
namespace {

// Every column, every view: the shapes the layer and the method's result dictate.
void expectViewsMatch(MainWindow& window) {
    const LoadedLayer& loaded = *window.loadedLayer();
    const auto d_out = loaded.layer.d_out(), d_in = loaded.layer.d_in();
    const auto& columns = window.compareTab()->grid()->columns();
    ASSERT_EQ(columns.size(), static_cast<size_t>(window.methodPanel()->selectedMethods().size()));
    EXPECT_EQ(window.compareTab()->metrics()->rowCount(), static_cast<int>(columns.size()));
    for (MethodColumn* column : columns) {
        SCOPED_TRACE(column->method());
        ASSERT_TRUE(column->outcome()) << column->statusText().toStdString();
        ASSERT_TRUE(column->outcome()->result);
        const MethodResult& r = *column->outcome()->result;
        EXPECT_TRUE(std::isfinite(r.relative_output_error));
        EXPECT_FALSE(column->isStale());
        EXPECT_EQ(column->progressBar()->value(), 1000);
        // heatmap: a pyramid over the whole matrix, drawn at the widget's size
        const MaxPyramid* pyramid = column->heatmap()->currentPyramid();
        ASSERT_NE(pyramid, nullptr);
        EXPECT_EQ(pyramid->rows(), d_out);
        EXPECT_EQ(pyramid->cols(), d_in);
        column->heatmap()->grab();
        EXPECT_EQ(column->heatmap()->image().deviceIndependentSize().toSize(), column->heatmap()->size());
        // scatter: one point per input channel
        EXPECT_EQ(column->scatter()->pointCount(), d_in);
        // mask strip: d_in values; marked channels = the method's protected channels if it has any
        const ChannelProtection* p = column->strip()->protection();
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->values.size(), static_cast<size_t>(d_in));
        if (!r.protected_channels.empty()) {
            EXPECT_EQ(column->strip()->markedCount(), static_cast<int>(r.protected_channels.size()));
        }
        if (r.kept_mask.size() > 0) {
            // kept fraction per channel sums to the kept count
            const ChannelProtection* kept = nullptr;
            for (const ChannelProtection& q : column->outcome()->views->protections)
                if (q.label == "kept fraction per channel") kept = &q;
            ASSERT_NE(kept, nullptr);
            double sum = 0;
            for (double v : kept->values) sum += v * static_cast<double>(d_out);
            EXPECT_NEAR(sum, static_cast<double>(r.kept_mask.cast<long long>().sum()), 1e-6 * sum + 1e-6);
        }
        // loss curve: the whole PGD history, first entry = the start
        if (!r.loss_history.empty()) {
            EXPECT_EQ(window.compareTab()->lossCurve()->curvePointCount(r.method), static_cast<int>(r.loss_history.size()));
        }
    }
}

TEST(GuiCompare, DemoLayerEveryRegisteredMethodFillsEveryView) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(128, 256, 512)));
    window->methodPanel()->setSelectedMethods(allMethods());
    setPanelInt(*window, "budget_iters", 30);
    ASSERT_TRUE(runAndWait(*window));
    expectViewsMatch(*window);
    // Every method without a loss history is a labelled reference line on the PGD plot.
    int withoutHistory = 0;
    for (MethodColumn* c : window->compareTab()->grid()->columns()) withoutHistory += c->outcome()->result->loss_history.empty();
    EXPECT_EQ(window->compareTab()->lossCurve()->referenceLabels().size(), withoutHistory);
    for (MethodColumn* c : window->compareTab()->grid()->columns()) {
        const MethodResult& r = *c->outcome()->result;
        if (!r.loss_history.empty()) {
            EXPECT_LE(static_cast<int>(r.loss_history.size()), 30 + 1) << r.method;
        }
    }
    // Switching the map keeps shapes and changes what is drawn.
    window->compareTab()->grid()->state()->setMap(HeatmapState::Map::ErrorMap);
    expectViewsMatch(*window);
}

TEST(GuiCompare, RealLayerFromSharedData) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP() << sharedLayers().toStdString() << " not present";
    auto window = makeWindow();
    QSignalSpy loaded(window.get(), &MainWindow::layerLoaded);
    window->openFile(sharedLayers(), "layers.0.feed_forward.w2");
    ASSERT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0; }, 30000));
    EXPECT_EQ(window->loadedLayer()->layer.d_in(), 172);
    EXPECT_EQ(window->loadedLayer()->stats.n_tokens, 4096);
    window->methodPanel()->setSelectedMethods(allMethods());
    setPanelInt(*window, "budget_iters", 30);
    ASSERT_TRUE(runAndWait(*window));
    expectViewsMatch(*window);
}

TEST(GuiCompare, ManyLayerFileWithoutLayerNameIsRefusedWithTheChoice) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP();
    auto window = makeWindow();
    QSignalSpy failed(window.get(), &MainWindow::loadFailed);
    window->openFile(sharedLayers());   // not interactive: no browser, a message instead
    ASSERT_EQ(failed.count(), 1);
    EXPECT_TRUE(failed.front().front().toString().contains("layers")) << failed.front().front().toString().toStdString();
}

TEST(GuiCompare, HoverOnAChannelHighlightsItInEveryColumn) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    window->methodPanel()->setSelectedMethods({"rtn", "magnitude", "wanda"});
    ASSERT_TRUE(runAndWait(*window));
    const auto& columns = window->compareTab()->grid()->columns();
    ASSERT_EQ(columns.size(), 3u);
    HeatmapWidget* first = columns[0]->heatmap();
    // Move over the middle of channel 77 in the first column's heatmap.
    const int channel = 77;
    const double x = (channel + 0.5) / 128.0 * first->width();
    QMouseEvent move(QEvent::MouseMove, QPointF(x, first->height() / 2.0), first->mapToGlobal(QPointF(x, first->height() / 2.0)),
                     Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(first, &move);
    EXPECT_EQ(window->focus()->channel(), channel);
    // Every column's heatmap and strip draw the highlight (green) at that channel.
    for (MethodColumn* column : columns) {
        SCOPED_TRACE(column->method());
        const QImage heat = column->heatmap()->grab().toImage();
        const int hx = static_cast<int>(std::floor(static_cast<double>(channel) / 128.0 * heat.width())) - 1;
        bool green = false;
        for (int dx = 0; dx <= 3 && !green; ++dx) green = QColor(heat.pixel(std::clamp(hx + dx, 0, heat.width() - 1), 0)) == QColor(0, 255, 120);
        EXPECT_TRUE(green) << "no highlight at channel " << channel;
        const QImage strip = column->strip()->grab().toImage();
        const int sx = static_cast<int>((channel + 0.5) / 128.0 * strip.width());
        bool stripGreen = false;
        for (int dx = -1; dx <= 1 && !stripGreen; ++dx)
            stripGreen = QColor(strip.pixel(std::clamp(sx + dx, 0, strip.width() - 1), strip.height() - 2)).green() > 180;
        EXPECT_TRUE(stripGreen);
    }
    // Zoom in one column zooms every column (one shared view of the matrix).
    QWheelEvent wheel(QPointF(x, first->height() / 2.0), first->mapToGlobal(QPointF(x, first->height() / 2.0)), QPoint(),
                      QPoint(0, 240), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(first, &wheel);
    const QRectF zoomed = window->compareTab()->grid()->state()->visible();
    EXPECT_LT(zoomed.width(), 128.0);
    EXPECT_LE(zoomed.left(), channel);
    EXPECT_GE(zoomed.right(), channel);
    // A double click shows the whole matrix again.
    window->compareTab()->grid()->state()->resetZoom();
    EXPECT_EQ(window->compareTab()->grid()->state()->visible().width(), 128.0);
    ScatterWidget* scatter = columns[2]->scatter();
    QMouseEvent leave(QEvent::Leave, QPointF(), QPointF(), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(first, &leave);
    EXPECT_EQ(window->focus()->channel(), -1);
    (void)scatter;
}

TEST(GuiCompare, MetricsTableSortsByError) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    window->methodPanel()->setSelectedMethods({"rtn", "magnitude", "wanda"});
    ASSERT_TRUE(runAndWait(*window));
    QTableView* view = window->compareTab()->metricsView();
    const int errorColumn = MetricsModel::columnOf("relative_output_error");
    view->sortByColumn(errorColumn, Qt::AscendingOrder);
    double previous = -1;
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        const double E = view->model()->index(row, errorColumn).data(Qt::UserRole).toDouble();
        EXPECT_GE(E, previous);
        previous = E;
    }
}

}  // namespace
}  // namespace layerlens::ui::test

#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

#include "io/layer_format.h"
#include "layer_browser_dialog.h"

namespace layerlens::ui::test {
namespace {

TEST(GuiBrowser, ListsEveryLayerAndFillsInOutlierStrength) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP();
    const std::vector<LayerInfo> layers = list_layers(sharedLayers().toStdString());
    LayerBrowserDialog browser(sharedLayers(), layers);
    auto* tree = browser.findChild<QTreeWidget*>();
    ASSERT_NE(tree, nullptr);
    // Every layer item (the leaves under their block headings) gets its strength.
    std::vector<QTreeWidgetItem*> leaves;
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        if ((*it)->data(0, Qt::UserRole).isValid()) leaves.push_back(*it);
    ASSERT_EQ(leaves.size(), layers.size());
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            for (QTreeWidgetItem* item : leaves)
                if (item->text(4).isEmpty() || item->text(4) == "…") return false;
            return true;
        },
        30000));
    for (QTreeWidgetItem* item : leaves) {
        const double strength = item->text(4).chopped(1).toDouble();
        EXPECT_GE(strength, 1.0) << item->toolTip(0).toStdString();
    }
    EXPECT_EQ(browser.selectedLayer().toStdString(), layers.front().name);
}

}  // namespace
}  // namespace layerlens::ui::test
