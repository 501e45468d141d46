// The GUI suite's main: a QApplication on whatever platform the environment chose (offscreen in
// ctest), settings isolated from the user's, the programs' runtime settings (core/threads.h: the
// same BLAS kernels as the layerlens-cli the tests start), and a check that no worker outlives
// the tests.
#include <QApplication>
#include <QSettings>
#include <QThreadPool>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>

#include "threads.h"

int main(int argc, char** argv) {
    layerlens::restart_with_runtime_settings(argv);
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("LayerLensTests");
    QApplication::setApplicationName("ui_tests");
    QSettings().clear();
    ::testing::InitGoogleTest(&argc, argv);
    const int result = RUN_ALL_TESTS();
    // A worker still running here is a method that ignores cancel: say so rather than hang.
    if (!QThreadPool::globalInstance()->waitForDone(10000)) {
        std::fprintf(stderr, "ui_tests: a worker thread is still running 10 s after the tests (a method ignores cancel)\n");
        std::_Exit(result ? result : 1);
    }
    return result;
}
