#pragma once
// The Compare tab's grid: one MethodColumn per method (scrolling horizontally when many), the
// map switch (salience / Wanda score / error map), one shared colour bar and scale, shared
// scatter axes, and the legend of the channels another view marked (ChannelFocus::marks). It
// owns the shared HeatmapState; the ChannelFocus is the window's.
#include <QWidget>
#include <vector>

#include "layer_loader.h"
#include "run_types.h"

class QButtonGroup;
class QCheckBox;
class QHBoxLayout;
class QLabel;

namespace layerlens::ui {

class ChannelFocus;
class HeatmapState;
class MethodColumn;

class ComparisonGrid : public QWidget {
    Q_OBJECT
public:
    ComparisonGrid(ChannelFocus* focus, QWidget* parent = nullptr);
    void setLayer(const LayerViewPtr& layer);
    // A run of these jobs starts: one column per job, previous results kept until replaced.
    void beginRun(const std::vector<MethodJob>& jobs);
    void onMethodStarted(int job);
    void onMethodProgressed(int job, double fraction, const QString& stage);
    void onMethodFinished(const OutcomePtr& outcome);
    // The run ended without finishing every column: mark the rest.
    void endRun(const QString& why);

    const std::vector<MethodColumn*>& columns() const { return columns_; }
    MethodColumn* column(const std::string& method) const;
    HeatmapState* state() const { return state_; }
    void setLogScatter(bool on);
    // What the marks mean, as shown above the columns; empty (and hidden) without marks.
    QString marksLegend() const;

signals:
    void hovered(const QString& readout);
    void exportViewRequested(QWidget* view, const QString& name);

private:
    void updateColourRange();
    QWidget* buildMarksLegend();
    void showMarksLegend();
    MethodColumn* columnOfJob(int job) const;

    ChannelFocus* focus_;
    HeatmapState* state_;
    LayerViewPtr layer_;
    QWidget* columnsArea_;
    QHBoxLayout* columnsLayout_;
    QButtonGroup* mapChoice_;
    QCheckBox* logColour_;
    QCheckBox* logScatter_;
    QWidget* marksRow_ = nullptr;
    QLabel* marksLegend_ = nullptr;
    std::vector<MethodColumn*> columns_;
    std::vector<std::string> jobMethods_;
    std::vector<bool> finishedThisRun_;
};

}  // namespace layerlens::ui
