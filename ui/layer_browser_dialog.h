#pragma once
// Picks one layer of a many-layer file: name, shape, dtype, tokens, and why a group is unusable.
#include <QDialog>
#include <vector>

#include "io/hdf5_reader.h"

class QTableWidget;

namespace layerlens::ui {

class LayerBrowserDialog : public QDialog {
    Q_OBJECT
public:
    LayerBrowserDialog(const QString& path, const std::vector<LayerInfo>& layers, QWidget* parent = nullptr);
    QString selectedLayer() const;

private:
    QTableWidget* table_;
    std::vector<LayerInfo> layers_;
};

}  // namespace layerlens::ui
