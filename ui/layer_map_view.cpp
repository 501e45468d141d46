#include "layer_map_view.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QVBoxLayout>
#include <algorithm>

#include "layer_map_bars.h"
#include "layer_map_colour_bar.h"
#include "layer_map_heatmap.h"
#include "layer_map_model.h"
#include "layer_map_runner.h"
#include "method_label.h"
#include "method_registry.h"
#include "model/model_eval_plan.h"
#include "model_sweep/model_sweep_runner.h"

namespace layerlens::ui {

LayerMapView::LayerMapView(QWidget* parent)
    : QWidget(parent),
      runner_(new LayerMapRunner(this)),
      model_(new LayerMapModel(this)),
      heatmap_(new LayerMapHeatmap(model_, this)),
      colourBar_(new LayerMapColourBar(model_, this)),
      bars_(new LayerMapBars(model_, this)),
      open_(new QPushButton("Open sweep (JSONL)…", this)),
      run_(new QPushButton("Run on the open file ▶", this)),
      cancel_(new QPushButton("Cancel ■", this)),
      save_(new QPushButton("Save rows…", this)),
      sort_(new QComboBox(this)),
      point_(new QComboBox(this)),
      progress_(new QProgressBar(this)),
      status_(new QLabel(this)) {
    status_->setWordWrap(true);
    status_->setTextFormat(Qt::PlainText);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* legend = new QLabel(
        QString("Each cell: E, the layer's relative output error after compression, on one log colour scale for every "
                "cell (inferno, as the comparison). Ringed in cyan: above %1× the method's median over the layers. "
                "Hatched: failed; blank: not run yet. Hover a cell for its numbers, click a column header to chart that "
                "point in the bars, click a cell to open that layer in Compare with that method's budget.")
            .arg(kDefaultOutlierFactor),
        this);
    legend->setWordWrap(true);
    QPalette muted = legend->palette();
    QColor ink = muted.color(QPalette::WindowText);
    ink.setAlphaF(0.7);
    muted.setColor(QPalette::WindowText, ink);
    legend->setPalette(muted);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buildToolbar());
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(status_, 1);
    statusRow->addWidget(progress_);
    layout->addLayout(statusRow);
    layout->addWidget(buildMap(), 1);
    layout->addWidget(legend);
    connectRunner();
    setOpenFile({});
    setRunning(false);
    showStatus("Run a sweep on the open layer file (every layer, each checked method at its default budget), or open "
               "the JSONL of `layerlens-cli sweep-model FILE --methods all --out R.jsonl`.");
}

LayerMapView::~LayerMapView() = default;

QLayout* LayerMapView::buildToolbar() {
    open_->setToolTip("Show a sweep saved earlier: `layerlens-cli sweep-model … --out R.jsonl`, merge-shards, or Save rows.");
    cancel_->setToolTip("Stop the sweep; the rows that finished stay and can be saved.");
    save_->setToolTip("Save the rows shown as JSONL, the format `layerlens-cli sweep-model` writes.");
    progress_->setRange(0, 1000);
    progress_->setTextVisible(true);
    progress_->setMinimumWidth(420);
    sort_->addItem("file order");
    sort_->addItem("E, largest first");
    sort_->setToolTip("The order of the rows, shared by the heatmap and the bars: as in the file, or by E of the "
                      "point the bars show, largest first.");
    point_->setToolTip("The point (method and budget) the bars show and the rows sort by; a click on a column header chooses it too.");
    // Wide enough for "AWP 50%", not for the longest joint budget: the toolbar must fit 1500 px.
    point_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    point_->setMinimumContentsLength(20);
    connect(open_, &QPushButton::clicked, this, &LayerMapView::chooseAndOpen);
    connect(run_, &QPushButton::clicked, this, &LayerMapView::runOnOpenFile);
    connect(cancel_, &QPushButton::clicked, this, &LayerMapView::cancel);
    connect(save_, &QPushButton::clicked, this, &LayerMapView::chooseAndSave);
    connect(sort_, &QComboBox::currentIndexChanged, this, [this](int index) {
        model_->setOrder(index == 1 ? LayerMapModel::Order::Error : LayerMapModel::Order::Layers);
    });
    connect(point_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0) model_->setSelectedColumn(index);
    });
    connect(model_, &LayerMapModel::selectedColumnChanged, point_, &QComboBox::setCurrentIndex);
    auto* bar = new QHBoxLayout;
    bar->addWidget(open_);
    bar->addSpacing(12);
    bar->addWidget(run_);
    bar->addWidget(buildMethodsButton());
    bar->addWidget(cancel_);
    bar->addSpacing(12);
    bar->addWidget(new QLabel("Sort:", this));
    bar->addWidget(sort_);
    bar->addWidget(new QLabel("Bars:", this));
    bar->addWidget(point_);
    bar->addStretch(1);
    bar->addWidget(save_);
    bar->addWidget(buildExportButton());
    return bar;
}

QPushButton* LayerMapView::buildMethodsButton() {
    methods_ = new QPushButton(this);
    methods_->setToolTip("The methods Run sweeps, each at its default budget (as `sweep-model --methods`).");
    methodsMenu_ = new QMenu(methods_);
    for (const MethodInfo& info : all_methods()) {
        QAction* action = methodsMenu_->addAction(QString::fromStdString(info.label));
        action->setData(QString::fromStdString(info.name));
        action->setToolTip(QString::fromStdString(info.description));
        action->setCheckable(true);
        action->setChecked(true);
        connect(action, &QAction::toggled, this, &LayerMapView::updateMethodsText);
    }
    methodsMenu_->addSeparator();
    methodsMenu_->addAction("Check all", this, [this] {
        for (QAction* action : methodsMenu_->actions())
            if (action->isCheckable()) action->setChecked(true);
    });
    methods_->setMenu(methodsMenu_);
    updateMethodsText();
    return methods_;
}

QPushButton* LayerMapView::buildExportButton() {
    auto* button = new QPushButton("Export", this);
    button->setToolTip("The heatmap (with its colour bar) or the bars as PNG or SVG; the rows as CSV.");
    button->setMenu(buildExportMenu(button));
    return button;
}

QMenu* LayerMapView::buildExportMenu(QWidget* parent) {
    auto* menu = new QMenu(parent);
    menu->addAction("Heatmap as PNG or SVG…", this, [this] { chooseAndExport(&LayerMapView::exportHeatmap, "layer_map"); });
    menu->addAction("Bars as PNG or SVG…", this, [this] { chooseAndExport(&LayerMapView::exportBars, "layer_map_bars"); });
    menu->addAction("Rows as CSV…", this, &LayerMapView::chooseAndExportCsv);
    return menu;
}

QWidget* LayerMapView::buildMap() {
    heatmapPane_ = new QWidget(this);
    auto* pane = new QHBoxLayout(heatmapPane_);
    pane->setContentsMargins(0, 0, 0, 0);
    pane->setSpacing(4);
    pane->addWidget(heatmap_, 1);
    pane->addWidget(colourBar_);
    auto* map = new QWidget(this);
    auto* layout = new QHBoxLayout(map);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(heatmapPane_, 3);
    layout->addWidget(bars_, 1);
    bars_->setMinimumWidth(340);
    connect(heatmap_, &LayerMapHeatmap::cellClicked, this, &LayerMapView::openCell);
    connect(heatmap_, &LayerMapHeatmap::hovered, this, &LayerMapView::hovered);
    QMenu* menu = buildExportMenu(this);
    auto popUp = [menu](QWidget* view) { return [menu, view](QPoint at) { menu->popup(view->mapToGlobal(at)); }; };
    connect(heatmap_, &QWidget::customContextMenuRequested, this, popUp(heatmap_));
    connect(bars_, &QWidget::customContextMenuRequested, this, popUp(bars_));
    return map;
}

void LayerMapView::connectRunner() {
    connect(runner_, &LayerMapRunner::planned, this, &LayerMapView::onPlanned);
    connect(runner_, &LayerMapRunner::rowsArrived, this, &LayerMapView::onRows);
    connect(runner_, &LayerMapRunner::summaryChanged, model_, &LayerMapModel::setSummary);
    connect(runner_, &LayerMapRunner::opened, this, &LayerMapView::onOpened);
    connect(runner_, &LayerMapRunner::progressed, this, [this](double fraction, const QString& stage) {
        progress_->setValue(static_cast<int>(fraction * progress_->maximum()));
        // One line inside the bar: the stage shortened in its middle (the layer's name) when long.
        const QString percent = QString("  (%1%)").arg(static_cast<int>(fraction * 100));
        const int room = progress_->width() - progress_->fontMetrics().horizontalAdvance(percent) - 16;
        progress_->setFormat(progress_->fontMetrics().elidedText(stage, Qt::ElideMiddle, std::max(40, room)) + percent);
    });
    connect(runner_, &LayerMapRunner::runFinished, this, [this](const QString& out) {
        sweepFile_ = out;
        setRunning(false);
        showStatus(QString("Done: %1 cells of %2. %3").arg(model_->finishedCells()).arg(layerFile_, describeSummary()));
        emit runFinished();
    });
    connect(runner_, &LayerMapRunner::runCanceled, this, [this] {
        sweepFile_ = QString::fromStdString(partial_path(sweepFile_.toStdString()));
        setRunning(false);
        showStatus(QString("Cancelled; the %1 cells that finished stay (Save rows… keeps them).").arg(model_->finishedCells()));
        emit runCanceled();
    });
    connect(runner_, &LayerMapRunner::failed, this, [this](const QString& message) {
        setRunning(false);
        showError(message);
        emit failed(message);
    });
}

void LayerMapView::setOpenFile(const QString& path) {
    openFile_ = path;
    run_->setToolTip(path.isEmpty() ? "Open a layer file first (File › Open): the sweep runs on every layer of it."
                                    : QString("Sweep every layer of %1 with the checked methods, each at its default budget; "
                                              "the rows appear as they finish.")
                                          .arg(path));
    setRunning(isRunning());
}

QStringList LayerMapView::selectedMethods() const {
    QStringList names;
    for (const QAction* action : methodsMenu_->actions())
        if (action->isCheckable() && action->isChecked()) names << action->data().toString();
    return names;
}

void LayerMapView::setSelectedMethods(const QStringList& names) {
    for (QAction* action : methodsMenu_->actions())
        if (action->isCheckable()) action->setChecked(names.contains(action->data().toString()));
}

void LayerMapView::updateMethodsText() {
    int checked = 0, all = 0;
    for (const QAction* action : methodsMenu_->actions())
        if (action->isCheckable()) ++all, checked += action->isChecked();
    methods_->setText(QString("Methods: %1 of %2").arg(checked).arg(all));
}

bool LayerMapView::runOnOpenFile() {
    const QStringList methods = selectedMethods();
    QString refusal;
    if (openFile_.isEmpty()) refusal = "Open a layer file first (File › Open): the sweep runs on every layer of the open file.";
    else if (methods.isEmpty()) refusal = "Check at least one method to sweep.";
    if (!refusal.isEmpty()) {
        showError(refusal);
        emit failed(refusal);
        return false;
    }
    ModelSweepRequest request;
    request.path = openFile_.toStdString();
    std::vector<std::string> names;
    for (const QString& m : methods) names.push_back(m.toStdString());
    request.points = method_points(names, CompressionParams{});
    // The rows go to a file as sweep-model writes them; a folder of its own, removed with the view.
    if (!runFolder_) runFolder_ = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/layerlens-sweep-XXXXXX");
    if (!runFolder_->isValid()) {
        const QString message = "cannot create a temporary folder for the sweep's rows: " + runFolder_->errorString();
        runFolder_.reset();
        showError(message);
        emit failed(message);
        return false;
    }
    sweepFile_ = runFolder_->filePath(QString("%1.sweep-%2.jsonl").arg(QFileInfo(openFile_).completeBaseName()).arg(++runs_));
    layerFile_ = openFile_;
    inputName_ = QFileInfo(openFile_).fileName();
    model_->clear();
    refreshPointBox();
    runner_->start(std::move(request), sweepFile_);
    setRunning(true);
    progress_->setValue(0);
    progress_->setFormat("listing and checksumming the file");
    showStatus(QString("Planning the sweep of %1: %2 methods on every layer.").arg(openFile_).arg(methods.size()));
    return true;
}

void LayerMapView::cancel() { runner_->cancel(); }
bool LayerMapView::isRunning() const { return runner_->isRunning(); }
QString LayerMapView::statusText() const { return status_->text(); }

bool LayerMapView::openSweep(const QString& path) {
    if (path.isEmpty()) return false;
    const bool wasRunning = isRunning();
    runner_->open(path);
    setRunning(false);
    open_->setEnabled(false);
    showStatus(QString("Reading %1%2 …").arg(path, wasRunning ? " (the sweep that ran was stopped)" : ""));
    return true;
}

void LayerMapView::setRunning(bool running) {
    run_->setEnabled(!running && !openFile_.isEmpty());
    cancel_->setEnabled(running);
    open_->setEnabled(true);
    progress_->setVisible(running);
    save_->setEnabled(model_->finishedCells() > 0 && !running);
}

void LayerMapView::showStatus(const QString& text) {
    statusIsError_ = false;
    status_->setStyleSheet(QString());
    status_->setText(text);
}

void LayerMapView::showError(const QString& text) {
    statusIsError_ = true;
    status_->setStyleSheet("color: #c0392b");
    status_->setText(text);
}

void LayerMapView::refreshPointBox() {
    const QSignalBlocker block(point_);
    point_->clear();
    for (int column = 0; column < model_->columnCount(); ++column) point_->addItem(model_->pointLabel(column));
    point_->setCurrentIndex(model_->columnCount() > 0 ? model_->selectedColumn() : -1);
}

void LayerMapView::onPlanned(const LayerMapShape& shape) {
    model_->begin(shape);
    refreshPointBox();
    QString text = QString("Running: %1 layers × %2 points = %3 cells of %4.")
                       .arg(shape.layers.size())
                       .arg(shape.points.size())
                       .arg(shape.layers.size() * shape.points.size())
                       .arg(layerFile_);
    if (!shape.skipped.empty())
        text += QString(" Skipped %1 layers (first: %2).").arg(shape.skipped.size()).arg(QString::fromStdString(shape.skipped.front()));
    showStatus(text);
}

void LayerMapView::onRows(const std::vector<SweepRow>& rows) {
    const int before = model_->columnCount();
    model_->addRows(rows);
    if (model_->columnCount() != before) refreshPointBox();
    const SweepRow& last = rows.back();
    const int cells = model_->rowCount() * model_->columnCount();
    if (isRunning())
        showStatus(QString("Running: %1 of %2 cells; last %3, %4 %5: %6.")
                       .arg(model_->finishedCells())
                       .arg(cells)
                       .arg(QString::fromStdString(last.layer), methodLabel(last.method), QString::fromStdString(last.budget),
                            last.error ? "E = " + QString::number(*last.error, 'g', 4) : QString("failed")));
    emit rowsAdded(model_->finishedCells());
}

void LayerMapView::onOpened(const QString& path, const std::vector<SweepRow>& rows, const ModelSweepSummary& summary,
                            const QString& inputName) {
    model_->setRows(rows, summary);
    refreshPointBox();
    sweepFile_ = path;
    inputName_ = inputName;
    layerFile_.clear();   // found when a cell is first opened
    setRunning(false);
    showStatus(QString("Opened %1: %2 layers × %3 points of %4. %5")
                   .arg(path)
                   .arg(model_->rowCount())
                   .arg(model_->columnCount())
                   .arg(inputName.isEmpty() ? QString("an unnamed file") : inputName, describeSummary()));
    emit sweepOpened(path);
}

QString LayerMapView::describeSummary() const {
    const auto& summary = model_->summary();
    if (!summary) return {};
    QString text;
    if (summary->outliers.empty()) {
        text = QString("No layer is above %1× its method's median.").arg(summary->outlier_factor);
    } else {
        const SweepOutlier& worst = summary->outliers.front();
        text = QString("%1 cells above %2× their method's median; the furthest: %3 with %4 %5, %6× the median.")
                   .arg(summary->outliers.size())
                   .arg(summary->outlier_factor)
                   .arg(QString::fromStdString(worst.layer), methodLabel(worst.method), QString::fromStdString(worst.budget))
                   .arg(worst.median > 0 ? worst.error / worst.median : 0.0, 0, 'f', 1);
    }
    if (!summary->failures.empty()) text += QString(" %1 cells failed.").arg(summary->failures.size());
    return text;
}

}  // namespace layerlens::ui
