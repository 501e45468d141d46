// The Sweep chart as a reader meets it: every method in its own colour, x labels on the swept
// values, a hovered line reading out its nearest point, and the methods without a budget on the axis named in the tab.
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>

#include "gui_test_support.h"
#include "sweep_tab.h"

namespace layerlens::ui::test {
namespace {

TEST(GuiSweep, EveryMethodHasItsOwnColour) {
    const QStringList methods = allMethods();
    for (qsizetype i = 0; i < methods.size(); ++i)
        for (qsizetype j = i + 1; j < methods.size(); ++j)
            EXPECT_NE(SweepTab::methodColour(methods[i].toStdString()), SweepTab::methodColour(methods[j].toStdString()))
                << methods[i].toStdString() << " and " << methods[j].toStdString() << " share a colour";
}

TEST(GuiSweep, AllMethodsDistinctLinesTicksOnValuesSkippedNamed) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    window->methodPanel()->setSelectedMethods(allMethods());
    setPanelInt(*window, "budget_iters", 10);
    SweepTab* sweep = window->sweepTab();
    sweep->setAxis("sparsity");
    sweep->setPoints("0.3,0.5,0.7");
    QSignalSpy finished(sweep, &SweepTab::sweepFinished);
    ASSERT_TRUE(sweep->runSweep());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 120000));
    ASSERT_GE(sweep->lineCount(), 5);
    std::vector<std::pair<std::string, QColor>> colours;
    for (const QString& m : allMethods())
        if (sweep->pointCount(m.toStdString()) > 0) colours.emplace_back(m.toStdString(), sweep->lineColour(m.toStdString()));
    for (size_t i = 0; i < colours.size(); ++i)
        for (size_t j = i + 1; j < colours.size(); ++j)
            EXPECT_NE(colours[i].second, colours[j].second) << colours[i].first << " and " << colours[j].first;
    // The x labels are the swept values.
    QCategoryAxis* x = nullptr;
    for (QAbstractAxis* a : sweep->chartView()->chart()->axes(Qt::Horizontal)) x = qobject_cast<QCategoryAxis*>(a);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->categoriesLabels(), (QStringList{"0.3", "0.5", "0.7"}));
    EXPECT_DOUBLE_EQ(x->endValue("0.5"), 0.5);
    // Hovering Wanda's line near 0.5 reads out that point.
    sweep->hoverLine("wanda", QPointF(0.52, 0.1), true);
    const QString hover = sweep->hoverText();
    EXPECT_TRUE(hover.contains("Wanda") && hover.contains("sparsity 0.5") && hover.contains("E =")) << hover.toStdString();
    // RTN has only a bits budget: skipped, and said so.
    EXPECT_EQ(sweep->pointCount("rtn"), 0);
    EXPECT_TRUE(sweep->statusText().contains("Skipped")) << sweep->statusText().toStdString();
    EXPECT_TRUE(sweep->statusText().contains("rtn", Qt::CaseInsensitive)) << sweep->statusText().toStdString();
}

}  // namespace
}  // namespace layerlens::ui::test
