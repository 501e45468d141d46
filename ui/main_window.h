#pragma once
// The main window of DESIGN.md: left dock (layer info, method panel), tabs Compare | Sweep |
// Calibration | Teach | Model, toolbar Open / Run / Cancel / Export, status bar (what is loaded, what runs, what the
// mouse is over). It owns the loader and the runner (both off the GUI thread); the Compare tab
// shows what the runner delivers, the window says in its status bar how far the run is.
#include <QMainWindow>
#include <functional>
#include <string>
#include <vector>

#include "export_actions.h"
#include "layer_loader.h"
#include "layer_source.h"
#include "result_cache.h"
#include "run_types.h"

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QTabWidget;

namespace layerlens::ui {

class CalibrationView;
class ChannelFocus;
class CompareTab;
class MethodPanel;
class MethodRunner;
class ModelTab;
class StartPage;
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
    // Runs the panel's selection on the loaded layer; false (and runRefused) when invalid. A
    // method whose layer and settings are those of a result already shown is not computed again
    // (ResultCache); `again` computes every method anyway.
    bool runComparison(bool again = false);
    // The methods of the last run that were delivered from the cache instead of computed.
    int reusedInLastRun() const { return reusedInRun_; }
    // The toolbar's Run and Cancel: the Model tab's evaluation when it is in view, else the comparison.
    void runCurrentTab();
    void cancelCurrentTab();
    QAction* runAction() const { return runAction_; }
    void cancelRun();
    bool isRunning() const;
    // After a load, run the comparison at once (the first-start experience).
    void setRunOnLoad(bool on) { runOnLoad_ = on; }
    // Dialogs are skipped (messages go to the status bar and signals) in tests and screenshots.
    void setInteractive(bool on);
    // A cell of the layer map: opens `layer` of `path` in the comparison with the method checked
    // and the shared budget set to `budget` (a sweep's label, "50%", "INT4 g128"), then runs as
    // any load does. False, with the reason in the status bar, for a budget it cannot read.
    bool openLayerWithBudget(const QString& path, const QString& layer, const QString& method, const QString& budget);

    const LoadedLayer* loadedLayer() const { return layer_ ? layer_->loaded.get() : nullptr; }
    LayerViewPtr layerView() const { return layer_; }
    MethodPanel* methodPanel() const { return panel_; }
    ChannelFocus* focus() const { return focus_; }
    MethodRunner* runner() const { return runner_; }
    QTabWidget* tabs() const { return tabs_; }
    CompareTab* compareTab() const { return compare_; }
    SweepTab* sweepTab() const { return sweep_; }
    CalibrationView* calibrationView() const { return calibration_; }
    TeachTab* teachTab() const { return teach_; }
    ModelTab* modelTab() const { return model_; }
    // Shown instead of the tabs while a load failed and nothing is loaded.
    StartPage* startPage() const { return startPage_; }

    // Exports; each returns an empty string on success or the message it also shows.
    // One entry of File › Export to `path`; `method` names the result for MethodWeights.
    QString exportAs(ExportKind kind, const QString& path, const std::string& method = {});
    // Any one view, as the right-click menu of every view offers, under `caption` when given.
    QString exportPng(QWidget* view, const QString& path, const QString& caption = {});
    QString exportSvg(QWidget* view, const QString& path, const QString& caption = {});
    // What an exported view is called ("AWQ · scatter · layers.2.w2") from its name ("awq_scatter").
    QString viewCaption(const QString& name) const;

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
    // Building the window, in the order the constructor calls them.
    QDockWidget* buildDock();
    QTabWidget* buildTabs();
    void buildStatusBar();
    void createActions();
    void buildMenus();
    QMenu* buildExportMenu();
    void buildToolBar();
    void connectLoader();
    void connectRunner();

    void onLayerLoaded(const LayerViewPtr& layer);
    void onLoadFailed(const QString& source, const QString& message);
    void showRunning(int job, double fraction, const QString& stage);
    void onRunEnded(const QString& why);
    void showLayerInfo();
    // The layer dock belongs to the layer tabs; the Model tab has its own settings.
    void showDockForTab();
    void showHover(int channel);
    void showLessonOnLayer();
    void connectModelTab();
    void connectCalibrationView();
    void reportError(const QString& title, const QString& message);
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void chooseAndOpen();
    void openDemo();
    // For a layer whose file holds weights only, asks for its inputs file; false when cancelled.
    bool askForInputs(const std::vector<LayerInfo>& layers, LayerSource& source);
    void chooseAndOpenWithInputs();
    // Asks where (and for MethodWeights, which method), then runs that export.
    void chooseAndExport(const ExportAction& action);
    // Asks for a .png or .svg path and writes that one view.
    void chooseAndExportView(QWidget* view, const QString& name);
    // Runs one export, reports a failure in a dialog and as exportFailed; returns the error or "".
    QString runExport(const QString& path, const std::function<void()>& write);
    QString svgTitle() const;

    ChannelFocus* focus_;
    LayerLoader* loader_;
    MethodRunner* runner_;
    MethodPanel* panel_;
    QLabel* layerInfo_;
    QDockWidget* layerDock_ = nullptr;
    QTabWidget* tabs_;
    QStackedWidget* centre_ = nullptr;
    StartPage* startPage_ = nullptr;
    CompareTab* compare_;
    SweepTab* sweep_;
    CalibrationView* calibration_;
    TeachTab* teach_;
    ModelTab* model_;
    QLabel* loadedStatus_;
    QLabel* runStatus_;
    QLabel* hoverStatus_;
    QProgressBar* runProgress_;
    QAction* openAction_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QMenu* exportMenu_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    LayerViewPtr layer_;
    LayerSource requestedSource_;   // the last one given to the loader
    LayerSource loadedSource_;      // the one layer_ came from
    std::vector<MethodJob> runJobs_;
    ResultCache results_;
    int runDone_ = 0;
    int reusedInRun_ = 0;
    bool runOnLoad_ = true;
    bool interactive_ = true;
};

}  // namespace layerlens::ui
