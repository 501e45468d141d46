#pragma once
#include <functional>
// The main window of DESIGN.md: left dock (layer info, method panel), tabs Compare | Sweep |
// Teach, toolbar Open / Run / Cancel / Export, status bar (what is loaded, what runs, what the
// mouse is over). It wires the loader and runner (both off the GUI thread) to the views.
#include <QMainWindow>
#include <memory>

#include "layer_loader.h"
#include "layer_source.h"
#include "run_types.h"

class QLabel;
class QMenu;
class QProgressBar;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace layerlens::ui {

class ChannelFocus;
class ComparisonGrid;
class LossCurveWidget;
class MethodPanel;
class MethodRunner;
class MetricsModel;
class SweepTab;
class TeachTab;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads off the GUI thread; layerLoaded or loadFailed follows.
    void openSource(const LayerSource& source);
    // A file: its only layer, `layer`, or the layer the user picks in the browser.
    void openFile(const QString& path, const QString& layer = {}, const QString& inputsPath = {});
    // Runs the panel's selection on the loaded layer; false (and runRefused) when invalid.
    bool runComparison();
    void cancelRun();
    bool isRunning() const;
    // After a load, run the comparison at once (the first-start experience).
    void setRunOnLoad(bool on) { runOnLoad_ = on; }

    const LoadedLayer* loadedLayer() const { return layer_ ? layer_->loaded.get() : nullptr; }
    LayerViewPtr layerView() const { return layer_; }
    ComparisonGrid* grid() const { return grid_; }
    LossCurveWidget* lossCurve() const { return lossCurve_; }
    MetricsModel* metrics() const { return metrics_; }
    QTableView* metricsView() const { return metricsView_; }
    MethodPanel* methodPanel() const { return panel_; }
    ChannelFocus* focus() const { return focus_; }
    MethodRunner* runner() const { return runner_; }
    QTabWidget* tabs() const { return tabs_; }
    SweepTab* sweepTab() const { return sweep_; }
    TeachTab* teachTab() const { return teach_; }
    QWidget* compareTab() const { return compare_; }

    // Exports; each returns an empty string on success or the message it also shows.
    QString exportPng(QWidget* what, const QString& path);
    QString exportSvg(QWidget* what, const QString& path);
    QString exportMetrics(const QString& path);   // .csv or .json by suffix
    QString exportMethodWeights(const std::string& method, const QString& path);
    // Dialogs are skipped (messages go to the status bar and signals) in tests and screenshots.
    void setInteractive(bool on) { interactive_ = on; }

signals:
    void layerLoaded();
    void loadFailed(const QString& message);
    void runFinished();
    void runCanceled();
    void runFailed(const QString& message);
    void runRefused(const QString& message);
    void exportFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    // Runs one export, reports a failure in a dialog and as exportFailed; returns the error or "".
    QString runExport(const QString& path, const std::function<void()>& write);
    void buildActions();
    void onLayerLoaded(const LayerViewPtr& layer);
    void onLoadFailed(const QString& source, const QString& message);
    void onMethodFinished(const OutcomePtr& outcome);
    void onRunEnded(const QString& why);
    void showLayerInfo();
    void showHover(int channel);
    void reportError(const QString& title, const QString& message);
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void chooseAndOpen();
    void chooseAndOpenWithInputs();
    void chooseAndExport(int kind);
    // Asks for a .png or .svg path and writes that one view.
    void exportView(QWidget* view, const QString& name);

    ChannelFocus* focus_;
    LayerLoader* loader_;
    MethodRunner* runner_;
    MethodPanel* panel_;
    QLabel* layerInfo_;
    QTabWidget* tabs_;
    QWidget* compare_;
    ComparisonGrid* grid_;
    LossCurveWidget* lossCurve_;
    MetricsModel* metrics_;
    QSortFilterProxyModel* sortedMetrics_;
    QTableView* metricsView_;
    SweepTab* sweep_;
    TeachTab* teach_;
    QLabel* loadedStatus_;
    QLabel* runStatus_;
    QLabel* hoverStatus_;
    QProgressBar* runProgress_;
    QMenu* recentMenu_ = nullptr;
    LayerViewPtr layer_;
    std::vector<MethodJob> runJobs_;
    int runDone_ = 0;
    bool runOnLoad_ = true;
    bool interactive_ = true;
};

}  // namespace layerlens::ui
