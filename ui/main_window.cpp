#include "main_window.h"

#include "method_label.h"

#include <functional>

#include <QAction>
#include <QApplication>
#include <QCursor>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "channel_focus.h"
#include "comparison_grid.h"
#include "export_files.h"
#include "io/result_export.h"
#include "layer_browser_dialog.h"
#include "loss_curve_widget.h"
#include "method_panel.h"
#include "method_registry.h"
#include "method_runner.h"
#include "metrics_model.h"
#include "sweep_tab.h"
#include "teach_tab.h"

namespace layerlens::ui {


MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      focus_(new ChannelFocus(this)),
      loader_(new LayerLoader(this)),
      runner_(new MethodRunner(this)),
      panel_(new MethodPanel),
      layerInfo_(new QLabel),
      tabs_(new QTabWidget(this)),
      compare_(new QWidget),
      grid_(new ComparisonGrid(focus_)),
      lossCurve_(new LossCurveWidget),
      metrics_(new MetricsModel(this)),
      sortedMetrics_(new QSortFilterProxyModel(this)),
      metricsView_(new QTableView),
      sweep_(new SweepTab(panel_)),
      teach_(new TeachTab(focus_)),
      loadedStatus_(new QLabel("nothing loaded")),
      runStatus_(new QLabel),
      hoverStatus_(new QLabel),
      runProgress_(new QProgressBar) {
    setWindowTitle("LayerLens");
    setAcceptDrops(true);

    // Left dock: what is loaded, then what to run.
    layerInfo_->setTextFormat(Qt::RichText);
    layerInfo_->setWordWrap(true);
    layerInfo_->setToolTip("The loaded layer: its shape, calibration tokens, and outlier strength max/median of a_j.");
    auto* dockBody = new QWidget;
    auto* dockLayout = new QVBoxLayout(dockBody);
    dockLayout->setContentsMargins(4, 4, 4, 4);
    dockLayout->addWidget(layerInfo_);
    dockLayout->addWidget(panel_);
    auto* dockScroll = new QScrollArea;
    dockScroll->setWidget(dockBody);
    dockScroll->setWidgetResizable(true);
    dockScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* dock = new QDockWidget("Layer and methods", this);
    dock->setObjectName("layerDock");
    dock->setWidget(dockScroll);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    dock->setMinimumWidth(230);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    // Compare tab: grid over loss curve and metrics table.
    sortedMetrics_->setSourceModel(metrics_);
    sortedMetrics_->setSortRole(Qt::UserRole);
    metricsView_->setModel(sortedMetrics_);
    metricsView_->setSortingEnabled(true);
    metricsView_->sortByColumn(-1, Qt::AscendingOrder);
    metricsView_->horizontalHeader()->setStretchLastSection(true);
    metricsView_->verticalHeader()->setVisible(false);
    metricsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    metricsView_->setToolTip("Every method's numbers; click a header to sort.");
    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(lossCurve_);
    bottom->addWidget(metricsView_);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    // Budgets are long ("bits 4, group 128, sparsity 0.5"): fit the columns to what they hold.
    connect(metrics_, &QAbstractItemModel::dataChanged, metricsView_, [this] { metricsView_->resizeColumnsToContents(); });
    connect(metrics_, &QAbstractItemModel::modelReset, metricsView_, [this] { metricsView_->resizeColumnsToContents(); });
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(grid_);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* compareLayout = new QVBoxLayout(compare_);
    compareLayout->setContentsMargins(2, 2, 2, 2);
    compareLayout->addWidget(split);
    tabs_->addTab(compare_, "Compare");
    tabs_->addTab(sweep_, "Sweep");
    tabs_->addTab(teach_, "Teach");
    tabs_->setTabToolTip(0, "Every method side by side on the loaded layer.");
    tabs_->setTabToolTip(1, "E against sparsity or bits, one line per method.");
    tabs_->setTabToolTip(2, "Why a small weight on a busy channel can matter more: the AWQ intuition.");
    setCentralWidget(tabs_);

    runProgress_->setMaximumWidth(160);
    runProgress_->setVisible(false);
    statusBar()->addWidget(loadedStatus_);
    statusBar()->addWidget(runStatus_);
    statusBar()->addWidget(runProgress_);
    statusBar()->addPermanentWidget(hoverStatus_, 1);
    hoverStatus_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);

    buildActions();

    connect(loader_, &LayerLoader::layerLoaded, this, &MainWindow::onLayerLoaded);
    connect(loader_, &LayerLoader::loadFailed, this, &MainWindow::onLoadFailed);
    connect(panel_, &MethodPanel::runRequested, this, &MainWindow::runComparison);
    connect(runner_, &MethodRunner::methodStarted, this, [this](int job) {
        grid_->onMethodStarted(job);
        metrics_->setStatus(job, "running");
        if (job >= 0 && job < static_cast<int>(runJobs_.size()))
            runStatus_->setText("running " + methodLabel(runJobs_[static_cast<size_t>(job)].method));
    });
    connect(runner_, &MethodRunner::methodProgressed, this, [this](int job, double fraction, const QString& stage) {
        grid_->onMethodProgressed(job, fraction, stage);
        metrics_->setStatus(job, QString("running %1%").arg(static_cast<int>(fraction * 100)));
        if (job >= 0 && job < static_cast<int>(runJobs_.size()))
            runStatus_->setText("running " + methodLabel(runJobs_[static_cast<size_t>(job)].method) +
                                (stage.isEmpty() ? QString() : " (" + stage + ")"));
        runProgress_->setValue(static_cast<int>((job + fraction) * 1000));
    });
    connect(runner_, &MethodRunner::iterationsReported, lossCurve_, &LossCurveWidget::appendIterations);
    connect(runner_, &MethodRunner::methodFinished, this, &MainWindow::onMethodFinished);
    connect(runner_, &MethodRunner::runFinished, this, [this] {
        onRunEnded({});
        emit runFinished();
    });
    connect(runner_, &MethodRunner::runCanceled, this, [this](int generation) {
        // Only the current run's cancel is news; a replaced run's is not.
        if (generation != runner_->generation()) return;
        onRunEnded("run cancelled");
        emit runCanceled();
    });
    connect(runner_, &MethodRunner::runFailed, this, [this](int, const QString& message) {
        onRunEnded("run failed");
        reportError("Run failed", message);
        emit runFailed(message);
    });
    connect(focus_, &ChannelFocus::channelChanged, this, &MainWindow::showHover);
    connect(grid_, &ComparisonGrid::hovered, hoverStatus_, &QLabel::setText);
    connect(grid_, &ComparisonGrid::exportViewRequested, this, &MainWindow::exportView);
    for (const auto& [view, name] : {std::pair<QWidget*, QString>{lossCurve_, "loss_curve"}, {metricsView_, "metrics"}}) {
        view->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(view, &QWidget::customContextMenuRequested, this, [this, view = view, name = name] { exportView(view, name); });
    }
    connect(teach_, &TeachTab::carryToLayerRequested, this, [this] {
        if (!layer_) return;
        QVector<int> busiest(layer_->busiestChannels.begin(), layer_->busiestChannels.end());
        focus_->setHighlighted(busiest);
        tabs_->setCurrentWidget(compare_);
        statusBar()->showMessage(QString("Ringed in cyan: the %1 busiest channels. Their weights are small, "
                                         "yet they sit high on the contribution axis.")
                                     .arg(busiest.size()),
                                 15000);
    });

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1500, 940);
    restoreState(settings.value("window/state").toByteArray());
    showLayerInfo();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu("&File");
    QAction* open = file->addAction("&Open…", this, &MainWindow::chooseAndOpen);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip("Open an HDF5 file with a layer's weight and inputs (Ctrl+O).");
    file->addAction("Open with separate &inputs…", this, &MainWindow::chooseAndOpenWithInputs);
    file->addAction("Open the built-in &demo layer", this, [this] {
        LayerSource demo;
        demo.demo = true;
        demo.demo_spec.d_out = 512;
        openSource(demo);
    });
    recentMenu_ = file->addMenu("&Recent files");
    rebuildRecentMenu();
    file->addSeparator();
    QMenu* exportMenu = file->addMenu("&Export");
    const char* exports[] = {"Comparison grid as PNG…", "Comparison grid as SVG…", "Current tab as PNG…",
                             "Current tab as SVG…",     "Metrics as CSV or JSON…", "Sweep as CSV or JSON…",
                             "A method's Ŵ as HDF5…"};
    for (int k = 0; k < 7; ++k) {
        QAction* action = exportMenu->addAction(exports[k], this, [this, k] { chooseAndExport(k); });
        if (k == 0) action->setShortcut(QKeySequence("Ctrl+E"));
    }
    file->addSeparator();
    file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu("&View");
    for (int k = 0; k < 3; ++k) {
        QAction* a = view->addAction(tabs_->tabText(k), this, [this, k] { tabs_->setCurrentIndex(k); });
        a->setShortcut(QKeySequence(QString("Ctrl+%1").arg(k + 1)));
    }
    view->addAction("Clear lesson highlights", this, [this] { focus_->setHighlighted({}); });

    QMenu* run = menuBar()->addMenu("&Run");
    QAction* runAction = run->addAction("&Run ▶", this, &MainWindow::runComparison);
    runAction->setShortcut(QKeySequence("Ctrl+R"));
    runAction->setToolTip("Run the selected methods on the loaded layer (Ctrl+R).");
    QAction* cancel = run->addAction("&Cancel ■", this, &MainWindow::cancelRun);
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    cancel->setToolTip("Stop the running methods; finished columns stay (Esc).");

    QMenu* help = menuBar()->addMenu("&Help");
    help->addAction("&About LayerLens", this, [this] {
        QMessageBox::about(this, "LayerLens",
                           "LayerLens shows what each activation-aware compression method does to one linear layer, "
                           "and why. A small weight on a busy channel can matter more than a big weight on a quiet one.");
    });

    QToolBar* bar = addToolBar("Main");
    bar->setObjectName("mainToolBar");
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(open);
    bar->addAction(runAction);
    bar->addAction(cancel);
    auto* exportButton = new QToolButton(bar);
    exportButton->setText("Export");
    exportButton->setMenu(exportMenu);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    exportButton->setToolTip("Export views as PNG/SVG, metrics as CSV/JSON, or a method's Ŵ as HDF5 (Ctrl+E: the grid).");
    bar->addWidget(exportButton);
}

void MainWindow::openSource(const LayerSource& source) {
    loadedStatus_->setText("loading " + QString::fromStdString(source.describe()) + " …");
    loader_->load(source);
}

void MainWindow::openFile(const QString& path, const QString& layer, const QString& inputsPath) {
    LayerSource source;
    source.path = path.toStdString();
    source.layer = layer.toStdString();
    source.inputs_path = inputsPath.toStdString();
    if (layer.isEmpty()) {
        // A many-layer file: let the user pick from the browser (names, shapes, tokens).
        try {
            const std::vector<LayerInfo> layers = list_layers(source.path);
            int usable = 0;
            QStringList names;
            for (const LayerInfo& info : layers)
                if (info.problem.empty() && ++usable <= 6) names << QString::fromStdString(info.name);
            if (usable > 1) {
                if (!interactive_) {
                    onLoadFailed(path, QString("%1 holds %2 layers; choose one with --layer (%3%4)")
                                           .arg(path)
                                           .arg(usable)
                                           .arg(names.join(", "))
                                           .arg(usable > 6 ? ", ..." : ""));
                    return;
                }
                LayerBrowserDialog browser(path, layers, this);
                if (browser.exec() != QDialog::Accepted) return;
                source.layer = browser.selectedLayer().toStdString();
            }
        } catch (const std::exception& e) {
            onLoadFailed(path, QString::fromUtf8(e.what()));
            return;
        }
    }
    addRecentFile(path);
    openSource(source);
}

void MainWindow::onLayerLoaded(const LayerViewPtr& layer) {
    runner_->cancel();
    layer_ = layer;
    focus_->setHighlighted({});
    focus_->setChannel(-1);
    grid_->setLayer(layer);
    lossCurve_->clear();
    metrics_->beginRun({});
    sweep_->setLayer(layer);
    teach_->setLayer(layer);
    loadedStatus_->setText("loaded " + QString::fromStdString(layer->loaded->source));
    showLayerInfo();
    emit layerLoaded();
    if (runOnLoad_) runComparison();
}

void MainWindow::onLoadFailed(const QString& source, const QString& message) {
    loadedStatus_->setText(layer_ ? "loaded " + QString::fromStdString(layer_->loaded->source) : "nothing loaded");
    reportError("Cannot open " + source, message);
    emit loadFailed(message);
}

void MainWindow::showLayerInfo() {
    if (!layer_) {
        layerInfo_->setText("<b>Layer</b><br>nothing loaded<br><small>File › Open, or drop an HDF5 file here</small>");
        return;
    }
    const LoadedLayer& l = *layer_->loaded;
    QString warnings;
    for (const std::string& w : l.stats.warnings) warnings += "<br><small style='color:#b9770e'>" + QString::fromStdString(w).toHtmlEscaped() + "</small>";
    layerInfo_->setText(QString("<b>Layer</b><br>%1<br>%2 x %3 (d_out x d_in)<br>%4 tokens<br>outliers %5x "
                                "<small>(max/median a_j)</small>%6")
                            .arg(QString::fromStdString(l.layer.name.empty() ? l.source : l.layer.name).toHtmlEscaped())
                            .arg(l.layer.d_out())
                            .arg(l.layer.d_in())
                            .arg(l.stats.n_tokens)
                            .arg(l.stats.outlier_strength(), 0, 'f', 1)
                            .arg(warnings));
}

bool MainWindow::runComparison() {
    if (!layer_) {
        const QString message = "Load a layer first (File › Open).";
        panel_->showMessage(message);
        emit runRefused(message);
        return false;
    }
    const QString problems = panel_->validate(layer_->loaded->layer);
    panel_->showMessage(problems);
    if (!problems.isEmpty()) {
        statusBar()->showMessage("not run: " + problems.section('\n', 0, 0), 10000);
        emit runRefused(problems);
        return false;
    }
    runJobs_ = panel_->jobs();
    runDone_ = 0;
    grid_->beginRun(runJobs_);
    lossCurve_->beginRun(runJobs_);
    metrics_->beginRun(runJobs_);
    runProgress_->setRange(0, static_cast<int>(runJobs_.size()) * 1000);
    runProgress_->setValue(0);
    runProgress_->setVisible(true);
    runStatus_->setText("starting");
    runner_->start(RunRequest{layer_->loaded, runJobs_, true});
    return true;
}

void MainWindow::cancelRun() { runner_->cancel(); }

bool MainWindow::isRunning() const { return runner_->isRunning(); }

void MainWindow::onMethodFinished(const OutcomePtr& outcome) {
    ++runDone_;
    grid_->onMethodFinished(outcome);
    lossCurve_->setOutcome(outcome);
    metrics_->setOutcome(outcome);
    runProgress_->setValue(runDone_ * 1000);
}

void MainWindow::onRunEnded(const QString& why) {
    runProgress_->setVisible(false);
    if (why.isEmpty()) {
        runStatus_->setText(QString("ran %1 methods").arg(runJobs_.size()));
        return;
    }
    runStatus_->setText(why + "; earlier results kept");
    grid_->endRun(why);
    metrics_->endRun(why);
}

void MainWindow::showHover(int channel) {
    if (!layer_ || channel < 0 || channel >= layer_->dIn()) return;
    const CalibrationStats& s = layer_->loaded->stats;
    if (focus_->row() < 0)
        hoverStatus_->setText(QString("hover: channel %1, a_j = %2, ‖X_j‖ = %3, mean |W_:j| = %4")
                                  .arg(channel)
                                  .arg(s.mean_abs[channel], 0, 'g', 4)
                                  .arg(s.norm[channel], 0, 'g', 4)
                                  .arg(layer_->channelWeight[static_cast<size_t>(channel)], 0, 'g', 3));
}

void MainWindow::reportError(const QString& title, const QString& message) {
    statusBar()->showMessage(title + ": " + message, 20000);
    if (interactive_) QMessageBox::warning(this, title, message);
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > 8) recent.removeLast();
    settings.setValue("recentFiles", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const QString& path : recent) recentMenu_->addAction(path, this, [this, path] { openFile(path); });
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::chooseAndOpen() {
    const QString path = QFileDialog::getOpenFileName(this, "Open a layer", {}, "HDF5 layers (*.h5 *.hdf5);;All files (*)");
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::chooseAndOpenWithInputs() {
    const QString path = QFileDialog::getOpenFileName(this, "Open the weight file", {}, "HDF5 (*.h5 *.hdf5);;All files (*)");
    if (path.isEmpty()) return;
    const QString inputs =
        QFileDialog::getOpenFileName(this, "Open the inputs file (same group path)", QFileInfo(path).path(), "HDF5 (*.h5 *.hdf5);;All files (*)");
    if (!inputs.isEmpty()) openFile(path, {}, inputs);
}

void MainWindow::chooseAndExport(int kind) {
    auto ask = [this](const QString& title, const QString& filter) { return QFileDialog::getSaveFileName(this, title, {}, filter); };
    QString path;
    switch (kind) {
    case 0:
        if (!(path = ask("Export the grid as PNG", "PNG (*.png)")).isEmpty()) exportPng(grid_, path);
        break;
    case 1:
        if (!(path = ask("Export the grid as SVG", "SVG (*.svg)")).isEmpty()) exportSvg(grid_, path);
        break;
    case 2:
        if (!(path = ask("Export the current tab as PNG", "PNG (*.png)")).isEmpty()) exportPng(tabs_->currentWidget(), path);
        break;
    case 3:
        if (!(path = ask("Export the current tab as SVG", "SVG (*.svg)")).isEmpty()) exportSvg(tabs_->currentWidget(), path);
        break;
    case 4:
        if (!(path = ask("Export the metrics", "CSV (*.csv);;JSON (*.json)")).isEmpty()) exportMetrics(path);
        break;
    case 5:
        if (!(path = ask("Export the sweep", "CSV (*.csv);;JSON (*.json)")).isEmpty()) {
            try {
                saveText(path.endsWith(".json", Qt::CaseInsensitive) ? sweep_->toJson() : sweep_->toCsv().toUtf8(), path);
                statusBar()->showMessage("wrote " + path, 8000);
            } catch (const std::exception& e) {
                reportError("Export failed", e.what());
                emit exportFailed(e.what());
            }
        }
        break;
    case 6: {
        QStringList names;
        for (int row = 0; row < metrics_->rowCount(); ++row)
            if (metrics_->outcomeAt(row) && metrics_->outcomeAt(row)->result)
                names << QString::fromStdString(metrics_->outcomeAt(row)->request.method);
        if (names.isEmpty()) {
            reportError("Nothing to export", "Run a method first.");
            return;
        }
        bool ok = false;
        const QString method = QInputDialog::getItem(this, "Export Ŵ", "Method:", names, 0, false, &ok);
        if (ok && !(path = ask("Export Ŵ as HDF5", "HDF5 (*.h5)")).isEmpty()) exportMethodWeights(method.toStdString(), path);
        break;
    }
    }
}

void MainWindow::exportView(QWidget* view, const QString& name) {
    QMenu menu(this);
    QAction* png = menu.addAction("Export this view as PNG…");
    QAction* svg = menu.addAction("Export this view as SVG…");
    QAction* chosen = menu.exec(QCursor::pos());
    if (!chosen) return;
    const bool asSvg = chosen == svg;
    const QString path = QFileDialog::getSaveFileName(this, chosen->text(), name + (asSvg ? ".svg" : ".png"),
                                                      asSvg ? "SVG (*.svg)" : "PNG (*.png)");
    if (path.isEmpty()) return;
    if (asSvg)
        exportSvg(view, path);
    else
        exportPng(view, path);
    (void)png;
}

QString MainWindow::runExport(const QString& path, const std::function<void()>& write) {
    try {
        write();
    } catch (const std::exception& e) {
        reportError("Export failed", e.what());
        emit exportFailed(e.what());
        return e.what();
    }
    statusBar()->showMessage("wrote " + path, 8000);
    return {};
}

QString MainWindow::exportPng(QWidget* what, const QString& path) {
    return runExport(path, [&] { saveWidgetPng(what, path); });
}

QString MainWindow::exportSvg(QWidget* what, const QString& path) {
    const QString title = "LayerLens " + (layer_ ? QString::fromStdString(layer_->loaded->source) : QString());
    return runExport(path, [&] { saveWidgetSvg(what, path, title); });
}

QString MainWindow::exportMetrics(const QString& path) {
    return runExport(path, [&] {
        saveText(path.endsWith(".json", Qt::CaseInsensitive) ? metrics_->toJson() : metrics_->toCsv().toUtf8(), path);
    });
}

QString MainWindow::exportMethodWeights(const std::string& method, const QString& path) {
    const int row = metrics_->rowOf(method);
    if (!layer_ || row < 0 || !metrics_->outcomeAt(row) || !metrics_->outcomeAt(row)->result) {
        const QString message = "no result of " + QString::fromStdString(method) + " to export";
        reportError("Export failed", message);
        emit exportFailed(message);
        return message;
    }
    // core writes to a temporary name and renames: a failure leaves any earlier file.
    return runExport(path, [&] {
        export_result(path.toStdString(), layer_->loaded->layer, *metrics_->outcomeAt(row)->result, true);
    });
}

void MainWindow::closeEvent(QCloseEvent* event) {
    runner_->cancel();
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) openFile(urls.front().toLocalFile());
}

}  // namespace layerlens::ui
