#include "main_window.h"

#include <QLabel>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

#include "progress.h"

namespace layerlens::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), summary_(new QLabel(this)) {
    setWindowTitle("LayerLens");
    summary_->setAlignment(Qt::AlignCenter);
    summary_->setText("No layer loaded");
    setCentralWidget(summary_);
    resize(1200, 800);
    connect(&loadWatcher_, &QFutureWatcher<std::shared_ptr<LoadedLayer>>::finished, this, &MainWindow::onLoadFinished);
}

void MainWindow::openSource(const LayerSource& source) {
    statusBar()->showMessage("loading " + QString::fromStdString(source.describe()) + " ...");
    loadWatcher_.setFuture(QtConcurrent::run([source] {
        Progress quiet;
        return std::make_shared<LoadedLayer>(load_layer(source, quiet));
    }));
}

void MainWindow::onLoadFinished() {
    try {
        loaded_ = loadWatcher_.result();
    } catch (const std::exception& e) {
        statusBar()->showMessage(QString("load failed: ") + e.what());
        emit loadFailed(e.what());
        return;
    }
    const Layer& layer = loaded_->layer;
    summary_->setText(QString("%1\n%2 x %3, %4 tokens")
                          .arg(QString::fromStdString(layer.name))
                          .arg(layer.d_out())
                          .arg(layer.d_in())
                          .arg(loaded_->stats.n_tokens));
    statusBar()->showMessage("loaded " + QString::fromStdString(loaded_->source));
    emit layerLoaded();
}

}  // namespace layerlens::ui
