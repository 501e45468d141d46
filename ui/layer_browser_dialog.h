#pragma once
// Picks one layer of a many-layer file: name, shape, dtype, tokens, outlier strength (filled in
// by a worker as it streams each layer's inputs) and why a layer is unusable. A model's layers
// are grouped under their block ("model.layers.3"), in the file's natural order.
#include <QDialog>
#include <QFutureWatcher>
#include <QPair>
#include <vector>

#include "io/layer_format.h"

class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace layerlens::ui {

class LayerBrowserDialog : public QDialog {
    Q_OBJECT
public:
    LayerBrowserDialog(const QString& path, const std::vector<LayerInfo>& layers, QWidget* parent = nullptr);
    ~LayerBrowserDialog() override;
    QString selectedLayer() const;

private:
    QTreeWidget* tree_;
    QPushButton* openButton_ = nullptr;
    std::vector<LayerInfo> layers_;
    std::vector<QTreeWidgetItem*> items_;   // items_[k] shows layers_[k]
    // (row, max/median a_j) per layer, streamed in a worker while the user looks.
    QFutureWatcher<QPair<int, double>> outliers_;
};

}  // namespace layerlens::ui
