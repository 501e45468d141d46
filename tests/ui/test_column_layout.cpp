// The comparison as a first-time user meets it: every column in view at the default window size,
// the sideways-scrolling layout as an option, "Export grid" holding every column whatever the
// window shows, a small window that scrolls rather than drops, and the first-run hint.
#include <QAction>
#include <QImage>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSet>

#include "compare_tab.h"
#include "comparison_grid.h"
#include "export_actions.h"
#include "gui_test_support.h"
#include "heatmap_state.h"
#include "loss_curve_widget.h"
#include "mask_strip_widget.h"
#include "method_column.h"
#include "scatter_widget.h"

namespace layerlens::ui::test {
namespace {

// Waits until the columns' geometry and the scroll bars stop changing (two samples 40 ms apart
// agree, at most 3 s): one short wait was not enough on a loaded machine (a fresh-root run saw
// the scroll bar still hidden after 50 ms), and a wait for one condition can end mid-layout.
void settle(const ComparisonGrid& grid) {
    auto sample = [&] {
        std::vector<QRect> state;
        for (const MethodColumn* column : grid.columns()) state.push_back(column->geometry());
        state.emplace_back(grid.scrollArea()->horizontalScrollBar()->isVisible(),
                           grid.scrollArea()->verticalScrollBar()->isVisible(), 0, 0);
        return state;
    };
    QTest::qWait(50);
    for (int tries = 0; tries < 75; ++tries) {
        const auto before = sample();
        QTest::qWait(40);
        if (sample() == before) return;
    }
}


// A window of this size with every registered method run on a small demo layer.
std::unique_ptr<MainWindow> windowWithEveryMethod(QSize size) {
    auto window = makeWindow();
    window->resize(size);
    if (!loadAndWait(*window, demoSource(64, 128, 256))) return nullptr;
    window->methodPanel()->setSelectedMethods(allMethods());
    if (!runAndWait(*window)) return nullptr;
    QTest::qWait(50);   // let the layout settle
    return window;
}

// True when the whole of `widget` is on screen: inside the window and not clipped by a scroll area.
bool wholyShown(const QWidget* widget, const QWidget* window) {
    const QRect inWindow(widget->mapTo(window, QPoint(0, 0)), widget->size());
    return widget->isVisible() && window->rect().contains(inWindow) && widget->visibleRegion().boundingRect() == widget->rect();
}

QAction* actionNamed(const MainWindow& window, const char* name) {
    for (QAction* action : window.findChildren<QAction*>())
        if (action->objectName() == name) return action;
    return nullptr;
}

TEST(GuiColumns, EveryColumnIsInViewAt1500x940ByDefault) {
    auto window = windowWithEveryMethod({1500, 940});
    ASSERT_TRUE(window);
    ComparisonGrid* grid = window->compareTab()->grid();
    ASSERT_EQ(grid->columnLayout(), ComparisonGrid::ColumnLayout::FitWindow);
    ASSERT_EQ(grid->columns().size(), all_methods().size());
    for (const MethodColumn* column : grid->columns()) {
        EXPECT_TRUE(wholyShown(column, window.get())) << column->method();
        EXPECT_GE(column->width(), ComparisonGrid::kFitMinimumWidth) << column->method();
        // Each of its views as well, the protection strip included.
        EXPECT_TRUE(wholyShown(column->strip(), window.get())) << column->method();
        EXPECT_GE(column->strip()->height(), column->strip()->minimumHeight());
    }
    EXPECT_FALSE(grid->scrollArea()->horizontalScrollBar()->isVisible());
    EXPECT_FALSE(grid->scrollArea()->verticalScrollBar()->isVisible());
    std::fprintf(stderr, "[ measure  ] 1500x940: %d columns per row, %d px wide\n", grid->columnsPerRow(),
                 grid->columns().front()->width());
}

TEST(GuiColumns, TheViewMenuKeepsOneWideColumnPerMethodScrollingSideways) {
    auto window = windowWithEveryMethod({1500, 940});
    ASSERT_TRUE(window);
    ComparisonGrid* grid = window->compareTab()->grid();
    QAction* scroll = actionNamed(*window, "action_scroll_columns");
    ASSERT_NE(scroll, nullptr);
    scroll->trigger();
    settle(*grid);
    EXPECT_EQ(grid->columnLayout(), ComparisonGrid::ColumnLayout::ScrollOneRow);
    EXPECT_EQ(grid->columnsPerRow(), static_cast<int>(grid->columns().size()));
    for (const MethodColumn* column : grid->columns()) EXPECT_GE(column->width(), ComparisonGrid::kScrollColumnWidth);
    EXPECT_TRUE(grid->scrollArea()->horizontalScrollBar()->isVisible());
    EXPECT_FALSE(wholyShown(grid->columns().back(), window.get()));
    // And back: all in view again.
    scroll->trigger();
    settle(*grid);
    for (const MethodColumn* column : grid->columns()) EXPECT_TRUE(wholyShown(column, window.get())) << column->method();
}

TEST(GuiColumns, GridExportHoldsEveryColumnAtFullSizeWhateverIsInView) {
    auto window = windowWithEveryMethod({1024, 700});
    ASSERT_TRUE(window);
    ComparisonGrid* grid = window->compareTab()->grid();
    // Scrolled sideways in a small window: most columns are out of view.
    grid->setColumnLayout(ComparisonGrid::ColumnLayout::ScrollOneRow);
    settle(*grid);
    ASSERT_FALSE(wholyShown(grid->columns().back(), window.get()));
    std::vector<QRect> before;
    for (const MethodColumn* column : grid->columns()) before.push_back(column->geometry());

    const QString png = tempDir() + "/whole_grid.png";
    ASSERT_EQ(window->exportAs(ExportKind::GridPng, png), QString());
    const QImage image(png);
    ASSERT_FALSE(image.isNull());
    const int n = static_cast<int>(grid->columns().size());
    EXPECT_EQ(image.width(), n * ComparisonGrid::kExportColumnWidth);
    EXPECT_GT(image.width(), grid->scrollArea()->viewport()->width());
    EXPECT_EQ(image.height(), ComparisonGrid::kExportHeaderHeight + ComparisonGrid::kExportColumnHeight);
    // Every column's strip of the image holds a drawing (title, heatmap, scatter), not background.
    for (int k = 0; k < n; ++k) {
        QSet<QRgb> colours;
        for (int y = ComparisonGrid::kExportHeaderHeight; y < image.height(); y += 3)
            for (int x = k * ComparisonGrid::kExportColumnWidth; x < (k + 1) * ComparisonGrid::kExportColumnWidth; x += 3)
                colours.insert(image.pixel(x, y));
        EXPECT_GT(colours.size(), 50) << "column " << k << " (" << grid->columns()[static_cast<size_t>(k)]->method() << ")";
    }
    // The window is as it was.
    settle(*grid);
    for (size_t k = 0; k < grid->columns().size(); ++k) EXPECT_EQ(grid->columns()[k]->geometry(), before[k]) << k;
}

TEST(GuiColumns, ASmallWindowScrollsInsteadOfDroppingAnything) {
    auto window = windowWithEveryMethod({1024, 700});
    ASSERT_TRUE(window);
    ComparisonGrid* grid = window->compareTab()->grid();
    EXPECT_EQ(window->size(), QSize(1024, 700)) << "the window's minimum size is " << window->minimumSizeHint().width()
                                                << " x " << window->minimumSizeHint().height();
    // Nothing dropped: every column and its strip keep at least their minimum size, and what
    // does not fit is behind a scrollbar that shows.
    bool allShown = true;
    for (const MethodColumn* column : grid->columns()) {
        EXPECT_TRUE(column->isVisible());
        EXPECT_GE(column->width(), ComparisonGrid::kFitMinimumWidth);
        EXPECT_GE(column->strip()->height(), column->strip()->minimumHeight());
        EXPECT_GE(column->scatter()->height(), column->scatter()->minimumHeight());
        allShown = allShown && wholyShown(column, window.get());
    }
    if (!allShown) {
        EXPECT_TRUE(grid->scrollArea()->verticalScrollBar()->isVisible() || grid->scrollArea()->horizontalScrollBar()->isVisible());
    }
    // Rows are only made when they fit: no column is cut in half by the bottom of the grid.
    const QRect viewport = grid->scrollArea()->viewport()->rect();
    for (const MethodColumn* column : grid->columns()) {
        const QRect r(column->mapTo(grid->scrollArea()->viewport(), QPoint(0, 0)), column->size());
        EXPECT_TRUE(r.top() >= viewport.top() && r.bottom() <= viewport.bottom()) << column->method();
    }
    // The legend under the columns is below the columns' scroll area, not drawn over its scrollbar.
    const QWidget* legend = grid->findChild<QWidget*>("dot_legend");
    ASSERT_NE(legend, nullptr);
    const int scrollBottom = grid->scrollArea()->mapTo(grid, QPoint(0, grid->scrollArea()->height())).y();
    EXPECT_GE(legend->mapTo(grid, QPoint(0, 0)).y(), scrollBottom);
    // The loss curve keeps a readable height; the colour bar is whole.
    LossCurveWidget* curve = window->compareTab()->lossCurve();
    EXPECT_GE(curve->height(), 170);
    // Below the fold the tab scrolls, and says so with its scrollbar.
    if (!window->rect().contains(QRect(curve->mapTo(window.get(), QPoint(0, 0)), curve->size()))) {
        bool scrollbarShown = false;
        for (const QScrollArea* area : window->compareTab()->findChildren<QScrollArea*>())
            if (area->isAncestorOf(curve)) scrollbarShown = scrollbarShown || area->verticalScrollBar()->isVisible();
        EXPECT_TRUE(scrollbarShown);
    }
    EXPECT_GE(curve->width(), 600) << "the curve's plot and its labels need the width";
    EXPECT_TRUE(window->compareTab()->bottomAsTabs());
    const auto bars = grid->findChildren<QWidget*>();
    for (const QWidget* w : bars) {
        if (QString(w->metaObject()->className()).endsWith("ColourBarWidget")) {
            EXPECT_TRUE(wholyShown(w, window.get()));
        }
    }
}

TEST(GuiColumns, ViewResetZoomShowsTheWholeMatrixAgain) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    HeatmapState* state = window->compareTab()->grid()->state();
    const QRectF whole = state->visible();
    state->setVisible(QRectF(10, 5, 20, 10));
    ASSERT_NE(state->visible(), whole);
    QAction* reset = actionNamed(*window, "action_reset_zoom");
    ASSERT_NE(reset, nullptr);
    reset->trigger();
    EXPECT_EQ(state->visible(), whole);
}

TEST(GuiColumns, TheRunButtonIsInViewAt1500x940) {
    auto window = makeWindow();
    window->resize(1500, 940);
    QTest::qWait(50);
    auto* run = window->methodPanel()->findChild<QWidget*>("panel_run");
    ASSERT_NE(run, nullptr);
    EXPECT_TRUE(wholyShown(run, window.get()));
}

TEST(GuiColumns, TheFirstRunHintLeadsToTheErrorMapAndThenStaysAway) {
    QSettings().remove("hints/errorMapSeen");
    auto window = makeWindow();
    ComparisonGrid* grid = window->compareTab()->grid();
    auto* hint = grid->findChild<QWidget*>("error_map_hint");
    ASSERT_NE(hint, nullptr);
    EXPECT_TRUE(hint->isVisible());
    auto* show = grid->findChild<QPushButton*>("error_map_hint_show");
    ASSERT_NE(show, nullptr);
    show->click();
    EXPECT_EQ(grid->state()->map(), HeatmapState::Map::ErrorMap);
    EXPECT_FALSE(hint->isVisible());
    // A new window (the next start) does not show it again.
    auto next = makeWindow();
    EXPECT_FALSE(next->compareTab()->grid()->findChild<QWidget*>("error_map_hint")->isVisible());
    QSettings().remove("hints/errorMapSeen");
}

}  // namespace
}  // namespace layerlens::ui::test
