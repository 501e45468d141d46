// The Teach tab's bars: a weight edited so that rounding flips the contribution's sign draws
// that contribution left of the zero line, and every bar and label stays inside the widget.
#include <QDoubleSpinBox>

#include "gui_test_support.h"
#include "teach_bars_widget.h"
#include "teach_tab.h"

namespace layerlens::ui::test {
namespace {

void expectInside(const TeachBarsWidget& bars) {
    const TeachBarsWidget::Geometry g = bars.geometry();
    ASSERT_EQ(g.bars.size(), 6);
    for (const TeachBarsWidget::Bar& bar : g.bars) {
        EXPECT_TRUE(bars.rect().contains(bar.rect)) << bar.label.toStdString() << " bar leaves the widget";
        EXPECT_TRUE(bars.rect().contains(bar.labelRect)) << bar.label.toStdString() << " label leaves the widget";
        EXPECT_FALSE(bar.labelRect.intersects(bar.rect)) << bar.label.toStdString() << " label covers its bar";
    }
}

TEST(GuiTeach, NegativeContributionIsDrawnLeftOfTheZeroLine) {
    auto window = makeWindow();
    window->tabs()->setCurrentWidget(window->teachTab());
    QTest::qWait(50);
    TeachBarsWidget* bars = window->teachTab()->bars();
    expectInside(*bars);
    auto* weightA = window->teachTab()->findChild<QDoubleSpinBox*>("teach_weight_A");
    ASSERT_NE(weightA, nullptr);
    weightA->setValue(0.05);   // 0.05 − 0.10 = −0.05: after rounding, −0.05 × 20 = −1.00
    QTest::qWait(50);
    const TeachBarsWidget::Geometry g = bars->geometry();
    ASSERT_EQ(g.bars.size(), 6);
    const TeachBarsWidget::Bar& before = g.bars[0];
    const TeachBarsWidget::Bar& after = g.bars[1];
    const TeachBarsWidget::Bar& damage = g.bars[2];
    EXPECT_NEAR(before.value, 1.0, 1e-9);
    EXPECT_NEAR(after.value, -1.0, 1e-9);
    EXPECT_NEAR(damage.value, 2.0, 1e-9);
    EXPECT_LE(after.rect.right(), g.zeroX) << "the negative contribution is not drawn left of zero";
    EXPECT_GE(before.rect.left(), g.zeroX);
    // Same magnitude, same length; the damage twice as long.
    EXPECT_NEAR(after.rect.width(), before.rect.width(), 2);
    EXPECT_NEAR(damage.rect.width(), 2.0 * before.rect.width(), 3);
    EXPECT_TRUE(after.label.contains("-1.00")) << after.label.toStdString();
    expectInside(*bars);
    // Narrow and wide: still inside.
    window->resize(1024, 700);
    QTest::qWait(50);
    expectInside(*bars);
    EXPECT_TRUE(bars->grab().save(screenshotDir() + "/teach_bars_negative.png"));
}

}  // namespace
}  // namespace layerlens::ui::test
