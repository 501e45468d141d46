#include "layer_browser_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace layerlens::ui {

LayerBrowserDialog::LayerBrowserDialog(const QString& path, const std::vector<LayerInfo>& layers, QWidget* parent)
    : QDialog(parent), table_(new QTableWidget(this)), layers_(layers) {
    setWindowTitle("Choose a layer");
    table_->setColumnCount(5);
    table_->setHorizontalHeaderLabels({"layer", "d_out x d_in", "dtype", "tokens", "problem"});
    table_->setRowCount(static_cast<int>(layers.size()));
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSortingEnabled(false);
    for (int r = 0; r < static_cast<int>(layers.size()); ++r) {
        const LayerInfo& info = layers[static_cast<size_t>(r)];
        const QStringList cells = {QString::fromStdString(info.name), QString("%1 x %2").arg(info.d_out).arg(info.d_in),
                                   QString::fromStdString(info.weight_dtype),
                                   info.has_inputs ? QString::number(info.n_tokens) : QString("none (needs an inputs file)"),
                                   QString::fromStdString(info.problem)};
        for (int c = 0; c < cells.size(); ++c) table_->setItem(r, c, new QTableWidgetItem(cells[c]));
    }
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    if (!layers.empty()) table_->selectRow(0);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QString("%1 holds %2 layers. Pick one:").arg(path).arg(layers.size())));
    layout->addWidget(table_);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(table_, &QTableWidget::cellDoubleClicked, this, &QDialog::accept);
    resize(720, 480);
}

QString LayerBrowserDialog::selectedLayer() const {
    const int row = table_->currentRow();
    if (row < 0 || row >= static_cast<int>(layers_.size())) return {};
    return QString::fromStdString(layers_[static_cast<size_t>(row)].name);
}

}  // namespace layerlens::ui
