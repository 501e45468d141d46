#pragma once
// Shared helpers of the GUI tests: a real MainWindow shown on the offscreen platform, with
// dialogs off, and waits that fail with a message instead of hanging.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QString>
#include <QTest>
#include <gtest/gtest.h>
#include <memory>

#include "layer_source.h"
#include "main_window.h"
#include "method_panel.h"
#include "method_registry.h"

namespace layerlens::ui::test {

inline std::unique_ptr<MainWindow> makeWindow() {
    auto window = std::make_unique<MainWindow>();
    window->setInteractive(false);
    window->setRunOnLoad(false);
    window->resize(1600, 1000);
    window->show();
    return window;
}

inline LayerSource demoSource(Eigen::Index d_out, Eigen::Index d_in, Eigen::Index tokens = 2048) {
    LayerSource source;
    source.demo = true;
    source.demo_spec.d_out = d_out;
    source.demo_spec.d_in = d_in;
    source.demo_spec.n_tokens = tokens;
    return source;
}

// Loads and waits; returns false (with a gtest failure) when loading fails or hangs.
inline bool loadAndWait(MainWindow& window, const LayerSource& source, int timeoutMs = 60000) {
    QSignalSpy loaded(&window, &MainWindow::layerLoaded);
    QSignalSpy failed(&window, &MainWindow::loadFailed);
    window.openSource(source);
    const bool done = QTest::qWaitFor([&] { return loaded.count() > 0 || failed.count() > 0; }, timeoutMs);
    EXPECT_TRUE(done) << "loading " << source.describe() << " did not finish in " << timeoutMs << " ms";
    EXPECT_EQ(failed.count(), 0) << (failed.count() ? failed.front().front().toString().toStdString() : "");
    return done && loaded.count() > 0;
}

inline QStringList allMethods() {
    QStringList names;
    for (const MethodInfo& info : all_methods()) names << QString::fromStdString(info.name);
    return names;
}

// Runs the panel's selection and waits for the end; returns false when it did not finish.
inline bool runAndWait(MainWindow& window, int timeoutMs = 90000) {
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    QSignalSpy canceled(&window, &MainWindow::runCanceled);
    if (!window.runComparison()) {
        ADD_FAILURE() << "run refused";
        return false;
    }
    const bool done =
        QTest::qWaitFor([&] { return finished.count() + failed.count() + canceled.count() > 0; }, timeoutMs);
    if (!done) {
        ADD_FAILURE() << "the run did not finish in " << timeoutMs << " ms; cancelling";
        window.cancelRun();
        EXPECT_TRUE(QTest::qWaitFor([&] { return canceled.count() > 0; }, 5000)) << "cancel did not land";
        return false;
    }
    EXPECT_EQ(failed.count(), 0);
    return finished.count() > 0;
}

// A method panel editor by object name ("budget_iters", "param_gptq_damp"); a test failure, and
// null, when the panel has none.
template <class Widget>
Widget* panelEditor(MainWindow& window, const QString& name) {
    auto* editor = window.methodPanel()->findChild<Widget*>(name);
    EXPECT_NE(editor, nullptr) << "the method panel has no " << name.toStdString();
    return editor;
}
inline void setPanelInt(MainWindow& window, const QString& name, int value) {
    if (auto* box = panelEditor<QSpinBox>(window, name)) box->setValue(value);
}
inline void setPanelReal(MainWindow& window, const QString& name, double value) {
    if (auto* box = panelEditor<QDoubleSpinBox>(window, name)) box->setValue(value);
}

inline QString screenshotDir() {
    const QString dir = QStringLiteral(LAYERLENS_SCREENSHOTS);
    QDir().mkpath(dir);
    return dir;
}

inline QString tempDir() {
    const QString dir = QStringLiteral(LAYERLENS_TEST_TMP) + "/ui";
    QDir().mkpath(dir);
    return dir;
}

// After a refused load, the demo layer loaded before (64 x 128) is still there and still runs.
inline void expectEarlierDemoLayerStillRuns(MainWindow& window) {
    ASSERT_NE(window.loadedLayer(), nullptr);
    EXPECT_EQ(window.loadedLayer()->layer.d_in(), 128);
    window.methodPanel()->setSelectedMethods({"rtn"});
    EXPECT_TRUE(runAndWait(window));
}

inline QString sharedLayers() { return QStringLiteral(LAYERLENS_SHARED_DATA) + "/stories260K_layers.h5"; }

}  // namespace layerlens::ui::test
