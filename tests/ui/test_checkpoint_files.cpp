// Checkpoint files in the window: the llama2.c model opens with its captured inputs and runs; its
// layers are grouped by block in the browser; a broken checkpoint shows exactly the message the
// CLI prints, and the window keeps its layer and keeps working.
#include <QApplication>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QUrl>
#include <QProcess>
#include <QTreeWidget>
#include <map>
#include <random>
#include <tuple>

#include "../core/tensor_file_builders.h"
#include "gui_test_support.h"
#include "comparison_grid.h"
#include "compare_tab.h"
#include "io/hdf5_writer.h"
#include "io/layer_format.h"
#include "method_column.h"
#include "run_types.h"
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

// E per method of the window's run, by method name.
std::map<std::string, double> windowErrors(MainWindow& window, const QString& file, const QString& layer, const QString& inputs) {
    QSignalSpy loaded(&window, &MainWindow::layerLoaded);
    window.openFile(file, layer, inputs);
    EXPECT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0; }, 30000)) << file.toStdString();
    window.methodPanel()->setSelectedMethods({"rtn", "awq", "gptq", "wanda", "sparsegpt"});
    EXPECT_TRUE(runAndWait(window));
    std::map<std::string, double> errors;
    for (MethodColumn* column : window.compareTab()->grid()->columns())
        if (column->outcome() && column->outcome()->result)
            errors[column->method()] = column->outcome()->result->relative_output_error;
    return errors;
}

TEST(GuiCheckpoint, SafetensorsAndNpyPairGiveTheSameErrorsAsHdf5) {
    const QString dir = tempDir() + "/same_errors";
    QDir().mkpath(dir);
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    MatrixF W(24, 32), X(300, 32);
    for (Eigen::Index k = 0; k < W.size(); ++k) W.data()[k] = normal(rng) * 0.1f;
    for (Eigen::Index k = 0; k < X.size(); ++k) X.data()[k] = normal(rng) * (1.0f + static_cast<float>(k % 32) / 4.0f);
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> W_rows = W, X_rows = X;
    const std::string w_bytes(reinterpret_cast<const char*>(W_rows.data()), static_cast<size_t>(W.size()) * 4);
    const std::string x_bytes(reinterpret_cast<const char*>(X_rows.data()), static_cast<size_t>(X.size()) * 4);
    const QString reference = dir + "/reference.h5", safetensors = dir + "/model.safetensors";
    const QString weight_npy = dir + "/w.npy", inputs_npy = dir + "/x.npy";
    LayerToWrite layer;
    layer.name = "model.layers.0.mlp.up_proj";
    layer.weight = &W;
    layer.inputs = &X;
    write_layers(reference.toStdString(), {layer}, true);
    layerlens::test::write_bytes(safetensors.toStdString(),
                                 layerlens::test::safetensors_bytes(
                                     "{" + layerlens::test::f32_entry("model.layers.0.mlp.up_proj.weight", "[24,32]", 0, w_bytes.size()) + "}",
                                     w_bytes));
    layerlens::test::write_bytes(weight_npy.toStdString(),
                                 layerlens::test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (24, 32), }", w_bytes));
    layerlens::test::write_bytes(inputs_npy.toStdString(),
                                 layerlens::test::npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (300, 32), }", x_bytes));
    auto window = makeWindow();
    const auto expected = windowErrors(*window, reference, "model.layers.0.mlp.up_proj", {});
    ASSERT_EQ(expected.size(), 5u);
    for (const auto& [file, layer, inputs] : {std::tuple{safetensors, QString("model.layers.0.mlp.up_proj"), inputs_npy},
                                              std::tuple{safetensors, QString("model.layers.0.mlp.up_proj.weight"), reference},
                                              std::tuple{weight_npy, QString(), inputs_npy}}) {
        SCOPED_TRACE(file.toStdString() + " + " + inputs.toStdString());
        const auto got = windowErrors(*window, file, layer, inputs);
        ASSERT_EQ(got.size(), expected.size());
        for (const auto& [method, e] : expected) EXPECT_NEAR(got.at(method), e, 1e-6 * e) << method;
    }
    // Dropped together (in either order), the larger file is taken as the inputs of the other.
    QSignalSpy loaded(window.get(), &MainWindow::layerLoaded), failed(window.get(), &MainWindow::loadFailed);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(inputs_npy), QUrl::fromLocalFile(safetensors)});
    // Qt delivers a drop to the widget that accepted the drag's entry, as a real drag does.
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.get(), &enter);
    ASSERT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.get(), &drop);
    ASSERT_TRUE(QTest::qWaitFor([&] { return loaded.count() > 0 || failed.count() > 0; }, 30000));
    ASSERT_EQ(failed.count(), 0) << failed.front().front().toString().toStdString();
    EXPECT_EQ(window->loadedLayer()->source, safetensors.toStdString() + ":model.layers.0.mlp.up_proj");
    EXPECT_EQ(window->loadedLayer()->stats.n_tokens, 300);
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
    expectEarlierDemoLayerStillRuns(*window);
}

// HDF5 files on which libhdf5 itself crashes (tests/fuzz/regressions/hdf5/): once while listing
// the layers, once while reading a layer's attributes. The read runs in a child process first
// (core/io/hdf5_probe.h), so the window gets the CLI's message and keeps its layer.
TEST(GuiCheckpoint, AFileThatCrashesLibhdf5IsTheCliMessageAndTheWindowKeepsWorking) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 256)));
    const QString regressions = QStringLiteral(LAYERLENS_FUZZ_DIR) + "/regressions/hdf5/";
    for (const auto& [name, layer] : std::vector<std::pair<QString, QString>>{
             {"segv-libhdf5-accum-read-null-1.h5", "w"}, {"overlap-libhdf5-global-heap-vlen-1.h5", "layers.2.w"}}) {
        SCOPED_TRACE(name.toStdString());
        const QString path = regressions + name;
        int exitCode = 0;
        const QString expected = cliError(path, layer, path, &exitCode);
        EXPECT_EQ(exitCode, 1);
        EXPECT_TRUE(expected.contains("the HDF5 library crashed")) << expected.toStdString();
        QSignalSpy failed(window.get(), &MainWindow::loadFailed);
        window->openFile(path, layer, path);
        ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 30000));
        EXPECT_EQ(failed.front().front().toString(), expected);
    }
    expectEarlierDemoLayerStillRuns(*window);
    // With nothing loaded yet the message fills the window's start page.
    auto fresh = makeWindow();
    QSignalSpy failed(fresh.get(), &MainWindow::loadFailed);
    const QString path = regressions + "segv-libhdf5-accum-read-null-1.h5";
    fresh->openFile(path, "w", path);
    ASSERT_TRUE(QTest::qWaitFor([&] { return failed.count() > 0; }, 30000));
    QTest::qWait(100);
    EXPECT_TRUE(fresh->grab().save(screenshotDir() + "/libhdf5_crash_message.png"));
}

}  // namespace
}  // namespace layerlens::ui::test
