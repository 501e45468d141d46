// Saves the pictures a reviewer (and the README) looks at: the whole window after the default
// comparison on the demo layer, each view of each column, the error map, the loss curve, the
// metrics, the Teach, Sweep and Model tabs. The test checks they were written; eyes judge them.
#include <QApplication>
#include <QFile>
#include <QPalette>
#include <QTableView>

#include "channel_focus.h"
#include "compare_tab.h"
#include "comparison_grid.h"
#include "gui_test_support.h"
#include "heatmap_state.h"
#include "heatmap_widget.h"
#include "loss_curve_widget.h"
#include "mask_strip_widget.h"
#include "method_column.h"
#include "model_run_form.h"
#include "model_tab.h"
#include "perplexity_view.h"
#include "scatter_widget.h"
#include "sweep_tab.h"
#include "teach_tab.h"

namespace layerlens::ui::test {
namespace {

void save(QWidget* widget, const QString& name) {
    const QString path = screenshotDir() + "/" + name + ".png";
    EXPECT_TRUE(widget->grab().save(path)) << path.toStdString();
}

TEST(GuiScreenshots, WindowEachViewTeachAndSweep) {
    auto window = makeWindow();
    window->resize(1900, 1080);
    ASSERT_TRUE(loadAndWait(*window, demoSource(512, 1024, 2048)));
    window->methodPanel()->setSelectedMethods(allMethods());
    const bool finished = runAndWait(*window, 150000);
    EXPECT_TRUE(finished);
    // Hover the busiest channel, as a user pointing at the AWQ story would.
    const int hot = window->layerView()->busiestChannels.front();
    window->focus()->setChannel(hot);
    QTest::qWait(100);
    save(window.get(), "window_compare");
    for (MethodColumn* column : window->compareTab()->grid()->columns()) {
        const QString m = QString::fromStdString(column->method());
        save(column, "column_" + m);
        save(column->heatmap(), "heatmap_" + m);
        save(column->scatter(), "scatter_" + m);
        save(column->strip(), "strip_" + m);
    }
    save(window->compareTab()->lossCurve(), "loss_curve");
    save(window->compareTab()->metricsView(), "metrics");
    window->compareTab()->grid()->state()->setMap(HeatmapState::Map::ErrorMap);
    QTest::qWait(50);
    save(window->compareTab()->grid(), "grid_error_map");
    window->compareTab()->grid()->state()->setMap(HeatmapState::Map::Salience);

    // The lesson carried to the layer: busiest channels ringed in every column.
    emit window->teachTab()->carryToLayerRequested();
    QTest::qWait(50);
    save(window.get(), "window_lesson_on_layer");

    window->tabs()->setCurrentWidget(window->teachTab());
    window->teachTab()->chooseExerciseAnswer(0);
    window->teachTab()->revealAnswer();
    QTest::qWait(50);
    save(window.get(), "window_teach");
    window->teachTab()->setTextSize(18);
    QTest::qWait(50);
    save(window->teachTab(), "teach_large_text");
    window->teachTab()->setTextSize(12);
    // Channel A's weight edited to 0.05: rounding flips its sign, the bar goes left of zero.
    if (auto* weightA = window->teachTab()->findChild<QDoubleSpinBox*>("teach_weight_A")) {
        weightA->setValue(0.05);
        QTest::qWait(50);
        save(window.get(), "window_teach_negative");
        weightA->setValue(0.20);
    }

    window->tabs()->setCurrentWidget(window->sweepTab());
    window->sweepTab()->setAxis("sparsity");
    window->sweepTab()->setPoints("0.4,0.5,0.6,0.7,0.8");
    window->methodPanel()->setSelectedMethods(allMethods());
    setPanelInt(*window, "budget_iters", 30);
    QSignalSpy swept(window->sweepTab(), &SweepTab::sweepFinished);
    ASSERT_TRUE(window->sweepTab()->runSweep());
    EXPECT_TRUE(QTest::qWaitFor([&] { return swept.count() > 0; }, 90000));
    save(window.get(), "window_sweep");
    window->sweepTab()->cancel();
}

}  // namespace
}  // namespace layerlens::ui::test

namespace layerlens::ui::test {
namespace {

// The same window in a dark palette: every view must take its background and text from the
// palette, so nothing turns into black on black.
TEST(GuiScreenshots, DarkPalette) {
    const QPalette original = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(45, 45, 48));
    dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
    dark.setColor(QPalette::Base, QColor(30, 30, 32));
    dark.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    dark.setColor(QPalette::Button, QColor(60, 60, 64));
    dark.setColor(QPalette::ButtonText, QColor(230, 230, 230));
    dark.setColor(QPalette::Mid, QColor(90, 90, 95));
    QApplication::setPalette(dark);
    {
        auto window = makeWindow();
        ASSERT_TRUE(loadAndWait(*window, demoSource(256, 512, 1024)));
        window->methodPanel()->setSelectedMethods({"rtn", "awq", "wanda", "awp"});
        setPanelInt(*window, "budget_iters", 40);
        EXPECT_TRUE(runAndWait(*window));
        window->focus()->setChannel(window->layerView()->busiestChannels.front());
        QTest::qWait(50);
        save(window.get(), "window_dark_palette");
    }
    QApplication::setPalette(original);
}

}  // namespace
}  // namespace layerlens::ui::test

namespace layerlens::ui::test {
namespace {

// The Model tab's Perplexity view after a small real pruning table on stories260K: five sparsities, four methods.
TEST(GuiScreenshots, ModelTab) {
    const QString model = QDir::cleanPath(QStringLiteral(LAYERLENS_SHARED_DATA) + "/../models/stories260K/stories260K.bin");
    if (!QFile::exists(model)) GTEST_SKIP() << "no " << model.toStdString();
    auto window = makeWindow();
    window->resize(1900, 1080);
    PerplexityView* tab = window->modelTab()->perplexityView();
    window->tabs()->setCurrentWidget(window->modelTab());
    window->modelTab()->showPerplexity();
    tab->form()->setModelPath(model);
    tab->form()->setSequences(4, 4, 64);
    tab->form()->setPlan(ModelRunForm::Plan::PruningTable);
    QSignalSpy finished(tab, &PerplexityView::runFinished);
    ASSERT_TRUE(tab->run());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 600000)) << tab->statusText().toStdString();
    QTest::qWait(100);
    save(window.get(), "window_model");
}

}  // namespace
}  // namespace layerlens::ui::test
