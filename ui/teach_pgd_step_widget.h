#pragma once
// One PGD iteration of the toy row, as a table a class can read from the back: a column per
// weight, a row per stage — the original w, Θ(t), the gradient step η (w − Θ) C, Z, and Θ(t+1)
// after keeping the k largest |Z|. Each cell writes its number and draws it as a bar from a
// zero line, every bar on one scale; kept weights are framed, pruned ones greyed.
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

namespace layerlens::ui {

struct TeachPgdStepData {
    QStringList channels;            // column titles: "1", "2", ...
    QVector<double> traffic;         // √C_jj per channel
    QVector<QString> rowTitles;      // one per row
    QVector<QVector<double>> rows;   // values, rows × channels
    QVector<QVector<char>> kept;     // rows × channels: 1 kept (framed), 0 pruned (grey); empty row = neither
};

class TeachPgdStepWidget : public QWidget {
    Q_OBJECT
public:
    explicit TeachPgdStepWidget(QWidget* parent = nullptr);
    void setData(const TeachPgdStepData& data);
    const TeachPgdStepData& data() const { return data_; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // The cells as drawn, for tests: row by row, each with its value's text.
    struct Cell {
        QRect rect;
        QString text;
    };
    QVector<Cell> cells() const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    int titleWidth() const;
    int rowHeight() const;

    TeachPgdStepData data_;
};

}  // namespace layerlens::ui
