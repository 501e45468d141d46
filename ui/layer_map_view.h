#pragma once
#include <functional>
// The Model tab's Layer map: which layers of a file each method finds hard, from a model sweep
// (every checked method at its default budget on every layer, core/model_sweep/). The sweep runs
// in the view's own worker on the file open in the window, its rows appearing as they finish and
// written to a JSONL in a temporary folder (Save rows… keeps a copy); or a JSONL written by
// `layerlens-cli sweep-model` (or by Save rows…) opens into the same views. The heatmap (layers ×
// points, E on one log scale), its colour bar and the bars of the selected point share one row
// order, by file or by E. Clicking a cell asks the window to open that layer in the comparison
// with that point's budget (layerRequested). Export (and a right click on either view) writes
// the heatmap or the bars as PNG or SVG, the rows as CSV. Every failure is a message in the view
// and `failed`; the views keep what they showed.
#include <QStringList>
#include <QWidget>
#include <memory>

class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTemporaryDir;

namespace layerlens {
struct ModelSweepSummary;
struct SweepRow;
}  // namespace layerlens

namespace layerlens::ui {

class LayerMapBars;
class LayerMapColourBar;
class LayerMapHeatmap;
class LayerMapModel;
class LayerMapRunner;
struct LayerMapShape;

class LayerMapView : public QWidget {
    Q_OBJECT
public:
    explicit LayerMapView(QWidget* parent = nullptr);
    ~LayerMapView() override;

    // The layer file open in the window ("" for none or the demo): what Run sweeps, and where a
    // cell of an opened JSONL is looked for when the file is not beside it.
    void setOpenFile(const QString& path);
    // Sweeps the open file with the checked methods; false (and the reason shown) when refused.
    bool runOnOpenFile();
    void cancel();
    bool isRunning() const;
    // Reads a sweep JSONL in the background; sweepOpened or failed follows. False when refused at once.
    bool openSweep(const QString& path);
    // The checked methods (registry names); all by default.
    QStringList selectedMethods() const;
    void setSelectedMethods(const QStringList& names);
    // Asks for `layer` with the budget of point `column`: layerRequested, or false with a
    // message when the layer file cannot be found.
    bool openCell(const QString& layer, int column);
    // Without dialogs (tests, screenshots): a layer file that is not found is a message.
    void setInteractive(bool on) { interactive_ = on; }

    // Each returns the error message, or "" on success. A path ending in .svg writes SVG, else PNG.
    QString saveRows(const QString& path);
    QString exportHeatmap(const QString& path);
    QString exportBars(const QString& path);
    QString exportCsv(const QString& path);

    LayerMapModel* model() const { return model_; }
    LayerMapRunner* runner() const { return runner_; }
    LayerMapHeatmap* heatmap() const { return heatmap_; }
    LayerMapColourBar* colourBar() const { return colourBar_; }
    LayerMapBars* bars() const { return bars_; }
    // The heatmap with its colour bar, as Export writes it.
    QWidget* heatmapPane() const { return heatmapPane_; }
    QPushButton* runButton() const { return run_; }
    QPushButton* cancelButton() const { return cancel_; }
    QComboBox* sortBox() const { return sort_; }
    QComboBox* pointBox() const { return point_; }
    // The JSONL the rows shown are in: the opened file, or the run's (OUT, or OUT.partial after a cancel).
    QString sweepFile() const { return sweepFile_; }
    QString statusText() const;
    bool statusIsError() const { return statusIsError_; }

signals:
    void sweepOpened(const QString& path);
    void rowsAdded(int cells);
    void runFinished();
    void runCanceled();
    void failed(const QString& message);
    void layerRequested(const QString& file, const QString& layer, const QString& method, const QString& budget);
    void hovered(const QString& oneLine);

private:
    QLayout* buildToolbar();
    QWidget* buildMap();
    QPushButton* buildMethodsButton();
    QPushButton* buildExportButton();
    // The Export button's entries, also the right-click menu of the heatmap and the bars.
    QMenu* buildExportMenu(QWidget* parent);
    void connectRunner();
    void setRunning(bool running);
    void updateMethodsText();
    void refreshPointBox();
    void showStatus(const QString& text);
    void showError(const QString& text);
    void onPlanned(const LayerMapShape& shape);
    void onRows(const std::vector<SweepRow>& rows);
    void onOpened(const QString& path, const std::vector<SweepRow>& rows, const ModelSweepSummary& summary,
                  const QString& inputName);
    QString describeSummary() const;
    QString layerFileForCells();
    QString writeView(QWidget* view, const QString& path);
    // Runs one export's write; its failure is shown and returned, its success said in the status.
    QString reportExport(const QString& path, const std::function<void()>& write);
    void chooseAndOpen();
    void chooseAndSave();
    void chooseAndExport(QString (LayerMapView::*write)(const QString&), const QString& name);
    void chooseAndExportCsv();

    LayerMapRunner* runner_;
    LayerMapModel* model_;
    LayerMapHeatmap* heatmap_;
    LayerMapColourBar* colourBar_;
    LayerMapBars* bars_;
    QWidget* heatmapPane_ = nullptr;
    QPushButton* open_;
    QPushButton* run_;
    QPushButton* cancel_;
    QPushButton* save_;
    QPushButton* methods_ = nullptr;
    QMenu* methodsMenu_ = nullptr;
    QComboBox* sort_;
    QComboBox* point_;
    QProgressBar* progress_;
    QLabel* status_;
    QString openFile_;
    QString layerFile_;   // the file the rows are of, once known
    QString inputName_;   // the file name an opened JSONL gives
    QString sweepFile_;
    std::unique_ptr<QTemporaryDir> runFolder_;
    int runs_ = 0;
    bool interactive_ = true;
    bool statusIsError_ = false;
};

}  // namespace layerlens::ui
