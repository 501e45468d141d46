#pragma once
// Picks one layer of a many-layer file: name, shape, dtype, tokens, outlier strength (filled in
// by a worker as it streams each layer's inputs) and why a group is unusable.
#include <QDialog>
#include <QFutureWatcher>
#include <QPair>
#include <vector>

#include "io/layer_format.h"

class QTableWidget;

namespace layerlens::ui {

class LayerBrowserDialog : public QDialog {
    Q_OBJECT
public:
    LayerBrowserDialog(const QString& path, const std::vector<LayerInfo>& layers, QWidget* parent = nullptr);
    ~LayerBrowserDialog() override;
    QString selectedLayer() const;

private:
    QTableWidget* table_;
    std::vector<LayerInfo> layers_;
    // (row, max/median a_j) per layer, streamed in a worker while the user looks.
    QFutureWatcher<QPair<int, double>> outliers_;
};

}  // namespace layerlens::ui
