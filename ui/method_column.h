#pragma once
// One method's column of the comparison grid: its name and E, a progress bar while it runs,
// then its heatmap, scatter and protection strip. A column whose result is from an earlier
// (or a failed/cancelled) run keeps showing it, marked as such.
#include <QWidget>

#include "run_types.h"

class QComboBox;
class QLabel;
class QProgressBar;

namespace layerlens::ui {

class ChannelFocus;
class HeatmapState;
class HeatmapWidget;
class MaskStripWidget;
class ScatterWidget;

class MethodColumn : public QWidget {
    Q_OBJECT
public:
    MethodColumn(const std::string& method, HeatmapState* state, ChannelFocus* focus, QWidget* parent = nullptr);
    const std::string& method() const { return method_; }
    void setLayer(std::shared_ptr<const LayerViewData> layer);
    void setQueued();
    void setRunning(double fraction, const QString& stage);
    void setOutcome(const OutcomePtr& outcome);
    // The run ended without a new result for this column: keep the old one, say why.
    void markStale(const QString& why);
    const OutcomePtr& outcome() const { return outcome_; }
    bool isStale() const { return stale_; }

    HeatmapWidget* heatmap() const { return heatmap_; }
    ScatterWidget* scatter() const { return scatter_; }
    MaskStripWidget* strip() const { return strip_; }
    QProgressBar* progressBar() const { return progress_; }
    QString statusText() const;
    // A narrow column (the grid's fitted layout) keeps its title and status to a fixed number of
    // lines, so every column of a row starts its heatmap at the same height and they compare by eye.
    void setCompact(bool narrow);

signals:
    void hovered(const QString& readout);
    // Right click on a view: export that view (the window asks where).
    void exportViewRequested(QWidget* view, const QString& name);

private:
    void showProtection(int index);

    std::string method_;
    QLabel* title_;
    QLabel* status_;
    QProgressBar* progress_;
    HeatmapWidget* heatmap_;
    QComboBox* protectionChoice_;
    ScatterWidget* scatter_;
    MaskStripWidget* strip_;
    QLabel* summary_;   // "1 of 172 channels protected": a lone protected dot is easy to miss
    OutcomePtr outcome_;
    bool stale_ = false;
};

}  // namespace layerlens::ui
