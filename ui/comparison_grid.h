#pragma once
// The Compare tab's grid: one MethodColumn per method, the map switch (salience / Wanda score /
// error map), one shared colour bar and scale, shared scatter axes, the legend of what the
// scatter dots mean, a first-run hint towards the error map, and the legend of the channels
// another view marked (ChannelFocus::marks). It owns the shared HeatmapState; the ChannelFocus
// is the window's.
//
// Two layouts. FitWindow (the default) keeps every column in view: columns shrink down to
// kFitMinimumWidth, the narrowest at which a heatmap still shows its outlier columns and a scatter
// its cloud (the axes are shared, so narrow columns draw no ticks and a legend names the axes);
// below that the grid wraps into balanced rows when the rows fit the height, and otherwise stays
// one row of narrow columns that scrolls sideways, each column whole. Shrinking before wrapping
// keeps the comparison in one row, side by side, at the usual window size; wrapping uses a tall
// window; scrolling is the last resort and shows its scrollbar, so nothing is hidden silently. ScrollOneRow is the design's original one column per
// method at kScrollColumnWidth, scrolling horizontally.
#include <QWidget>
#include <vector>

#include "layer_loader.h"
#include "run_types.h"

class QButtonGroup;
class QCheckBox;
class QGridLayout;
class QLabel;
class QPainter;
class QScrollArea;

namespace layerlens::ui {

class ChannelFocus;
class ColourBarWidget;
class HeatmapState;
class MethodColumn;

class ComparisonGrid : public QWidget {
    Q_OBJECT
public:
    enum class ColumnLayout { FitWindow, ScrollOneRow };
    static constexpr int kFitMinimumWidth = 88;
    static constexpr int kScrollColumnWidth = 250;
    // A column's size in "Export grid": the scroll layout's width, tall enough for every view.
    static constexpr int kExportColumnWidth = 300;
    static constexpr int kExportColumnHeight = 640;
    static constexpr int kExportHeaderHeight = 64;

    ComparisonGrid(ChannelFocus* focus, QWidget* parent = nullptr);
    void setColumnLayout(ColumnLayout layout);
    ColumnLayout columnLayout() const { return columnLayout_; }
    // How many columns share a row in the current layout and width.
    int columnsPerRow() const { return columnsPerRow_; }
    QScrollArea* scrollArea() const { return scroll_; }

    // "Export grid": every column at kExportColumnWidth x kExportColumnHeight, side by side under a
    // title and the shared colour bar, whatever the window shows (scrolled away, shrunk, wrapped).
    QSize exportSize() const;
    void renderForExport(QPainter& painter, const QString& title);
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
    void columnLayoutChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateColourRange();
    QWidget* buildMarksLegend();
    QWidget* buildErrorMapHint();
    QWidget* buildDotLegend();
    void showMarksLegend();
    MethodColumn* columnOfJob(int job) const;
    // Puts the columns into rows for the current layout and viewport width.
    void placeColumns();
    int fitColumnsPerRow(int width) const;
    void showAxesLegend();

    ChannelFocus* focus_;
    HeatmapState* state_;
    LayerViewPtr layer_;
    QWidget* columnsArea_;
    QGridLayout* columnsLayout_;
    QScrollArea* scroll_;
    ColourBarWidget* colourBar_;
    ColumnLayout columnLayout_ = ColumnLayout::FitWindow;
    int columnsPerRow_ = 1;
    bool placing_ = false;
    QButtonGroup* mapChoice_;
    QCheckBox* logColour_;
    QCheckBox* logScatter_;
    QWidget* marksRow_ = nullptr;
    QLabel* marksLegend_ = nullptr;
    QLabel* axesLegend_ = nullptr;   // the shared scatter axes, when narrow columns draw no ticks
    std::vector<MethodColumn*> columns_;
    std::vector<std::string> jobMethods_;
    std::vector<bool> finishedThisRun_;
};

}  // namespace layerlens::ui
