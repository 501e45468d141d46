// The Teach tab reproduces the seed's numbers; the Sweep tab draws one line per method.
#include <QSlider>

#include "channel_focus.h"
#include "compare_tab.h"
#include "gui_test_support.h"
#include "sweep_tab.h"
#include "teach_tab.h"

namespace layerlens::ui::test {
namespace {

TEST(GuiTeach, TheSeedsTwoChannelsAndTheExercise) {
    auto window = makeWindow();
    TeachTab* teach = window->teachTab();
    // 0.20 × 20 and 1.20 × 0.5 with the same 0.10 rounding error: damage 2.0 against 0.05.
    EXPECT_NEAR(teach->damage(0), 2.0, 1e-9);
    EXPECT_NEAR(teach->damage(1), 0.05, 1e-9);
    teach->findChild<QSlider*>()->setValue(20);   // δ = 0.20
    EXPECT_NEAR(teach->damage(0), 4.0, 1e-9);
    EXPECT_NEAR(teach->damage(1), 0.1, 1e-9);
    teach->chooseExerciseAnswer(1);   // the big weight: the usual wrong answer
    teach->revealAnswer();
    const QString answer = teach->answerText();
    EXPECT_TRUE(answer.contains("4.5")) << answer.toStdString();
    EXPECT_TRUE(answer.contains("0.8"));
    EXPECT_TRUE(answer.contains("2.4"));
    EXPECT_TRUE(answer.contains("channel 1</b>"));
    EXPECT_TRUE(answer.contains("You chose channel 2"));
}

TEST(GuiTeach, TheLessonCarriesToTheLoadedLayer) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 256, 256)));
    emit window->teachTab()->carryToLayerRequested();
    const QVector<int>& highlighted = window->focus()->highlighted();
    ASSERT_FALSE(highlighted.isEmpty());
    // They are the busiest channels: none has a smaller a_j than any channel left out.
    const auto& a = window->loadedLayer()->stats.mean_abs;
    double lowestHighlighted = INFINITY;
    for (int j : highlighted) lowestHighlighted = std::min(lowestHighlighted, a[j]);
    for (int j = 0; j < a.size(); ++j)
        if (!highlighted.contains(j)) { EXPECT_LE(a[j], lowestHighlighted); }
    EXPECT_EQ(window->tabs()->currentWidget(), window->compareTab());
}

TEST(GuiSweep, SparsitySweepDrawsOneLinePerMethod) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    window->methodPanel()->setSelectedMethods({"rtn", "magnitude", "wanda"});
    SweepTab* sweep = window->sweepTab();
    sweep->setAxis("sparsity");
    sweep->setPoints("0.3,0.5,0.7");
    QSignalSpy finished(sweep, &SweepTab::sweepFinished);
    ASSERT_TRUE(sweep->runSweep());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    EXPECT_EQ(sweep->lineCount(), 2);   // RTN has no sparsity budget
    EXPECT_EQ(sweep->pointCount("magnitude"), 3);
    EXPECT_EQ(sweep->pointCount("wanda"), 3);
    EXPECT_EQ(sweep->toCsv().split('\n', Qt::SkipEmptyParts).size(), 1 + 6);

    sweep->setAxis("bits");
    sweep->setPoints("3,4");
    finished.clear();
    ASSERT_TRUE(sweep->runSweep());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    EXPECT_EQ(sweep->lineCount(), 1);
    EXPECT_EQ(sweep->pointCount("rtn"), 2);

    QSignalSpy failed(sweep, &SweepTab::sweepFailed);
    sweep->setPoints("3,x");
    EXPECT_FALSE(sweep->runSweep());
    EXPECT_EQ(failed.count(), 1);
}

}  // namespace
}  // namespace layerlens::ui::test
