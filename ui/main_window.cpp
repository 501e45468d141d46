#include "main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QCursor>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "calibration_view.h"
#include "channel_focus.h"
#include "compare_tab.h"
#include "comparison_grid.h"
#include "export_files.h"
#include "file_filters.h"
#include "heatmap_state.h"
#include "layer_browser_dialog.h"
#include "layer_map_view.h"
#include "method_label.h"
#include "method_panel.h"
#include "method_runner.h"
#include "model_tab.h"
#include "sweep_budget.h"
#include "start_page.h"
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
      // The Compare tab connects to the runner before the window does, so a cancelled run's
      // columns are marked before runCanceled goes out.
      compare_(new CompareTab(focus_, runner_)),
      sweep_(new SweepTab(panel_)),
      calibration_(new CalibrationView(panel_, focus_)),
      teach_(new TeachTab),
      model_(new ModelTab),
      loadedStatus_(new QLabel("nothing loaded")),
      runStatus_(new QLabel),
      hoverStatus_(new QLabel),
      runProgress_(new QProgressBar) {
    setWindowTitle("LayerLens");
    setAcceptDrops(true);
    layerDock_ = buildDock();
    addDockWidget(Qt::LeftDockWidgetArea, layerDock_);
    centre_ = new QStackedWidget(this);
    centre_->addWidget(buildTabs());
    startPage_ = new StartPage(centre_);
    centre_->addWidget(startPage_);
    setCentralWidget(centre_);
    buildStatusBar();
    createActions();
    buildMenus();
    buildToolBar();
    connectLoader();
    connectRunner();
    connect(panel_, &MethodPanel::runRequested, this, [this] { runComparison(); });
    connect(focus_, &ChannelFocus::channelChanged, this, &MainWindow::showHover);
    connect(compare_, &CompareTab::hovered, hoverStatus_, &QLabel::setText);
    connect(compare_, &CompareTab::exportViewRequested, this, &MainWindow::chooseAndExportView);
    connect(teach_, &TeachTab::carryToLayerRequested, this, &MainWindow::showLessonOnLayer);
    connectModelTab();
    connectCalibrationView();
    connect(startPage_, &StartPage::demoRequested, this, &MainWindow::openDemo);
    connect(startPage_, &StartPage::openRequested, this, &MainWindow::chooseAndOpen);

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1500, 940);
    restoreState(settings.value("window/state").toByteArray());
    connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::showDockForTab);
    showDockForTab();
    showLayerInfo();
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::buildDock() {
    // What is loaded, then what to run.
    layerInfo_->setTextFormat(Qt::RichText);
    layerInfo_->setWordWrap(true);
    layerInfo_->setToolTip("The loaded layer: its shape, calibration tokens, and outlier strength max/median of a_j.");
    auto* body = new QWidget;
    auto* layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(layerInfo_);
    layout->addWidget(panel_);
    auto* scroll = new QScrollArea;
    scroll->setWidget(body);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* dock = new QDockWidget("Layer and methods", this);
    dock->setObjectName("layerDock");
    dock->setWidget(scroll);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    dock->setMinimumWidth(230);
    return dock;
}

QTabWidget* MainWindow::buildTabs() {
    auto add = [this](QWidget* tab, const QString& label, const QString& toolTip) {
        tabs_->setTabToolTip(tabs_->addTab(tab, label), toolTip);
    };
    add(compare_, "Compare", "Every method side by side on the loaded layer.");
    add(sweep_, "Sweep", "E against sparsity or bits, one line per method.");
    add(calibration_, "Calibration", "Is the calibration set good enough? How much the salient channels and each method's "
                                     "result depend on the calibration tokens.");
    add(teach_, "Teach", "Why a small weight on a busy channel can matter more: the AWQ intuition.");
    add(model_, "Model", "A whole file or model: E of each method on every layer (the layer map), and perplexity "
                         "against the budget as the AWP paper's tables.");
    return tabs_;
}

void MainWindow::buildStatusBar() {
    runProgress_->setMaximumWidth(160);
    runProgress_->setVisible(false);
    runStatus_->setToolTip("Methods whose layer and settings did not change keep their results; Run › Run all again "
                           "(Ctrl+Shift+R) computes them anyway.");
    statusBar()->addWidget(loadedStatus_);
    statusBar()->addWidget(runStatus_);
    statusBar()->addWidget(runProgress_);
    statusBar()->addPermanentWidget(hoverStatus_, 1);
    hoverStatus_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
}

void MainWindow::createActions() {
    // Shared by the menus and the toolbar.
    openAction_ = new QAction("&Open…", this);
    openAction_->setShortcut(QKeySequence::Open);
    openAction_->setToolTip("Open a layer file: HDF5, safetensors, NumPy .npy or a llama2.c checkpoint (Ctrl+O). "
                            "A file of weights only asks for its inputs next.");
    connect(openAction_, &QAction::triggered, this, &MainWindow::chooseAndOpen);
    runAction_ = new QAction("&Run ▶", this);
    runAction_->setShortcut(QKeySequence("Ctrl+R"));
    runAction_->setToolTip("Run the selected methods on the loaded layer (Ctrl+R); methods whose settings did not "
                           "change keep their results.");
    connect(runAction_, &QAction::triggered, this, &MainWindow::runCurrentTab);
    cancelAction_ = new QAction("&Cancel ■", this);
    cancelAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelAction_->setToolTip("Stop the running methods; finished columns stay (Esc).");
    connect(cancelAction_, &QAction::triggered, this, &MainWindow::cancelCurrentTab);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu("&File");
    file->addAction(openAction_);
    file->addAction("Open with separate &inputs…", this, &MainWindow::chooseAndOpenWithInputs);
    file->addAction("Open the built-in &demo layer", this, &MainWindow::openDemo);
    recentMenu_ = file->addMenu("&Recent files");
    rebuildRecentMenu();
    file->addSeparator();
    file->addMenu(buildExportMenu());
    file->addSeparator();
    file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu("&View");
    for (int k = 0; k < tabs_->count(); ++k) {
        QAction* show = view->addAction(tabs_->tabText(k), this, [this, k] { tabs_->setCurrentIndex(k); });
        show->setShortcut(QKeySequence(QString("Ctrl+%1").arg(k + 1)));
    }
    view->addSeparator();
    // The comparison fits the window by default (ComparisonGrid says why); the design's original
    // one full-width column per method, scrolling sideways, stays one click away.
    QAction* scroll = view->addAction("One wide column per method (scroll sideways)");
    scroll->setObjectName("action_scroll_columns");
    scroll->setCheckable(true);
    scroll->setToolTip("Off: every column fits the window, shrinking and then wrapping into rows. On: each column at "
                       "full width in one row, with a horizontal scrollbar.");
    connect(scroll, &QAction::toggled, this, [this](bool on) {
        compare_->grid()->setColumnLayout(on ? ComparisonGrid::ColumnLayout::ScrollOneRow
                                             : ComparisonGrid::ColumnLayout::FitWindow);
    });
    QAction* resetZoom = view->addAction("Reset zoom", this, [this] { compare_->grid()->state()->resetZoom(); });
    resetZoom->setObjectName("action_reset_zoom");
    resetZoom->setShortcut(QKeySequence("Ctrl+0"));
    resetZoom->setToolTip("Show the whole matrix again in every heatmap (Ctrl+0).");
    view->addSeparator();
    view->addAction("Clear lesson highlights", this, [this] { focus_->setHighlighted({}); });
    view->addAction("Clear calibration marks", focus_, &ChannelFocus::clearMarks);

    QMenu* run = menuBar()->addMenu("&Run");
    run->addAction(runAction_);
    QAction* again = run->addAction("Run &all again", this, [this] { runComparison(true); });
    again->setShortcut(QKeySequence("Ctrl+Shift+R"));
    again->setToolTip("Compute every selected method again, including those whose settings did not change.");
    run->addAction(cancelAction_);

    QMenu* help = menuBar()->addMenu("&Help");
    help->addAction("&About LayerLens", this, [this] {
        QMessageBox::about(this, "LayerLens",
                           "LayerLens shows what each activation-aware compression method does to one linear layer, "
                           "and why. A small weight on a busy channel can matter more than a big weight on a quiet one.");
    });
}

QMenu* MainWindow::buildExportMenu() {
    exportMenu_ = new QMenu("&Export", this);
    for (const ExportAction& entry : exportActions()) {
        QAction* action = exportMenu_->addAction(entry.label, this, [this, &entry] { chooseAndExport(entry); });
        action->setShortcut(QKeySequence(entry.shortcut));
    }
    return exportMenu_;
}

void MainWindow::buildToolBar() {
    QToolBar* bar = addToolBar("Main");
    bar->setObjectName("mainToolBar");
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(openAction_);
    bar->addAction(runAction_);
    bar->addAction(cancelAction_);
    auto* exportButton = new QToolButton(bar);
    exportButton->setText("Export");
    exportButton->setMenu(exportMenu_);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    exportButton->setToolTip(QString("Export views as PNG/SVG, metrics as CSV/JSON, or a method's Ŵ as HDF5 (%1: the grid).")
                                 .arg(exportAction(ExportKind::GridPng).shortcut));
    bar->addWidget(exportButton);
}

void MainWindow::connectLoader() {
    connect(loader_, &LayerLoader::layerLoaded, this, &MainWindow::onLayerLoaded);
    connect(loader_, &LayerLoader::loadFailed, this, &MainWindow::onLoadFailed);
}

void MainWindow::connectRunner() {
    // The Compare tab shows the results; the window tells how far the run is.
    connect(runner_, &MethodRunner::methodStarted, this, [this](int job) { showRunning(job, 0.0, {}); });
    connect(runner_, &MethodRunner::methodProgressed, this, &MainWindow::showRunning);
    connect(runner_, &MethodRunner::methodFinished, this, [this](const OutcomePtr& outcome) {
        if (layer_) results_.store(layer_->loaded, outcome);
        ++runDone_;
        runProgress_->setValue(runDone_ * 1000);
    });
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
}

void MainWindow::connectModelTab() {
    LayerMapView* map = model_->layerMap();
    connect(map, &LayerMapView::layerRequested, this, &MainWindow::openLayerWithBudget);
    connect(map, &LayerMapView::failed, this,
            [this](const QString& message) { statusBar()->showMessage("Layer map: " + message, 20000); });
    connect(map, &LayerMapView::hovered, hoverStatus_, &QLabel::setText);
    connect(model_, &ModelTab::viewChanged, this, &MainWindow::showDockForTab);
}

void MainWindow::connectCalibrationView() {
    connect(calibration_, &CalibrationView::exportViewRequested, this, &MainWindow::chooseAndExportView);
    connect(calibration_, &CalibrationView::channelsShown, this, [this] {
        tabs_->setCurrentWidget(compare_);
        statusBar()->showMessage("Marked in every column: the channels that entered and left the top 1% between the two "
                                 "calibration sets (Clear marks above the columns removes them).",
                                 15000);
    });
}

void MainWindow::setInteractive(bool on) {
    interactive_ = on;
    model_->setInteractive(on);
    calibration_->setInteractive(on);
}

bool MainWindow::openLayerWithBudget(const QString& path, const QString& layer, const QString& method, const QString& budget) {
    const std::optional<CompressionParams> params = budgetFromLabel(method.toStdString(), budget.toStdString());
    if (!params || !panel_->setBudgetFor(method.toStdString(), *params)) {
        reportError("Cannot open " + layer,
                    QString("'%1' is not a budget of %2 that the method panel can set").arg(budget, method));
        return false;
    }
    tabs_->setCurrentWidget(compare_);
    statusBar()->showMessage(
        QString("%1 of %2 with %3 at %4").arg(layer, QFileInfo(path).fileName(), methodLabel(method.toStdString()), budget), 15000);
    // The layer already shown only needs the new budget run; any other is loaded (and then run).
    const bool shown = layer_ && !loadedSource_.demo && loadedSource_.inputs_path.empty() &&
                       QFileInfo(QString::fromStdString(loadedSource_.path)) == QFileInfo(path) &&
                       layer_->loaded->layer.name == layer.toStdString();
    if (!shown) openFile(path, layer);
    else if (runOnLoad_) runComparison();
    return true;
}

void MainWindow::openSource(const LayerSource& source) {
    requestedSource_ = source;
    loadedStatus_->setText("loading " + QString::fromStdString(source.describe()) + " …");
    loader_->load(source);
}

void MainWindow::openFile(const QString& path, const QString& layer, const QString& inputsPath) {
    LayerSource source;
    source.path = path.toStdString();
    source.layer = layer.toStdString();
    source.inputs_path = inputsPath.toStdString();
    if (source.layer.empty() || source.inputs_path.empty()) {
        // Listing reads headers only: a many-layer file lets the user pick from the browser
        // (names, shapes, tokens), and a file of weights only asks for its inputs.
        try {
            const std::vector<LayerInfo> layers = list_layers(source.path);
            if (source.layer.empty()) {
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
                    if (browser.exec() != QDialog::Accepted || browser.selectedLayer().isEmpty()) return;
                    source.layer = browser.selectedLayer().toStdString();
                }
            }
            if (source.inputs_path.empty() && interactive_ && !askForInputs(layers, source)) return;
        } catch (const std::exception& e) {
            onLoadFailed(path, QString::fromUtf8(e.what()));
            return;
        }
    }
    addRecentFile(path);
    openSource(source);
}

bool MainWindow::askForInputs(const std::vector<LayerInfo>& layers, LayerSource& source) {
    const std::string name = choose_layer(layers, source.path, source.layer);
    const auto info = std::find_if(layers.begin(), layers.end(), [&](const LayerInfo& l) { return l.name == name; });
    if (info == layers.end() || info->has_inputs || !info->problem.empty()) return true;
    const QString inputs = QFileDialog::getOpenFileName(
        this, QString("Inputs of %1 (its file holds weights only): HDF5 or .npy").arg(QString::fromStdString(name)),
        QFileInfo(QString::fromStdString(source.path)).path(), layerFileFilter());
    if (inputs.isEmpty()) return false;
    source.layer = name;
    source.inputs_path = inputs.toStdString();
    return true;
}

void MainWindow::onLayerLoaded(const LayerViewPtr& layer) {
    runner_->cancel();
    layer_ = layer;
    loadedSource_ = requestedSource_;
    // What the layer map sweeps and where it looks for the layers of an opened sweep.
    model_->layerMap()->setOpenFile(loadedSource_.demo ? QString() : QString::fromStdString(loadedSource_.path));
    focus_->setHighlighted({});
    focus_->clearMarks();
    focus_->setChannel(-1);
    centre_->setCurrentWidget(tabs_);
    compare_->setLayer(layer);
    sweep_->setLayer(layer);
    panel_->setLayer(layer->loaded);
    teach_->setLayer(layer);
    // The check reads the layer's rows again, by name, so a many-layer file is not asked again.
    LayerSource checked = loadedSource_;
    if (!checked.demo) checked.layer = layer->loaded->layer.name;
    calibration_->setLayer(checked, layer);
    loadedStatus_->setText("loaded " + QString::fromStdString(layer->loaded->source));
    showLayerInfo();
    emit layerLoaded();
    if (runOnLoad_) runComparison();
}

void MainWindow::onLoadFailed(const QString& source, const QString& message) {
    loadedStatus_->setText(layer_ ? "loaded " + QString::fromStdString(layer_->loaded->source) : "nothing loaded");
    if (layer_) {
        // The loaded layer stays; the dialog says why the other one did not open.
        reportError("Cannot open " + source, message);
    } else {
        // Nothing to show: the reason and the ways on fill the window instead of a dialog over empty tabs.
        startPage_->showFailure(source, message);
        centre_->setCurrentWidget(startPage_);
        statusBar()->showMessage("Cannot open " + source + ": " + message, 20000);
    }
    emit loadFailed(message);
}

void MainWindow::showDockForTab() {
    // Its methods and budget do not apply to the Model tab, which would only lose the width; the
    // toolbar's Run and Cancel act on the tab in view.
    const bool model = tabs_->currentWidget() == model_;
    const bool map = model && model_->showsLayerMap();
    const bool calibration = tabs_->currentWidget() == calibration_;
    layerDock_->setVisible(!model);
    runAction_->setToolTip(map           ? "Sweep every layer of the open file with the layer map's methods (Ctrl+R)."
                           : model       ? "Compress and evaluate the whole model as the Model tab is set up (Ctrl+R)."
                           : calibration ? "Check the loaded layer's calibration set with the tab's methods (Ctrl+R)."
                                         : "Run the selected methods on the loaded layer (Ctrl+R).");
    cancelAction_->setToolTip(map           ? "Stop the sweep; finished cells stay (Esc)."
                              : model       ? "Stop the model evaluation; finished rows stay (Esc)."
                              : calibration ? "Stop the calibration check (Esc)."
                                            : "Stop the running methods; finished columns stay (Esc).");
}

void MainWindow::runCurrentTab() {
    if (tabs_->currentWidget() == model_) model_->run();
    else if (tabs_->currentWidget() == calibration_) calibration_->run();
    else runComparison();
}

void MainWindow::cancelCurrentTab() {
    if (tabs_->currentWidget() == model_) model_->cancel();
    else if (tabs_->currentWidget() == calibration_) calibration_->cancel();
    else cancelRun();
}

void MainWindow::showLayerInfo() {
    if (!layer_) {
        layerInfo_->setText("<b>Layer</b><br>nothing loaded<br><small>File › Open, or drop a layer file here (with its inputs file, if separate)</small>");
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

bool MainWindow::runComparison(bool again) {
    if (!layer_) {
        const QString message = "Load a layer first (File › Open).";
        panel_->showMessage(message);
        emit runRefused(message);
        return false;
    }
    // The panel shows each refusal under its field; the status bar says why nothing ran.
    const QString problems = panel_->validate(layer_->loaded->layer);
    if (!problems.isEmpty()) {
        statusBar()->showMessage("not run: " + problems.section('\n', 0, 0), 10000);
        emit runRefused(problems);
        return false;
    }
    runJobs_ = panel_->jobs();
    runDone_ = 0;
    RunRequest request{layer_->loaded, runJobs_, true, {}};
    if (again) results_.clear();
    reusedInRun_ = 0;
    for (const MethodJob& job : runJobs_) {
        request.reused.push_back(results_.find(layer_->loaded, job));
        if (request.reused.back()) ++reusedInRun_;
    }
    compare_->beginRun(runJobs_);
    runProgress_->setRange(0, static_cast<int>(runJobs_.size()) * 1000);
    runProgress_->setValue(0);
    runProgress_->setVisible(true);
    runStatus_->setText("starting");
    runner_->start(std::move(request));
    return true;
}

void MainWindow::cancelRun() { runner_->cancel(); }

bool MainWindow::isRunning() const { return runner_->isRunning(); }

void MainWindow::showRunning(int job, double fraction, const QString& stage) {
    if (job < 0 || job >= static_cast<int>(runJobs_.size())) return;
    runStatus_->setText("running " + methodLabel(runJobs_[static_cast<size_t>(job)].method) +
                        (stage.isEmpty() ? QString() : " (" + stage + ")"));
    runProgress_->setValue(static_cast<int>((job + fraction) * 1000));
}

void MainWindow::onRunEnded(const QString& why) {
    runProgress_->setVisible(false);
    const int computed = static_cast<int>(runJobs_.size()) - reusedInRun_;
    if (why.isEmpty() && reusedInRun_ > 0)
        // Short: a status bar label is as wide as its text, and a long one widens the window.
        runStatus_->setText(QString("ran %1 of %2 methods, %3 unchanged kept").arg(computed).arg(runJobs_.size()).arg(reusedInRun_));
    else if (why.isEmpty())
        runStatus_->setText(QString("ran %1 methods").arg(runJobs_.size()));
    else
        runStatus_->setText(why + "; earlier results kept");
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

void MainWindow::showLessonOnLayer() {
    if (!layer_) return;
    QVector<int> busiest(layer_->busiestChannels.begin(), layer_->busiestChannels.end());
    focus_->setHighlighted(busiest);
    tabs_->setCurrentWidget(compare_);
    statusBar()->showMessage(QString("Ringed in cyan: the %1 busiest channels. Their weights are small, "
                                     "yet they sit high on the contribution axis.")
                                 .arg(busiest.size()),
                             15000);
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
    const QString path = QFileDialog::getOpenFileName(this, "Open a layer", {}, layerFileFilter());
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::openDemo() {
    LayerSource demo;
    demo.demo = true;
    demo.demo_spec.d_out = 512;
    openSource(demo);
}

void MainWindow::chooseAndOpenWithInputs() {
    const QString path = QFileDialog::getOpenFileName(this, "Open the weight file", {}, layerFileFilter());
    if (path.isEmpty()) return;
    const QString inputs =
        QFileDialog::getOpenFileName(this, "Open the inputs file (HDF5 with the same layer name, or .npy)", QFileInfo(path).path(),
                                     layerFileFilter());
    if (!inputs.isEmpty()) openFile(path, {}, inputs);
}

void MainWindow::chooseAndExport(const ExportAction& action) {
    QString method;
    if (action.asksMethod) {
        const QStringList names = compare_->methodsWithResults();
        if (names.isEmpty()) {
            reportError("Nothing to export", "Run a method first.");
            return;
        }
        bool ok = false;
        method = QInputDialog::getItem(this, action.label, "Method:", names, 0, false, &ok);
        if (!ok) return;
    }
    const QString path = QFileDialog::getSaveFileName(this, action.label, {}, action.filter);
    if (!path.isEmpty()) exportAs(action.kind, path, method.toStdString());
}

void MainWindow::chooseAndExportView(QWidget* view, const QString& name) {
    QMenu menu(this);
    menu.addAction("Export this view as PNG…");
    QAction* svg = menu.addAction("Export this view as SVG…");
    QAction* chosen = menu.exec(QCursor::pos());
    if (!chosen) return;
    const bool asSvg = chosen == svg;
    const QString path = QFileDialog::getSaveFileName(this, chosen->text(), name + (asSvg ? ".svg" : ".png"),
                                                      asSvg ? "SVG (*.svg)" : "PNG (*.png)");
    if (path.isEmpty()) return;
    if (asSvg)
        exportSvg(view, path, viewCaption(name));
    else
        exportPng(view, path, viewCaption(name));
}

QString MainWindow::viewCaption(const QString& name) const {
    // Views are named "<method>_<view>" ("awq_scatter") or by themselves ("loss_curve").
    QString what = name;
    const int cut = name.lastIndexOf('_');
    if (cut > 0) {
        const std::string method = name.left(cut).toStdString();
        for (const MethodInfo& info : all_methods())
            if (info.name == method) what = methodLabel(method) + " · " + name.mid(cut + 1);
    }
    if (what == name) what = QString(name).replace('_', ' ');
    return what + (layer_ ? " · " + QString::fromStdString(layer_->loaded->layer.name.empty() ? layer_->loaded->source
                                                                                            : layer_->loaded->layer.name)
                          : QString());
}

QString MainWindow::runExport(const QString& path, const std::function<void()>& write) {
    try {
        write();
    } catch (const std::exception& e) {
        reportError("Export failed", e.what());
        emit exportFailed(e.what());
        return e.what();
    }
    statusBar()->showMessage("Exported to " + QFileInfo(path).absoluteFilePath(), 15000);
    return {};
}

QString MainWindow::svgTitle() const {
    return "LayerLens " + (layer_ ? QString::fromStdString(layer_->loaded->source) : QString());
}

QString MainWindow::exportAs(ExportKind kind, const QString& path, const std::string& method) {
    ExportSources sources;
    sources.grid = compare_->grid();
    sources.currentTab = tabs_->currentWidget();
    sources.metrics = compare_->metrics();
    sources.sweep = sweep_;
    sources.layerMap = model_->layerMap()->model();
    sources.calibration = calibration_->model();
    sources.layer = loadedLayer();
    sources.svgTitle = svgTitle();
    sources.method = method;
    return runExport(path, [&] { exportAction(kind).write(sources, path); });
}

QString MainWindow::exportPng(QWidget* view, const QString& path, const QString& caption) {
    return runExport(path, [&] { saveWidgetPng(view, path, caption); });
}

QString MainWindow::exportSvg(QWidget* view, const QString& path, const QString& caption) {
    return runExport(path, [&] { saveWidgetSvg(view, path, svgTitle(), caption); });
}

void MainWindow::closeEvent(QCloseEvent* event) {
    runner_->cancel();
    model_->cancelAll();
    calibration_->cancel();
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    QStringList files;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) files << url.toLocalFile();
    if (files.size() == 2) {
        // A weights file and its inputs dropped together: activations outweigh the weights
        // they enter, so the larger file is taken as the inputs.
        if (QFileInfo(files[0]).size() > QFileInfo(files[1]).size()) files.swapItemsAt(0, 1);
        openFile(files[0], {}, files[1]);
    } else if (!files.isEmpty()) {
        openFile(files.front());
    }
}

}  // namespace layerlens::ui
