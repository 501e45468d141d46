#pragma once
// The metrics table's model: one row per method of the comparison (method, budget, E, sparsity,
// bits per weight, seconds, status). Sorting is a QSortFilterProxyModel on top (numbers sort
// as numbers through Qt::UserRole). Also writes itself as CSV and JSON.
#include <QAbstractTableModel>
#include <vector>

#include "run_types.h"

namespace layerlens::ui {

class MetricsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Method, Budget, Error, Sparsity, BitsPerWeight, Seconds, Status, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void beginRun(const std::vector<MethodJob>& jobs);
    void setOutcome(const OutcomePtr& outcome);
    void setStatus(int job, const QString& status);
    void endRun(const QString& why);
    QString toCsv() const;
    QByteArray toJson() const;
    const OutcomePtr& outcomeAt(int row) const { return rows_[static_cast<size_t>(row)].outcome; }
    int rowOf(const std::string& method) const;

private:
    struct Row {
        std::string method;
        OutcomePtr outcome;     // latest successful result, possibly from an earlier run
        QString status;
        bool finishedThisRun = false;
    };
    std::vector<Row> rows_;
    std::vector<int> jobRows_;
};

// "4 bits, group 128" / "50% sparsity" from the parameters a method reported using.
QString budgetText(const MethodResult& result);

}  // namespace layerlens::ui
