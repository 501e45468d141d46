// layerlens: the desktop application. `--screenshot OUT.png` renders the window (offscreen when
// there is no display), waits for the load, saves it and exits: 0 on success, 1 on failure.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>

#include "main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("LayerLens");
    QApplication::setOrganizationName("LayerLens");
    QCommandLineParser parser;
    parser.setApplicationDescription("See what activation-aware compression does to a linear layer.");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "HDF5 file with a layer's weight and inputs");
    QCommandLineOption layerOption("layer", "layer (group path) to open", "name");
    QCommandLineOption demoOption("demo", "open the built-in demo layer");
    QCommandLineOption screenshotOption("screenshot", "save the window as PNG once loaded, then exit", "out.png");
    parser.addOption(layerOption);
    parser.addOption(demoOption);
    parser.addOption(screenshotOption);
    parser.process(app);

    layerlens::ui::MainWindow window;
    layerlens::LayerSource source;
    if (!parser.positionalArguments().isEmpty() && !parser.isSet(demoOption)) {
        source.path = parser.positionalArguments().front().toStdString();
        source.layer = parser.value(layerOption).toStdString();
    } else {
        source.demo = true;
    }
    if (parser.isSet(screenshotOption)) {
        const QString out = parser.value(screenshotOption);
        QObject::connect(&window, &layerlens::ui::MainWindow::layerLoaded, [&] {
            QTimer::singleShot(100, [&] {
                const bool saved = window.grab().save(out);
                if (!saved) std::fprintf(stderr, "layerlens: cannot write %s\n", qPrintable(out));
                QApplication::exit(saved ? 0 : 1);
            });
        });
        QObject::connect(&window, &layerlens::ui::MainWindow::loadFailed, [](const QString& message) {
            std::fprintf(stderr, "layerlens: %s\n", qPrintable(message));
            QApplication::exit(1);
        });
    }
    window.openSource(source);
    window.show();
    return app.exec();
}
