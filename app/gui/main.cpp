// layerlens: the desktop application.
//   layerlens [FILE [--layer NAME] [--inputs FILE] | --demo] [--methods a,b,c]
//   layerlens --screenshot OUT.png [...] [--tab compare|sweep|calibration|teach|model] [--size 1500x940]
//   [--palette system|light|dark] (the palette applies to the interactive window as well)
// With nothing given, the built-in demo layer opens and the default comparison runs.
// --screenshot runs the comparison (and then the sweep for --tab sweep, the calibration check
// for --tab calibration, the layer map's sweep of the file for --tab model), waits for it, saves
// the window as PNG and exits: 0 on success, 1 when loading, running or saving failed, 2 on bad usage.
#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "calibration_view.h"
#include "compare_tab.h"
#include "layer_map_view.h"
#include "main_window.h"
#include "method_panel.h"
#include "method_registry.h"
#include "model_tab.h"
#include "sweep_tab.h"
#include "teach_tab.h"
#include "app_palette.h"
#include "threads.h"

using layerlens::ui::MainWindow;

namespace {

// What the command line asked for.
struct Options {
    layerlens::LayerSource source;
    bool fromFile = false;
    QStringList methods;    // empty: the panel's default selection
    QString screenshot;     // empty: an interactive window
    QString tab;            // compare, sweep, calibration, teach or model
    QSize size{1500, 940};  // the window's size in the screenshot: the default window's
    QString palette = "system";
    int timeoutSeconds = 600;
};

int fail(int code, const QString& message) {
    std::fprintf(stderr, "layerlens: %s\n", qPrintable(message));
    return code;
}

// Fills `options`; returns the reason for bad usage (exit 2), or an empty string.
QString parseArguments(const QApplication& app, Options& options) {
    QCommandLineParser parser;
    parser.setApplicationDescription("See what activation-aware compression does to a linear layer.");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "layer file: HDF5, safetensors, NumPy .npy or llama2.c checkpoint");
    QCommandLineOption layerOption("layer", "layer (group path) to open", "name");
    QCommandLineOption inputsOption("inputs", "separate file holding the layer's inputs (HDF5 or .npy)", "file");
    QCommandLineOption demoOption("demo", "open the built-in demo layer");
    QCommandLineOption demoShapeOption("demo-shape", "shape of the demo layer, d_out x d_in (default 512x1024)", "shape", "512x1024");
    QCommandLineOption methodsOption("methods", "methods to compare, comma-separated (default: all)", "list");
    QCommandLineOption screenshotOption("screenshot", "run, save the window as PNG, then exit", "out.png");
    QCommandLineOption tabOption("tab", "tab to show: compare, sweep, calibration, teach or model", "tab", "compare");
    QCommandLineOption timeoutOption("timeout", "with --screenshot: give up after this many seconds (default 600)", "seconds", "600");
    QCommandLineOption sizeOption("size", "with --screenshot: the window's size, width x height (default 1500x940)", "WxH",
                                  "1500x940");
    QCommandLineOption paletteOption("palette", "colours: " + layerlens::ui::paletteNames().join(", ") + " (default system)",
                                     "name", "system");
    parser.addOptions({layerOption, inputsOption, demoOption, demoShapeOption, methodsOption, screenshotOption, tabOption,
                       timeoutOption, sizeOption, paletteOption});
    parser.process(app);   // exits on --help and on unknown options

    options.fromFile = !parser.positionalArguments().isEmpty() && !parser.isSet(demoOption);
    if (options.fromFile) {
        options.source.path = parser.positionalArguments().front().toStdString();
        options.source.layer = parser.value(layerOption).toStdString();
        options.source.inputs_path = parser.value(inputsOption).toStdString();
    } else {
        options.source.demo = true;
        try {
            layerlens::parse_shape(parser.value(demoShapeOption).toStdString(), options.source.demo_spec.d_out,
                                   options.source.demo_spec.d_in);
        } catch (const std::exception& e) {
            return e.what();
        }
    }
    options.tab = parser.value(tabOption).toLower();
    if (!QStringList{"compare", "sweep", "calibration", "teach", "model"}.contains(options.tab))
        return "--tab must be compare, sweep, calibration, teach or model, not '" + options.tab + "'";
    if (options.tab == "model" && !options.fromFile)
        return "--tab model needs a layer file: the layer map sweeps every layer of it";
    if (parser.isSet(methodsOption) && parser.value(methodsOption).trimmed() == "all") {   // as layerlens-cli
        for (const std::string& name : layerlens::method_names()) options.methods << QString::fromStdString(name);
    } else if (parser.isSet(methodsOption)) {
        for (const QString& m : parser.value(methodsOption).split(',', Qt::SkipEmptyParts)) {
            options.methods << m.trimmed();
            try {
                layerlens::find_method(m.trimmed().toStdString());
            } catch (const std::exception& e) {
                return e.what();
            }
        }
    }
    {
        Eigen::Index width = 0, height = 0;
        try {
            layerlens::parse_shape(parser.value(sizeOption).toStdString(), width, height);
        } catch (const std::exception& e) {
            return QString("--size: ") + e.what();
        }
        if (width < 320 || height < 240 || width > 8000 || height > 8000)
            return QString("--size must be between 320x240 and 8000x8000, not %1").arg(parser.value(sizeOption));
        options.size = QSize(static_cast<int>(width), static_cast<int>(height));
    }
    options.palette = parser.value(paletteOption).toLower();
    if (!layerlens::ui::paletteNames().contains(options.palette))
        return "--palette must be one of " + layerlens::ui::paletteNames().join(", ") + ", not '" + options.palette + "'";
    options.screenshot = parser.value(screenshotOption);
    options.timeoutSeconds = std::max(1, parser.value(timeoutOption).toInt());
    return {};
}

QWidget* tabNamed(const MainWindow& window, const QString& name) {
    if (name == "sweep") return window.sweepTab();
    if (name == "calibration") return window.calibrationView();
    if (name == "teach") return window.teachTab();
    if (name == "model") return window.modelTab();
    return window.compareTab();
}

// Once a run has finished: show the tab asked for, finish what it needs, save, exit.
void saveWhenDone(MainWindow& window, const Options& options) {
    const QString out = options.screenshot;
    auto save = [&window, out] {
        // Let the last results paint before grabbing.
        QTimer::singleShot(200, [&window, out] {
            const bool saved = window.grab().save(out);
            if (!saved) std::fprintf(stderr, "layerlens: cannot write %s\n", qPrintable(out));
            QApplication::exit(saved ? 0 : 1);
        });
    };
    const QString tab = options.tab;
    QObject::connect(&window, &MainWindow::runFinished, [&window, tab, save] {
        window.tabs()->setCurrentWidget(tabNamed(window, tab));
        if (tab == "sweep") {
            if (!window.sweepTab()->runSweep()) QApplication::exit(1);
            return;   // the sweep's end saves
        }
        if (tab == "calibration") {
            if (!window.calibrationView()->run()) QApplication::exit(1);
            return;   // the check's end saves
        }
        if (tab == "model") {
            if (!window.modelTab()->run()) QApplication::exit(1);
            return;   // the layer map's end saves
        }
        if (tab == "teach") window.teachTab()->revealAnswer();
        save();
    });
    QObject::connect(window.sweepTab(), &layerlens::ui::SweepTab::sweepFinished, save);
    QObject::connect(window.calibrationView(), &layerlens::ui::CalibrationView::runFinished, save);
    QObject::connect(window.modelTab()->layerMap(), &layerlens::ui::LayerMapView::runFinished, save);
}

// A failed load, run or sweep ends the program with its exit code.
void exitOnFailure(MainWindow& window) {
    auto failed = [](const QString& message) { QApplication::exit(fail(1, message)); };
    QObject::connect(&window, &MainWindow::loadFailed, failed);
    QObject::connect(&window, &MainWindow::runFailed, failed);
    QObject::connect(window.sweepTab(), &layerlens::ui::SweepTab::sweepFailed,
                     [](const QString& message) { QApplication::exit(fail(1, "sweep failed: " + message)); });
    QObject::connect(window.calibrationView(), &layerlens::ui::CalibrationView::failed,
                     [](const QString& message) { QApplication::exit(fail(1, "calibration check failed: " + message)); });
    QObject::connect(window.modelTab()->layerMap(), &layerlens::ui::LayerMapView::failed,
                     [](const QString& message) { QApplication::exit(fail(1, "layer map failed: " + message)); });
    QObject::connect(&window, &MainWindow::runRefused, [](const QString& message) { QApplication::exit(fail(2, message)); });
    QObject::connect(&window, &MainWindow::runCanceled, [] { QApplication::exit(1); });
}

// Never hang a script: past the timeout, save what is there and fail.
void giveUpAfterTimeout(MainWindow& window, const Options& options) {
    const QString out = options.screenshot;
    const int seconds = options.timeoutSeconds;
    QTimer::singleShot(seconds * 1000, &window, [&window, out, seconds] {
        window.cancelRun();
        window.calibrationView()->cancel();
        window.modelTab()->cancelAll();
        window.grab().save(out);
        QApplication::exit(fail(1, QString("the run did not finish in %1 s; saved the unfinished window to %2").arg(seconds).arg(out)));
    });
}

void arrangeScreenshot(MainWindow& window, const Options& options) {
    window.setInteractive(false);
    window.resize(options.size);
    saveWhenDone(window, options);
    exitOnFailure(window);
    giveUpAfterTimeout(window, options);
}

// Opens once the event loop runs, so an immediate failure can end it with its exit code.
void openWhenTheLoopRuns(MainWindow& window, const Options& options) {
    QTimer::singleShot(0, &window, [&window, fromFile = options.fromFile, source = options.source] {
        if (fromFile)
            window.openFile(QString::fromStdString(source.path), QString::fromStdString(source.layer),
                            QString::fromStdString(source.inputs_path));
        else
            window.openSource(source);
    });
}

}  // namespace

int main(int argc, char** argv) {
    layerlens::restart_with_runtime_settings(argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName("LayerLens");
    QApplication::setOrganizationName("LayerLens");
    Options options;
    if (const QString usage = parseArguments(app, options); !usage.isEmpty()) return fail(2, usage);
    layerlens::ui::applyPalette(options.palette);

    MainWindow window;
    if (!options.methods.isEmpty()) {
        window.methodPanel()->setSelectedMethods(options.methods);
        window.modelTab()->layerMap()->setSelectedMethods(options.methods);
    }
    if (!options.screenshot.isEmpty()) arrangeScreenshot(window, options);
    window.show();
    openWhenTheLoopRuns(window, options);
    return app.exec();
}
