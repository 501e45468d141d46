#pragma once
// The rank-1 lesson's picture, three square panels side by side: the inputs (the traffic, on C's
// ellipse), then the outputs W x of those inputs (grey rings) with each rank-1 guess Ŵ x (dots)
// joined to them by its error, for plain SVD and for activation-aware SVD. A rank-1 matrix puts
// every output on one line, drawn through the panel. The two output panels share one scale, so
// longer joins are more error.
#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>
#include <QWidget>

namespace layerlens::ui {

struct TeachLowRankPanel {
    QString title;                // two lines, split at '\n'; each elided to the panel's width
    QVector<QPointF> reference;   // drawn as rings (the inputs, or the true outputs)
    QVector<QPointF> guess;       // drawn as dots joined to reference; empty in the input panel
    QPointF line;                 // direction of the guess's line through 0; (0, 0) for none
    QColor colour;
};

class TeachLowRankPicture : public QWidget {
    Q_OBJECT
public:
    explicit TeachLowRankPicture(QWidget* parent = nullptr);
    void setPanels(const QVector<TeachLowRankPanel>& panels);
    const QVector<TeachLowRankPanel>& panels() const { return panels_; }
    QSize sizeHint() const override { return {900, heightForWidth(900)}; }
    // Square panels: the height follows the width, so no band of empty space opens below them.
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize minimumSizeHint() const override { return {450, 220}; }
    // The square each panel is drawn in, for tests.
    QRect panelRect(int panel) const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QVector<TeachLowRankPanel> panels_;
};

}  // namespace layerlens::ui
