#pragma once
// The Sweep tab's results: one row per finished point (the swept value, then core's result
// fields), feeding the tab's table and its CSV/JSON export. The exports are core's serialisation
// (csv_header/csv_row, results_json_text) so the CLI's `sweep` prints the same rows.
#include <QAbstractTableModel>
#include <vector>

#include "run_types.h"

namespace layerlens::ui {

class SweepModel : public QAbstractTableModel {
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    void setAxisName(const QString& axis);
    QString axisName() const { return axis_; }
    void clear();
    void add(const OutcomePtr& outcome);   // a finished point with a result
    const std::vector<OutcomePtr>& outcomes() const { return outcomes_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // csv_header() and one csv_row(layer, result) per point, newline-terminated.
    QString toCsv() const;
    QByteArray toJson() const;

private:
    QString axis_ = "value";
    std::vector<OutcomePtr> outcomes_;
};

}  // namespace layerlens::ui
