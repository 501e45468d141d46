#pragma once
// The Calibration view's model: the last finished check (CalibrationRun), one table row per
// method with the CLI table's columns and formatting, the plain sentences the view shows above
// it, and the CSV the CLI's --csv writes (core's calibration_check_csv, so both agree). The
// penalty chart and the token curve draw from it; runChanged tells them a new check arrived.
#include <QAbstractTableModel>
#include <QString>

#include "calibration_runner.h"

namespace layerlens::ui {

class CalibrationModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Method, Budget, ErrorCalibratedOnA, ErrorCalibratedOnB, Penalty, ResampleRange, Spread, ChangedAvsB,
                  ChangedByResampling, ColumnCount };

    explicit CalibrationModel(QObject* parent = nullptr);
    void setRun(CalibrationRunPtr run);
    void clear();
    // Null before the first check of the layer in view.
    const CalibrationRunPtr& run() const { return run_; }
    const MethodCalibration* method(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    // DisplayRole: the text (E to 6 digits, fractions in % to 2 decimals, as the CLI's table);
    // UserRole: the number itself, for sorting and tests.
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "top-1% channels: A {15, 94}, B {15, 94}, overlap 1.00"
    QString overlapText() const;
    // Where the two sets came from and their tokens.
    QString setsText() const;
    // The salient set under resampling: overlap, rank correlation, stable or not and the tokens
    // a stable set would need.
    QString stabilityText() const;
    QString toCsv() const;

signals:
    void runChanged();

private:
    CalibrationRunPtr run_;
};

// "{15, 94}", at most `shown` channels then "… 30 more".
QString channelSetText(const std::vector<int>& channels, int shown = 12);
// A token count for people: "4,096", "about 12,300", "about 103 million".
QString tokenCountText(double tokens);

}  // namespace layerlens::ui
