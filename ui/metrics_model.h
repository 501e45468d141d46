#pragma once
// The metrics table's model: one row per method of the comparison. Its columns are core's result
// fields (core/result_format.h: method, budget, E, sparsity, bits per weight, seconds) and a
// GUI-only status; the text, the sort key (Qt::UserRole) and the header tooltip of each come from
// the field, and the CSV and JSON exports are core's serialisation plus the status. Sorting is a
// QSortFilterProxyModel on top.
#include <QAbstractTableModel>
#include <vector>

#include "run_types.h"

namespace layerlens::ui {

class MetricsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    // The column of a result field's key ("relative_output_error") or of "status"; -1 otherwise.
    static int columnOf(const std::string& key);
    static int statusColumn();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void beginRun(const std::vector<MethodJob>& jobs);
    void setOutcome(const OutcomePtr& outcome);
    void setStatus(int job, const QString& status);
    void endRun(const QString& why);
    // csv_header() + ",status", then csv_row(layer, result) + ",status" per row (a row with no
    // result yet has only its method and status).
    QString toCsv() const;
    // An array of result_to_json(layer, result) with "status" added.
    QByteArray toJson() const;
    const OutcomePtr& outcomeAt(int row) const { return rows_[static_cast<size_t>(row)].outcome; }
    int rowOf(const std::string& method) const;

private:
    struct Row {
        std::string method;
        std::string layer;
        OutcomePtr outcome;     // latest successful result, possibly from an earlier run
        QString status;
        bool finishedThisRun = false;
    };
    const MethodResult* resultAt(int row) const;
    std::vector<Row> rows_;
};

}  // namespace layerlens::ui
