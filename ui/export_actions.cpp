#include "export_actions.h"

#include <stdexcept>

#include "calibration_model.h"
#include "comparison_grid.h"
#include "export_files.h"
#include "io/result_export.h"
#include "layer_map_model.h"
#include "layer_source.h"
#include "metrics_model.h"
#include "sweep_tab.h"

namespace layerlens::ui {

namespace {

bool wantsJson(const QString& path) { return path.endsWith(".json", Qt::CaseInsensitive); }

void writeMetrics(const ExportSources& s, const QString& path) {
    saveText(wantsJson(path) ? s.metrics->toJson() : s.metrics->toCsv().toUtf8(), path);
}

void writeSweep(const ExportSources& s, const QString& path) {
    saveText(wantsJson(path) ? s.sweep->toJson() : s.sweep->toCsv().toUtf8(), path);
}

void writeLayerMap(const ExportSources& s, const QString& path) {
    if (s.layerMap->finishedCells() == 0) throw std::runtime_error("the layer map holds no rows yet (Model › Layer map)");
    saveText(s.layerMap->toCsv().toUtf8(), path);
}

void writeCalibration(const ExportSources& s, const QString& path) {
    if (!s.calibration->run()) throw std::runtime_error("no calibration check to export yet (Calibration › Run)");
    saveText(s.calibration->toCsv().toUtf8(), path);
}

void writeMethodWeights(const ExportSources& s, const QString& path) {
    const int row = s.metrics->rowOf(s.method);
    if (!s.layer || row < 0 || !s.metrics->outcomeAt(row) || !s.metrics->outcomeAt(row)->result)
        throw std::runtime_error("no result of " + s.method + " to export");
    // core writes to a temporary name and renames: a failure leaves any earlier file.
    export_result(path.toStdString(), s.layer->layer, *s.metrics->outcomeAt(row)->result, true);
}

}  // namespace

const std::vector<ExportAction>& exportActions() {
    static const std::vector<ExportAction> actions = {
        {ExportKind::GridPng, "Comparison grid as PNG…", "PNG (*.png)", "Ctrl+E", false,
         [](const ExportSources& s, const QString& path) {
             savePaintedPng(s.grid->exportSize(), [&](QPainter& p) { s.grid->renderForExport(p, s.svgTitle); }, path);
         }},
        {ExportKind::GridSvg, "Comparison grid as SVG…", "SVG (*.svg)", "", false,
         [](const ExportSources& s, const QString& path) {
             savePaintedSvg(s.grid->exportSize(), [&](QPainter& p) { s.grid->renderForExport(p, s.svgTitle); }, path, s.svgTitle);
         }},
        {ExportKind::TabPng, "Current tab as PNG…", "PNG (*.png)", "", false,
         [](const ExportSources& s, const QString& path) { saveWidgetPng(s.currentTab, path); }},
        {ExportKind::TabSvg, "Current tab as SVG…", "SVG (*.svg)", "", false,
         [](const ExportSources& s, const QString& path) { saveWidgetSvg(s.currentTab, path, s.svgTitle); }},
        {ExportKind::Metrics, "Metrics as CSV or JSON…", "CSV (*.csv);;JSON (*.json)", "", false, writeMetrics},
        {ExportKind::Sweep, "Sweep as CSV or JSON…", "CSV (*.csv);;JSON (*.json)", "", false, writeSweep},
        {ExportKind::LayerMap, "Layer map rows as CSV…", "CSV (*.csv)", "", false, writeLayerMap},
        {ExportKind::Calibration, "Calibration check as CSV…", "CSV (*.csv)", "", false, writeCalibration},
        {ExportKind::MethodWeights, "A method's Ŵ as HDF5…", "HDF5 (*.h5)", "", true, writeMethodWeights},
    };
    return actions;
}

const ExportAction& exportAction(ExportKind kind) {
    for (const ExportAction& action : exportActions())
        if (action.kind == kind) return action;
    throw std::logic_error("an ExportKind without an entry in exportActions()");
}

}  // namespace layerlens::ui
