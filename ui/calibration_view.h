#pragma once
// The Calibration tab: is the calibration set of the layer open in the window good enough?
// (`layerlens-cli calibration`, core/calibration/.) Set A is the layer's own inputs and set B a
// second calibration set, or without one the first and second half of its tokens. Run reads the
// layer's rows and checks them in the view's own worker (cancellable), then shows the two sets'
// salient channels and their overlap, how stable that set is under resampling (with its curve
// against tokens), and per method the penalty of calibrating on other data with the resampling
// spread of E, as a chart and a table. The channels that entered or left the salient set can be
// marked in the comparison's scatters and heatmaps. Export writes the charts as PNG or SVG and
// the table as the CLI's CSV. Every failure is a message in the view that names the file.
#include <QStringList>
#include <QWidget>
#include <functional>
#include <vector>

#include "layer_loader.h"
#include "layer_source.h"
#include "model/model_eval_plan.h"

class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QToolButton;

namespace layerlens::ui {

class CalibrationModel;
class CalibrationPenaltyChart;
class CalibrationRunner;
class CalibrationTokensChart;
class ChannelFocus;
class MethodPanel;

class CalibrationView : public QWidget {
    Q_OBJECT
public:
    // The panel gives the default methods and every method's budget; the focus carries the marks.
    CalibrationView(MethodPanel* panel, ChannelFocus* focus, QWidget* parent = nullptr);
    ~CalibrationView() override;

    // The layer open in the window: an earlier check (and a run in flight) is dropped.
    void setLayer(const LayerSource& source, const LayerViewPtr& layer);
    // Checks the layer as set up; false (and the reason shown) when refused.
    bool run();
    void cancel();
    bool isRunning() const;
    // Without dialogs (tests, screenshots).
    void setInteractive(bool on) { interactive_ = on; }

    // Set B: a file (HDF5 with a group of the layer's name, or .npy), or "" for the two halves.
    void setSecondInputs(const QString& path);
    QString secondInputs() const { return secondInputs_; }
    void setResamples(int resamples);
    void setSeed(int seed);
    // The methods Run checks: the panel's checked ones (or kDefaultMethods when none is) until
    // the view's own menu is used.
    QStringList selectedMethods() const;
    void setSelectedMethods(const QStringList& names);
    // The methods at the panel's budgets (a method the panel does not check: its defaults), with
    // the view's seed: what Run hands to check_calibration.
    std::vector<ModelEvalPoint> points() const;

    // Marks the last check's entered and left channels in the comparison; false when there are none.
    bool showChannelsInComparison();

    // Each returns the error message, or "" on success. A path ending in .svg writes SVG, else PNG.
    QString exportChart(const QString& path);
    QString exportTokensChart(const QString& path);
    QString exportCsv(const QString& path);

    CalibrationModel* model() const { return model_; }
    CalibrationRunner* runner() const { return runner_; }
    CalibrationPenaltyChart* penaltyChart() const { return penaltyChart_; }
    CalibrationTokensChart* tokensChart() const { return tokensChart_; }
    QTableView* table() const { return table_; }
    QPushButton* runButton() const { return run_; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* showChannelsButton() const { return showChannels_; }
    QSpinBox* resamplesBox() const { return resamples_; }
    QSpinBox* seedBox() const { return seed_; }
    QString overlapText() const;
    QString stabilityText() const;
    QString statusText() const;
    bool statusIsError() const { return statusIsError_; }

    static const QStringList kDefaultMethods;

signals:
    void runFinished();
    void runCanceled();
    void failed(const QString& message);
    // The marks are set; the window shows the comparison.
    void channelsShown();
    // Right click on a chart or the table: export that view (the window asks where).
    void exportViewRequested(QWidget* view, const QString& name);

protected:
    void showEvent(QShowEvent*) override;

private:
    QLayout* buildControls();
    QWidget* buildResults();
    QPushButton* buildMethodsButton();
    QPushButton* buildExportButton();
    void connectRunner();
    void setRunning(bool running);
    void updateMethodsText();
    void updateSecondInputsText();
    void showResults();
    void showStatus(const QString& text);
    void showError(const QString& text);
    QString writeView(QWidget* view, const QString& path);
    // Runs one export's write; its failure is shown and returned, its success said in the status.
    QString reportExport(const QString& path, const std::function<void()>& write);
    void chooseSecondInputs();
    void chooseAndExport(QString (CalibrationView::*write)(const QString&), const QString& name);
    void chooseAndExportCsv();

    MethodPanel* panel_;
    ChannelFocus* focus_;
    CalibrationRunner* runner_;
    CalibrationModel* model_;
    CalibrationPenaltyChart* penaltyChart_;
    CalibrationTokensChart* tokensChart_;
    QTableView* table_;
    QPushButton* chooseSecond_;
    QToolButton* useHalves_;
    QLabel* secondLabel_;
    QSpinBox* resamples_;
    QSpinBox* seed_;
    QPushButton* methods_ = nullptr;
    QMenu* methodsMenu_ = nullptr;
    QPushButton* run_;
    QPushButton* cancel_;
    QPushButton* showChannels_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* overlap_;
    QLabel* sets_;
    QLabel* stability_;
    LayerSource source_;
    LayerViewPtr layer_;
    QString secondInputs_;
    bool followPanel_ = true;   // the methods are the panel's until the view's menu is used
    bool interactive_ = true;
    bool statusIsError_ = false;
};

}  // namespace layerlens::ui
