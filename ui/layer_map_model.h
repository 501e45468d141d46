#pragma once
// The layer map's data: a model sweep's rows (core's SweepRow, as sweep-model writes them) laid
// out as layers down and method × budget points across, E in each cell, with core's summary
// (each point's median, the outlier layers). It also holds what the views share: the row order
// (file order, or by E of the selected point, largest first), the selected point, and the one
// log colour scale over every cell. The heatmap, the bars and the colour bar only draw it.
#include <QAbstractTableModel>
#include <QColor>
#include <optional>
#include <vector>

#include "layer_map_runner.h"

namespace layerlens::ui {

class LayerMapModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int ErrorRole = Qt::UserRole;   // the cell's E as a double; invalid when failed or not yet run
    enum class Order { Layers, Error };

    using QAbstractTableModel::QAbstractTableModel;

    // A sweep about to run: every cell empty until its row arrives.
    void begin(const LayerMapShape& shape);
    // A finished sweep read from a file.
    void setRows(const std::vector<SweepRow>& rows, const ModelSweepSummary& summary);
    // Rows as they finish; a layer or point the shape did not name is added.
    void addRows(const std::vector<SweepRow>& rows);
    void setSummary(const ModelSweepSummary& summary);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Display rows follow order(); columns are the sweep's points.
    const SweepRow* rowAt(int row, int column) const;
    std::optional<double> errorAt(int row, int column) const;
    QString layerName(int row) const;
    const SweepPointKey& point(int column) const { return points_[static_cast<size_t>(column)]; }
    // "AWP 50%": the method's label and the budget.
    QString pointLabel(int column) const;
    int columnOf(const std::string& method, const std::string& budget) const;
    // The point's median E over the layers and whether this cell is one of the summary's
    // outliers (above factor × median); both need the summary, which comes with each finished layer.
    std::optional<double> median(int column) const;
    bool isOutlier(int row, int column) const;
    double outlierFactor() const { return summary_ ? summary_->outlier_factor : kDefaultOutlierFactor; }
    // The cell's colour on the shared log scale (inferno, as the comparison's heatmaps).
    QColor colourAt(int row, int column) const;
    double lowError() const { return low_; }
    double highError() const { return high_; }
    // Everything a user asks about a cell: the layer's shape, tokens, outlier strength; the
    // point's E, its ratio to the median, sparsity, bits per weight, seconds.
    QString hoverText(int row, int column) const;

    Order order() const { return order_; }
    void setOrder(Order order);
    int selectedColumn() const { return selected_; }
    void setSelectedColumn(int column);

    const std::vector<SweepRow>& rows() const { return rows_; }
    const std::optional<ModelSweepSummary>& summary() const { return summary_; }
    int finishedCells() const { return static_cast<int>(rows_.size()); }
    // One line per row in work order: the layer, its facts, the point, E, the ratio to the
    // median, sparsity, bits per weight, seconds and the failure.
    QString toCsv() const;

signals:
    void selectedColumnChanged(int column);
    // The row order, the colour range or the summary changed: redraw everything.
    void mapChanged();

private:
    int layerIndexOf(const SweepRow& row);
    int pointIndexOf(const SweepRow& row);
    const SweepRow* cell(int layer, int point) const;
    void place(const SweepRow& row);
    void rebuild();   // range, order, then mapChanged

    std::vector<std::string> layers_;
    std::vector<SweepLayerFacts> facts_;   // per layer, from any of its rows
    std::vector<SweepPointKey> points_;
    std::vector<SweepRow> rows_;           // as they came
    std::vector<int> cells_;               // layer × point → index into rows_, -1 when none
    std::vector<char> outliers_;           // layer × point → one of the summary's outliers
    std::optional<ModelSweepSummary> summary_;
    std::vector<int> displayOrder_;        // display row → layer
    Order order_ = Order::Layers;
    int selected_ = 0;
    double low_ = 0.0, high_ = 0.0;
};

}  // namespace layerlens::ui
