#pragma once
// The layer map's heatmap: layers down (their names on the left), one column per method ×
// budget point (method and budget on top), each cell coloured by E on the model's shared log
// scale and labelled with it when there is room; failed cells hatched grey, cells not yet run
// blank, the summary's outliers ringed, the selected point framed. It only draws the model and
// forwards input: hovering a cell shows its numbers, clicking a column header selects the point,
// clicking a cell selects it too and asks for that layer in the comparison (cellClicked).
#include <QPoint>
#include <QWidget>

#include "layer_map_geometry.h"

namespace layerlens::ui {

class LayerMapModel;

class LayerMapHeatmap : public QWidget {
    Q_OBJECT
public:
    explicit LayerMapHeatmap(LayerMapModel* model, QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    QRect cellRect(int row, int column) const;
    QRect headerRect(int column) const;
    // (column, row) of the cell under `pos`; -1 for either when there is none.
    QPoint cellAt(QPoint pos) const;
    int headerAt(QPoint pos) const;
    // The text of the last cell hovered (what its tooltip shows); empty when none.
    QString hoverText() const { return hoverText_; }

signals:
    void hovered(const QString& oneLine);
    // The layer's name, read before the click's selection may sort the rows again.
    void cellClicked(const QString& layer, int column);

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;
    void changeEvent(QEvent*) override;

private:
    int labelWidth() const;
    int columnEdge(int column) const;   // x of a column's left edge, rounded
    LayerMapRows rows() const;
    double columnWidth() const;
    void paintHeader(QPainter& painter) const;
    void paintCells(QPainter& painter) const;
    void paintLabels(QPainter& painter) const;
    void setHovered(QPoint cell);
    void measureLabels();

    LayerMapModel* model_;
    int labelWidth_ = 0;   // measured once per change of the rows, not per cell drawn
    QPoint hovered_{-1, -1};
    QString hoverText_;
};

}  // namespace layerlens::ui
