// Exports produce files other tools can read, and a failed export reports why and keeps the
// earlier file.
#include <QFile>
#include <QFileInfo>
#include <QStatusBar>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>

#include "compare_tab.h"
#include "comparison_grid.h"
#include "export_actions.h"
#include "gui_test_support.h"
#include "io/layer_format.h"
#include "loss_curve_widget.h"
#include "method_column.h"
#include "metrics_model.h"
#include "scatter_widget.h"
#include "result_format.h"

namespace layerlens::ui::test {
namespace {

class GuiExport : public ::testing::Test {
protected:
    void SetUp() override {
        window = makeWindow();
        ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
        window->methodPanel()->setSelectedMethods({"rtn", "magnitude", "wanda"});
        ASSERT_TRUE(runAndWait(*window));
        dir = tempDir();
    }
    std::unique_ptr<MainWindow> window;
    QString dir;
};

TEST_F(GuiExport, TheExportMenuIsTheTable) {
    QMenu* menu = nullptr;
    for (QMenu* m : window->findChildren<QMenu*>())
        if (m->title() == "&Export") menu = m;
    ASSERT_NE(menu, nullptr);
    const QList<QAction*> actions = menu->actions();
    ASSERT_EQ(actions.size(), static_cast<qsizetype>(exportActions().size()));
    for (qsizetype k = 0; k < actions.size(); ++k) {
        EXPECT_EQ(actions[k]->text(), QString(exportActions()[static_cast<size_t>(k)].label));
    }
    EXPECT_EQ(actions.front()->shortcut(), QKeySequence("Ctrl+E"));
}

TEST_F(GuiExport, GridAndViewsAsPngAndSvg) {
    const QString png = dir + "/grid.png", svg = dir + "/grid.svg", curve = dir + "/loss.svg";
    QFile::remove(png);
    QFile::remove(svg);
    ComparisonGrid* grid = window->compareTab()->grid();
    EXPECT_EQ(window->exportAs(ExportKind::GridPng, png), QString());
    QImage image(png);
    ASSERT_FALSE(image.isNull());
    // Every column at full size, whatever the window shows (test_column_layout.cpp).
    EXPECT_EQ(image.size(), grid->exportSize());
    EXPECT_EQ(window->exportAs(ExportKind::GridSvg, svg), QString());
    // Any one view, as its right-click menu offers.
    EXPECT_EQ(window->exportSvg(window->compareTab()->lossCurve(), curve), QString());
    for (const QString& path : {svg, curve}) {
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        EXPECT_TRUE(text.contains("<svg")) << path.toStdString();
        EXPECT_GT(text.size(), 1000);
    }
}

TEST_F(GuiExport, AnExportSaysWhereInTheStatusBarAndAViewSaysWhatItShows) {
    const QString png = dir + "/scatter.png";
    MethodColumn* column = window->compareTab()->grid()->column("wanda");
    ASSERT_NE(column, nullptr);
    const QString caption = window->viewCaption("wanda_scatter");
    EXPECT_TRUE(caption.contains("Wanda")) << caption.toStdString();
    EXPECT_TRUE(caption.contains("scatter")) << caption.toStdString();
    EXPECT_TRUE(caption.contains(QString::fromStdString(window->loadedLayer()->layer.name.empty()
                                                            ? window->loadedLayer()->source
                                                            : window->loadedLayer()->layer.name)))
        << caption.toStdString();
    ASSERT_EQ(window->exportPng(column->scatter(), png, caption), QString());
    const QImage image(png);
    // The caption is a band above the view.
    EXPECT_GT(image.height(), column->scatter()->height());
    EXPECT_EQ(image.width(), column->scatter()->width());
    EXPECT_TRUE(window->statusBar()->currentMessage().contains(QFileInfo(png).absoluteFilePath()))
        << window->statusBar()->currentMessage().toStdString();
}

TEST_F(GuiExport, MetricsAsCsvAndJson) {
    const QString csv = dir + "/metrics.csv", json = dir + "/metrics.json";
    EXPECT_EQ(window->exportAs(ExportKind::Metrics, csv), QString());
    EXPECT_EQ(window->exportAs(ExportKind::Metrics, json), QString());
    QFile c(csv);
    ASSERT_TRUE(c.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(c.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 4);
    EXPECT_EQ(lines[0].toStdString(), csv_header() + ",status");
    QFile j(json);
    ASSERT_TRUE(j.open(QIODevice::ReadOnly));
    const QJsonArray array = QJsonDocument::fromJson(j.readAll()).array();
    ASSERT_EQ(array.size(), 3);
    for (const QJsonValue& v : array) {
        EXPECT_TRUE(v.toObject().contains("relative_output_error"));
        EXPECT_GE(v.toObject()["relative_output_error"].toDouble(), 0.0);
    }
}

TEST_F(GuiExport, MethodWeightsAsHdf5InTheInputFormat) {
    const QString h5 = dir + "/wanda.h5";
    QFile::remove(h5);
    EXPECT_EQ(window->exportAs(ExportKind::MethodWeights, h5, "wanda"), QString());
    const std::vector<LayerInfo> layers = list_layers(h5.toStdString());
    ASSERT_EQ(layers.size(), 1u);
    const Layer back = read_layer(h5.toStdString(), layers[0].name);
    const MetricsModel* m = window->compareTab()->metrics();
    const MethodResult& r = *m->outcomeAt(m->rowOf("wanda"))->result;
    ASSERT_EQ(back.W.rows(), r.W_hat.rows());
    ASSERT_EQ(back.W.cols(), r.W_hat.cols());
    EXPECT_EQ((back.W - r.W_hat).cwiseAbs().maxCoeff(), 0.0f);
}

TEST_F(GuiExport, AFailedExportSaysWhyAndKeepsTheEarlierFile) {
    const QString csv = dir + "/kept.csv";
    ASSERT_EQ(window->exportAs(ExportKind::Metrics, csv), QString());
    QFile before(csv);
    ASSERT_TRUE(before.open(QIODevice::ReadOnly));
    const QByteArray original = before.readAll();
    before.close();
    // A path under a regular file cannot be created.
    QSignalSpy failed(window.get(), &MainWindow::exportFailed);
    const QString impossible = csv + "/inside.png";
    const QString message = window->exportAs(ExportKind::GridPng, impossible);
    EXPECT_FALSE(message.isEmpty());
    EXPECT_TRUE(message.contains("inside.png")) << message.toStdString();
    EXPECT_EQ(failed.count(), 1);
    // Unknown method: refused with a message, nothing written.
    EXPECT_FALSE(window->exportAs(ExportKind::MethodWeights, dir + "/x.h5", "no-such-method").isEmpty());
    // A failed overwrite of an existing file (the target is a directory) keeps the directory.
    QDir().mkpath(dir + "/a_directory.csv");
    EXPECT_FALSE(window->exportAs(ExportKind::Metrics, dir + "/a_directory.csv").isEmpty());
    EXPECT_TRUE(QFileInfo(dir + "/a_directory.csv").isDir());
    QFile after(csv);
    ASSERT_TRUE(after.open(QIODevice::ReadOnly));
    EXPECT_EQ(after.readAll(), original);
}

}  // namespace
}  // namespace layerlens::ui::test
