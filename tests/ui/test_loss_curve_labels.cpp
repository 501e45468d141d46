// The PGD loss curve's labels of the other methods' final E: on the real layer, where several
// methods end within a hair of each other, no two label rectangles intersect and all stay
// inside the chart.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <random>

#include "compare_tab.h"
#include "io/hdf5_writer.h"
#include "gui_test_support.h"
#include "comparison_grid.h"
#include "loss_curve_widget.h"
#include "method_column.h"

namespace layerlens::ui::test {
namespace {

void expectLabelsApart(MainWindow& window, double sparsity) {
    window.methodPanel()->setSelectedMethods(allMethods());
    setPanelReal(window, "budget_sparsity", sparsity);
    setPanelInt(window, "budget_iters", 30);
    ASSERT_TRUE(runAndWait(window, 150000));
    QTest::qWait(100);   // the chart lays out on the next event
    const LossCurveWidget* curve = window.compareTab()->lossCurve();
    const QStringList labels = curve->referenceLabels();
    const QList<QRectF> rects = curve->referenceLabelRects();
    ASSERT_EQ(rects.size(), labels.size());
    EXPECT_GE(rects.size(), 5) << "fewer reference lines than the issue's five";
    const QRectF chart = curve->chartRect();
    for (qsizetype i = 0; i < rects.size(); ++i) {
        EXPECT_TRUE(chart.contains(rects[i])) << labels[i].toStdString() << " leaves the chart at sparsity " << sparsity;
        EXPECT_FALSE(rects[i].isEmpty());
        for (qsizetype j = i + 1; j < rects.size(); ++j)
            EXPECT_FALSE(rects[i].intersects(rects[j]))
                << labels[i].toStdString() << " and " << labels[j].toStdString() << " overlap at sparsity " << sparsity;
    }
}

TEST(GuiLossCurve, ReferenceLabelsNeverOverlapOnTheRealLayer) {
    if (!QFile::exists(sharedLayers())) GTEST_SKIP() << sharedLayers().toStdString() << " not present";
    auto window = makeWindow();
    window->resize(1500, 940);
    QSignalSpy loaded(window.get(), &MainWindow::layerLoaded);
    window->openFile(sharedLayers(), "layers.2.feed_forward.w2");
    ASSERT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0; }, 30000));
    expectLabelsApart(*window, 0.5);
    QWidget* curve = window->compareTab()->lossCurve();
    EXPECT_TRUE(curve->grab().save(screenshotDir() + "/loss_curve_w2_sparsity50.png"));
    expectLabelsApart(*window, 0.7);
    EXPECT_TRUE(curve->grab().save(screenshotDir() + "/loss_curve_w2_sparsity70.png"));
    // Squeezed to its minimum height the labels still keep apart (more columns if need be).
    curve->setFixedHeight(curve->minimumSizeHint().height());
    QTest::qWait(100);
    const QList<QRectF> rects = window->compareTab()->lossCurve()->referenceLabelRects();
    for (qsizetype i = 0; i < rects.size(); ++i)
        for (qsizetype j = i + 1; j < rects.size(); ++j) EXPECT_FALSE(rects[i].intersects(rects[j])) << i << ", " << j;
}

// A method whose E is below the log axis' floor (aSVD fits a rank-1 X to 1e-16) has its line at
// the floor, but its label says its own E, as the table does, not the floor's 1e-07%.
TEST(GuiLossCurve, ALabelBelowTheAxisFloorSaysTheTrueError) {
    const QString dir = tempDir() + "/rank_one";
    QDir().mkpath(dir);
    std::mt19937 rng(16);
    std::normal_distribution<float> normal;
    MatrixF W(8, 32), x(1, 32);
    for (Eigen::Index k = 0; k < W.size(); ++k) W.data()[k] = normal(rng);
    for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = normal(rng);
    const MatrixF X = x.replicate(64, 1);
    LayerToWrite layer;
    layer.name = "w";
    layer.weight = &W;
    layer.inputs = &X;
    const QString path = dir + "/rank1.h5";
    write_layers(path.toStdString(), {layer}, true);
    auto window = makeWindow();
    QSignalSpy loaded(window.get(), &MainWindow::layerLoaded);
    window->openFile(path, "w");
    ASSERT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0; }, 30000));
    window->methodPanel()->setSelectedMethods({"awp", "asvd"});
    ASSERT_TRUE(runAndWait(*window, 60000));
    QTest::qWait(100);
    double asvd = -1;
    for (MethodColumn* column : window->compareTab()->grid()->columns())
        if (column->method() == "asvd" && column->outcome() && column->outcome()->result)
            asvd = column->outcome()->result->relative_output_error;
    ASSERT_GE(asvd, 0.0);
    ASSERT_LT(asvd, 1e-9) << "the case needs an E below the axis floor";
    const QString expected = QString("aSVD %1%").arg(100.0 * asvd, 0, 'g', 3);
    EXPECT_TRUE(window->compareTab()->lossCurve()->referenceLabels().contains(expected))
        << window->compareTab()->lossCurve()->referenceLabels().join(" | ").toStdString() << " lacks " << expected.toStdString();
}

// Which AWP ran is in view: the curve's first point names its start, the column title's tooltip
// the preset, the start and the budget scope; switching to the paper preset changes both.
TEST(GuiLossCurve, TheCurveSaysWhereAwpStartedAndTheTitleWhichSetupRan) {
    auto window = makeWindow();
    window->resize(1500, 940);
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 512)));
    window->methodPanel()->setSelectedMethods({"awp", "sparsegpt"});
    setPanelReal(*window, "budget_sparsity", 0.5);
    ASSERT_TRUE(runAndWait(*window));
    const LossCurveWidget* curve = window->compareTab()->lossCurve();
    auto title = [&] {
        return window->compareTab()->grid()->column("awp")->findChild<QLabel*>("method_title")->toolTip().toStdString();
    };
    EXPECT_EQ(curve->startLabel("awp").toStdString(), "from SparseGPT");
    EXPECT_NE(title().find("Ran as: best from sparsegpt, layer budget"), std::string::npos) << title();
    EXPECT_TRUE(curve->startLabel("sparsegpt").isEmpty());   // no curve, no start

    auto* preset = panelEditor<QComboBox>(*window, "param_awp_preset");
    ASSERT_NE(preset, nullptr);
    preset->setCurrentText("paper");
    ASSERT_TRUE(runAndWait(*window));
    EXPECT_EQ(curve->startLabel("awp").toStdString(), "from Wanda");
    EXPECT_NE(title().find("Ran as: paper from wanda, row budget"), std::string::npos) << title();
}

}  // namespace
}  // namespace layerlens::ui::test
