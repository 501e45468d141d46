#pragma once
// Every export of File › Export, declared once: its id, menu label, file filter and the function
// that writes it. The menu, its shortcut and the toolbar's Export button are built from this
// table, and MainWindow::exportAs runs an entry by its id.
#include <QString>
#include <string>
#include <vector>

class QWidget;

namespace layerlens {
struct LoadedLayer;
}

namespace layerlens::ui {

class CalibrationModel;
class ComparisonGrid;
class LayerMapModel;
class MetricsModel;
class SweepTab;

enum class ExportKind { GridPng, GridSvg, TabPng, TabSvg, Metrics, Sweep, LayerMap, Calibration, MethodWeights };

// What an export may write, gathered by the window when the user asks.
struct ExportSources {
    ComparisonGrid* grid = nullptr;
    QWidget* currentTab = nullptr;
    const MetricsModel* metrics = nullptr;
    const SweepTab* sweep = nullptr;
    const LayerMapModel* layerMap = nullptr;
    const CalibrationModel* calibration = nullptr;
    const LoadedLayer* layer = nullptr;   // null while nothing is loaded
    QString svgTitle;
    std::string method;                   // MethodWeights: whose Ŵ to write
};

struct ExportAction {
    ExportKind kind;
    const char* label;      // menu entry, also the save dialog's title
    const char* filter;     // save dialog filter; .csv or .json entries write by suffix
    const char* shortcut;   // "" for none
    bool asksMethod;        // the user first picks the method whose result is written
    // Writes to path; throws std::runtime_error naming the path (or the method) and why.
    void (*write)(const ExportSources& sources, const QString& path);
};

// In menu order.
const std::vector<ExportAction>& exportActions();
const ExportAction& exportAction(ExportKind kind);

}  // namespace layerlens::ui
