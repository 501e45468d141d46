// layerlens: the desktop application.
//   layerlens [FILE [--layer NAME] [--inputs FILE] | --demo] [--methods a,b,c]
//   layerlens --screenshot OUT.png [...] [--tab compare|sweep|teach]
// With nothing given, the built-in demo layer opens and the default comparison runs.
// --screenshot runs the comparison (and the sweep for --tab sweep), waits for it, saves the
// window as PNG and exits: 0 on success, 1 when loading, running or saving failed, 2 on bad usage.
#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "main_window.h"
#include "method_panel.h"
#include "method_registry.h"
#include "sweep_tab.h"
#include "teach_tab.h"

using layerlens::ui::MainWindow;

namespace {

int fail(int code, const QString& message) {
    std::fprintf(stderr, "layerlens: %s\n", qPrintable(message));
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("LayerLens");
    QApplication::setOrganizationName("LayerLens");
    QCommandLineParser parser;
    parser.setApplicationDescription("See what activation-aware compression does to a linear layer.");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "HDF5 file with a layer's weight and inputs");
    QCommandLineOption layerOption("layer", "layer (group path) to open", "name");
    QCommandLineOption inputsOption("inputs", "separate HDF5 file holding the layer's inputs", "file");
    QCommandLineOption demoOption("demo", "open the built-in demo layer");
    QCommandLineOption demoShapeOption("demo-shape", "shape of the demo layer, d_out x d_in (default 512x1024)", "shape", "512x1024");
    QCommandLineOption methodsOption("methods", "methods to compare, comma-separated (default: all)", "list");
    QCommandLineOption screenshotOption("screenshot", "run, save the window as PNG, then exit", "out.png");
    QCommandLineOption tabOption("tab", "tab to show: compare, sweep or teach", "tab", "compare");
    QCommandLineOption timeoutOption("timeout", "with --screenshot: give up after this many seconds (default 600)", "seconds", "600");
    parser.addOptions({layerOption, inputsOption, demoOption, demoShapeOption, methodsOption, screenshotOption, tabOption,
                       timeoutOption});
    parser.process(app);

    layerlens::LayerSource source;
    const bool fromFile = !parser.positionalArguments().isEmpty() && !parser.isSet(demoOption);
    if (fromFile) {
        source.path = parser.positionalArguments().front().toStdString();
        source.layer = parser.value(layerOption).toStdString();
        source.inputs_path = parser.value(inputsOption).toStdString();
    } else {
        source.demo = true;
        try {
            layerlens::parse_shape(parser.value(demoShapeOption).toStdString(), source.demo_spec.d_out, source.demo_spec.d_in);
        } catch (const std::exception& e) {
            return fail(2, e.what());
        }
    }
    const QString tab = parser.value(tabOption).toLower();
    const QStringList tabs = {"compare", "sweep", "teach"};
    if (!tabs.contains(tab)) return fail(2, "--tab must be compare, sweep or teach, not '" + tab + "'");

    MainWindow window;
    if (parser.isSet(methodsOption)) {
        const QStringList methods = parser.value(methodsOption).split(',', Qt::SkipEmptyParts);
        for (const QString& m : methods) {
            try {
                layerlens::find_method(m.trimmed().toStdString());
            } catch (const std::exception& e) {
                return fail(2, e.what());
            }
        }
        QStringList trimmed;
        for (const QString& m : methods) trimmed << m.trimmed();
        window.methodPanel()->setSelectedMethods(trimmed);
    }

    if (parser.isSet(screenshotOption)) {
        const QString out = parser.value(screenshotOption);
        window.setInteractive(false);
        window.resize(1680, 1020);
        auto save = [&window, out] {
            // Let the last results paint before grabbing.
            QTimer::singleShot(200, [&window, out] {
                const bool saved = window.grab().save(out);
                if (!saved) std::fprintf(stderr, "layerlens: cannot write %s\n", qPrintable(out));
                QApplication::exit(saved ? 0 : 1);
            });
        };
        QObject::connect(&window, &MainWindow::runFinished, [&window, tab, save] {
            window.tabs()->setCurrentIndex(QStringList{"compare", "sweep", "teach"}.indexOf(tab));
            if (tab == "sweep") {
                if (!window.sweepTab()->runSweep()) QApplication::exit(1);
                return;
            }
            if (tab == "teach") window.teachTab()->revealAnswer();
            save();
        });
        QObject::connect(window.sweepTab(), &layerlens::ui::SweepTab::sweepFinished, save);
        QObject::connect(window.sweepTab(), &layerlens::ui::SweepTab::sweepFailed, [](const QString& m) {
            std::fprintf(stderr, "layerlens: sweep failed: %s\n", qPrintable(m));
            QApplication::exit(1);
        });
        auto failed = [](const QString& message) {
            std::fprintf(stderr, "layerlens: %s\n", qPrintable(message));
            QApplication::exit(1);
        };
        QObject::connect(&window, &MainWindow::loadFailed, failed);
        QObject::connect(&window, &MainWindow::runFailed, failed);
        QObject::connect(&window, &MainWindow::runRefused, [](const QString& message) {
            std::fprintf(stderr, "layerlens: %s\n", qPrintable(message));
            QApplication::exit(2);
        });
        QObject::connect(&window, &MainWindow::runCanceled, [] { QApplication::exit(1); });
        // Never hang a script: past the timeout, save what is there and fail.
        const int seconds = parser.value(timeoutOption).toInt();
        QTimer::singleShot(std::max(1, seconds) * 1000, &window, [&window, out, seconds] {
            window.cancelRun();
            window.grab().save(out);
            std::fprintf(stderr, "layerlens: the run did not finish in %d s; saved the unfinished window to %s\n", seconds,
                         qPrintable(out));
            QApplication::exit(1);
        });
    }
    window.show();
    // Open once the event loop runs, so an immediate failure can end it with its exit code.
    QTimer::singleShot(0, &window, [&window, fromFile, source] {
        if (fromFile)
            window.openFile(QString::fromStdString(source.path), QString::fromStdString(source.layer),
                            QString::fromStdString(source.inputs_path));
        else
            window.openSource(source);
    });
    return app.exec();
}
