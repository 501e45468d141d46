// The layer map's files: where the layer file of a cell is, the rows saved as JSONL, the views
// exported as PNG or SVG and the rows as CSV (LayerMapView's file half; layer_map_view.cpp holds
// its widgets and its run).
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>

#include "export_files.h"
#include "layer_map_bars.h"
#include "layer_map_model.h"
#include "layer_map_view.h"
#include "model_sweep/model_sweep_rows.h"

namespace layerlens::ui {

namespace {
const char* kJsonlFilter = "Sweep rows (*.jsonl);;All files (*)";
}

QString LayerMapView::layerFileForCells() {
    if (!layerFile_.isEmpty()) return layerFile_;
    // An opened JSONL names its layer file only by name: beside the JSONL, or the file open in
    // the window when its name is that name; else the user is asked.
    const QString beside = QFileInfo(sweepFile_).dir().filePath(inputName_);
    if (!inputName_.isEmpty() && QFileInfo(beside).isFile()) layerFile_ = beside;
    else if (!openFile_.isEmpty() && (inputName_.isEmpty() || QFileInfo(openFile_).fileName() == inputName_)) layerFile_ = openFile_;
    else if (interactive_)
        layerFile_ = QFileDialog::getOpenFileName(this, QString("Where is %1, the layer file of this sweep?").arg(inputName_),
                                                  QFileInfo(sweepFile_).path(), QString("%1;;All files (*)").arg(inputName_));
    return layerFile_;
}

bool LayerMapView::openCell(const QString& layer, int column) {
    if (column < 0 || column >= model_->columnCount()) return false;
    const QString file = layerFileForCells();
    if (file.isEmpty()) {
        const QString message = QString("Cannot open %1: the sweep's layer file %2 is neither beside %3 nor open in the window "
                                        "(open it with File › Open, then click again).")
                                    .arg(layer, inputName_.isEmpty() ? QString("(unnamed)") : inputName_, sweepFile_);
        showError(message);
        emit failed(message);
        return false;
    }
    const SweepPointKey& point = model_->point(column);
    emit layerRequested(file, layer, QString::fromStdString(point.method), QString::fromStdString(point.budget));
    return true;
}

QString LayerMapView::saveRows(const QString& path) {
    try {
        // The rows as stored, in the order they came: the file reads back as the same sweep.
        write_sweep_file(path.toStdString(), model_->rows(), true);
    } catch (const std::exception& e) {
        const QString message = "Not saved: " + QString::fromUtf8(e.what());
        showError(message);
        emit failed(message);
        return message;
    }
    showStatus(QString("Saved %1 rows to %2.").arg(model_->rows().size()).arg(path));
    return {};
}

QString LayerMapView::reportExport(const QString& path, const std::function<void()>& write) {
    try {
        write();
    } catch (const std::exception& e) {
        const QString message = QString::fromUtf8(e.what());
        showError("Export failed: " + message);
        emit failed(message);
        return message;
    }
    showStatus("Wrote " + path + ".");
    return {};
}

QString LayerMapView::writeView(QWidget* view, const QString& path) {
    return reportExport(path, [&] {
        // Captioned, so the picture says which sweep it shows.
        const QString title = "LayerLens layer map " + sweepFile_;
        if (path.endsWith(".svg", Qt::CaseInsensitive)) saveWidgetSvg(view, path, title, title);
        else saveWidgetPng(view, path, title);
    });
}

QString LayerMapView::exportHeatmap(const QString& path) { return writeView(heatmapPane_, path); }
QString LayerMapView::exportBars(const QString& path) {
    // Alone, the bars need the layer names the heatmap shows beside them in the window: the same
    // bars, drawn again with names, as wide as the names need more.
    LayerMapBars named(model_);
    named.setLayerNames(true);
    named.setFont(bars_->font());
    named.resize(bars_->width() + named.namesWidth(), bars_->height());
    return writeView(&named, path);
}

QString LayerMapView::exportCsv(const QString& path) {
    return reportExport(path, [&] { saveText(model_->toCsv().toUtf8(), path); });
}

void LayerMapView::chooseAndOpen() {
    const QString path = QFileDialog::getOpenFileName(this, "Open a sweep (JSONL of layerlens-cli sweep-model)", {}, kJsonlFilter);
    if (!path.isEmpty()) openSweep(path);
}

void LayerMapView::chooseAndSave() {
    const QString path = QFileDialog::getSaveFileName(this, "Save the sweep's rows", QFileInfo(sweepFile_).fileName(), kJsonlFilter);
    if (!path.isEmpty()) saveRows(path);
}

void LayerMapView::chooseAndExport(QString (LayerMapView::*write)(const QString&), const QString& name) {
    const QString path = QFileDialog::getSaveFileName(this, "Export " + name, name + ".png", "PNG (*.png);;SVG (*.svg)");
    if (!path.isEmpty()) (this->*write)(path);
}

void LayerMapView::chooseAndExportCsv() {
    const QString path = QFileDialog::getSaveFileName(this, "Export the rows as CSV", "layer_map.csv", "CSV (*.csv)");
    if (!path.isEmpty()) exportCsv(path);
}

}  // namespace layerlens::ui
