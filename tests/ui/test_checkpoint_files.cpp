// Checkpoint files in the window: the llama2.c model opens with its captured inputs and runs; its
// layers are grouped by block in the browser; a broken checkpoint shows exactly the message the
// CLI prints, and the window keeps its layer and keeps working.
#include <QFile>
#include <QProcess>
#include <QTreeWidget>

#include "../core/tensor_file_builders.h"
#include "gui_test_support.h"
#include "io/layer_format.h"
#include "layer_browser_dialog.h"

namespace layerlens::ui::test {
namespace {

QString sharedCheckpoint() { return QStringLiteral(LAYERLENS_SHARED_DATA) + "/../models/stories260K/stories260K.bin"; }

// What `layerlens-cli run FILE --layer LAYER --inputs INPUTS --method rtn` prints after "error: ".
QString cliError(const QString& file, const QString& layer, const QString& inputs, int* exitCode) {
    QProcess cli;
    cli.start(LAYERLENS_CLI, {"run", file, "--layer", layer, "--inputs", inputs, "--method", "rtn"});
    cli.waitForFinished(60000);
    *exitCode = cli.exitCode();
    QString text = QString::fromUtf8(cli.readAllStandardError()).trimmed();
    const QString prefix = "layerlens-cli: error: ";
    return text.startsWith(prefix) ? text.mid(prefix.size()) : text;
}

TEST(GuiCheckpoint, LlamaCheckpointWithCapturedInputsLoadsAndRuns) {
    if (!QFile::exists(sharedCheckpoint()) || !QFile::exists(sharedLayers())) GTEST_SKIP() << "no ../shared";
    auto window = makeWindow();
    QSignalSpy loaded(window.get(), &MainWindow::layerLoaded);
    window->openFile(sharedCheckpoint(), "layers.1.feed_forward.w1", sharedLayers());
    ASSERT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0; }, 30000));
    EXPECT_EQ(window->loadedLayer()->layer.W, read_layer(sharedLayers().toStdString(), "layers.1.feed_forward.w1").W);
    EXPECT_EQ(window->loadedLayer()->stats.n_tokens, 4096);
    window->methodPanel()->setSelectedMethods({"rtn", "wanda"});
    EXPECT_TRUE(runAndWait(*window));
}

TEST(GuiCheckpoint, BrowserGroupsTheModelsLayersByBlock) {
    if (!QFile::exists(sharedCheckpoint())) GTEST_SKIP() << "no ../shared/models";
    const std::vector<LayerInfo> layers = list_layers(sharedCheckpoint().toStdString());
    LayerBrowserDialog browser(sharedCheckpoint(), layers);
    browser.show();
    auto* tree = browser.findChild<QTreeWidget*>();
    ASSERT_NE(tree, nullptr);
    ASSERT_EQ(tree->topLevelItemCount(), 6);   // layers.0 ... layers.4, then the classifier
    for (int b = 0; b < 5; ++b) {
        const QTreeWidgetItem* block = tree->topLevelItem(b);
        EXPECT_EQ(block->text(0), QString("layers.%1").arg(b));
        ASSERT_EQ(block->childCount(), 7);
        EXPECT_EQ(block->child(0)->text(0), "attention.wq");
        EXPECT_EQ(block->child(6)->text(0), "feed_forward.w3");
        EXPECT_EQ(block->child(5)->text(1), "64 x 172");
        EXPECT_FALSE(block->flags() & Qt::ItemIsSelectable);
    }
    EXPECT_EQ(tree->topLevelItem(5)->text(0), "output");
    EXPECT_EQ(browser.selectedLayer(), "layers.0.attention.wq");
    tree->setCurrentItem(tree->topLevelItem(3)->child(5));
    EXPECT_EQ(browser.selectedLayer(), "layers.3.feed_forward.w2");
    browser.grab().save(screenshotDir() + "/layer_browser_llama2c.png");
}

TEST(GuiCheckpoint, BrokenCheckpointShowsTheCliMessageAndKeepsTheWindowUsable) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    const QString dir = tempDir() + "/checkpoints";
    QDir().mkpath(dir);
    const QString inputs = dir + "/x.npy";
    layerlens::test::write_bytes(inputs.toStdString(),
                                 layerlens::test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }",
                                                            layerlens::test::floats_bytes({1, 2, 3, 4, 5, 6, 7, 8})));
    using layerlens::test::f32_entry;
    const std::vector<std::pair<QString, std::string>> files = {
        {"overlap.safetensors", layerlens::test::safetensors_bytes("{" + f32_entry("w.weight", "[2,2]", 0, 16) + "," +
                                                                       f32_entry("v.weight", "[2,2]", 8, 24) + "}",
                                                                   layerlens::test::floats_bytes({1, 2, 3, 4, 5, 6}))},
        {"long_header.safetensors", layerlens::test::le64(1 << 20) + "{\"w.weight\": {}}"},
        {"pickle.npy", layerlens::test::npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", std::string(32, '\0'))},
        {"cut.bin", layerlens::test::tiny_llama_bytes(layerlens::test::TinyLlama{}).substr(0, 200)},
    };
    for (const auto& [name, bytes] : files) {
        SCOPED_TRACE(name.toStdString());
        const QString path = dir + "/" + name;
        layerlens::test::write_bytes(path.toStdString(), bytes);
        int exitCode = 0;
        const QString expected = cliError(path, "w", inputs, &exitCode);
        EXPECT_EQ(exitCode, 1);
        QSignalSpy failed(window.get(), &MainWindow::loadFailed);
        window->openFile(path, "w", inputs);
        ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 10000));
        EXPECT_EQ(failed.front().front().toString(), expected);
        EXPECT_TRUE(expected.contains(path)) << expected.toStdString();
    }
    ASSERT_NE(window->loadedLayer(), nullptr);
    EXPECT_EQ(window->loadedLayer()->layer.d_in(), 128);
    window->methodPanel()->setSelectedMethods({"rtn"});
    EXPECT_TRUE(runAndWait(*window));
}

}  // namespace
}  // namespace layerlens::ui::test
