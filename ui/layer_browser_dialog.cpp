#include "layer_browser_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QPromise>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <map>

#include "input_source.h"
#include "io/layer_names.h"
#include "progress.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

class BrowserProgress : public Progress {
public:
    explicit BrowserProgress(QPromise<QPair<int, double>>& promise) : promise_(promise) {}
    bool cancelled() const override { return promise_.isCanceled(); }

private:
    QPromise<QPair<int, double>>& promise_;
};

// max/median of a_j = mean_t |X_tj| for each layer with inputs: only the column sums are kept,
// so memory stays at one chunk whatever the token count.
void measureOutliers(QPromise<QPair<int, double>>& promise, const std::string& path, const std::vector<LayerInfo>& layers) {
    lowerWorkerPriority();
    BrowserProgress progress(promise);
    for (size_t row = 0; row < layers.size(); ++row) {
        const LayerInfo& info = layers[row];
        if (!info.problem.empty() || !info.has_inputs) continue;
        try {
            const auto inputs = open_inputs(path, info.name, info.d_in);
            VectorD sum = VectorD::Zero(inputs->width());
            inputs->for_each_chunk(
                1024, [&](const MatrixF& chunk, Eigen::Index) { sum += chunk.cwiseAbs().colwise().sum().transpose().cast<double>(); },
                progress);
            std::vector<double> a(sum.data(), sum.data() + sum.size());
            if (a.empty()) continue;
            std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(a.size() / 2), a.end());
            const double median = a[a.size() / 2], max = sum.maxCoeff();
            promise.addResult(qMakePair(static_cast<int>(row), median > 0 ? max / median : 0.0));
        } catch (const std::exception&) {
            // Cancelled, or the layer's inputs are unreadable: the load itself will say why.
            if (promise.isCanceled()) return;
        }
    }
}

// The registry's name of the file's format ("HDF5"), found by its content as the listing was.
QString formatName(const QString& path) {
    try {
        return QString::fromStdString(detect_format(path.toStdString()).name());
    } catch (const std::exception&) {
        return "unknown format";
    }
}

}  // namespace

LayerBrowserDialog::LayerBrowserDialog(const QString& path, const std::vector<LayerInfo>& layers, QWidget* parent)
    : QDialog(parent), tree_(new QTreeWidget(this)), layers_(layers) {
    setWindowTitle("Choose a layer");
    tree_->setColumnCount(6);
    tree_->setHeaderLabels({"layer", "d_out x d_in", "dtype", "tokens", "outliers (max/median a_j)", "problem"});
    tree_->setSelectionBehavior(QAbstractItemView::SelectRows);
    tree_->setSelectionMode(QAbstractItemView::SingleSelection);
    tree_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    tree_->setUniformRowHeights(true);
    std::map<std::string, QTreeWidgetItem*> blocks;
    QTreeWidgetItem* first_usable = nullptr;
    for (size_t r = 0; r < layers.size(); ++r) {
        const LayerInfo& info = layers[r];
        const std::string block = layer_block(info.name);
        QTreeWidgetItem* parent_item = nullptr;
        if (!block.empty()) {
            auto& node = blocks[block];
            if (!node) {
                node = new QTreeWidgetItem(tree_, {QString::fromStdString(block)});
                node->setFlags(Qt::ItemIsEnabled);   // a block is a heading, not a choice
            }
            parent_item = node;
        }
        // Under its block a layer reads by what follows the block ("mlp.down_proj").
        const QString shown = QString::fromStdString(block.empty() ? info.name : info.name.substr(block.size() + 1));
        const QStringList cells = {shown, QString("%1 x %2").arg(info.d_out).arg(info.d_in),
                                   QString::fromStdString(info.weight_dtype),
                                   info.has_inputs ? QString::number(info.n_tokens) : QString("none (needs an inputs file)"),
                                   info.has_inputs && info.problem.empty() ? QString("…") : QString(),
                                   QString::fromStdString(info.problem)};
        auto* item = parent_item ? new QTreeWidgetItem(parent_item, cells) : new QTreeWidgetItem(tree_, cells);
        item->setToolTip(0, QString::fromStdString(info.name));
        item->setData(0, Qt::UserRole, static_cast<int>(r));
        items_.push_back(item);
        if (!first_usable && info.problem.empty()) first_usable = item;
    }
    tree_->expandAll();
    for (int c = 0; c < tree_->columnCount(); ++c) tree_->resizeColumnToContents(c);
    if (first_usable || !items_.empty()) tree_->setCurrentItem(first_usable ? first_usable : items_.front());
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    openButton_ = buttons->button(QDialogButtonBox::Open);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QString("%1 (%2) holds %3 layers. Pick one:").arg(path, formatName(path)).arg(layers.size())));
    layout->addWidget(tree_);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!selectedLayer().isEmpty()) accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        if (item->data(0, Qt::UserRole).isValid()) accept();
    });
    connect(tree_, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem* item) { openButton_->setEnabled(item && item->data(0, Qt::UserRole).isValid()); });
    openButton_->setEnabled(!selectedLayer().isEmpty());
    resize(860, 520);
    connect(&outliers_, &QFutureWatcher<QPair<int, double>>::resultsReadyAt, this, [this](int begin, int end) {
        for (int k = begin; k < end; ++k) {
            const QPair<int, double> r = outliers_.future().resultAt(k);
            items_[static_cast<size_t>(r.first)]->setText(4, QString("%1x").arg(r.second, 0, 'f', 1));
        }
    });
    outliers_.setFuture(QtConcurrent::run(measureOutliers, path.toStdString(), layers_));
}

LayerBrowserDialog::~LayerBrowserDialog() {
    // The worker owns copies of what it reads; it only needs to hear "stop".
    outliers_.disconnect(this);
    outliers_.cancel();
}

QString LayerBrowserDialog::selectedLayer() const {
    const QTreeWidgetItem* item = tree_->currentItem();
    if (!item || !item->data(0, Qt::UserRole).isValid()) return {};
    return QString::fromStdString(layers_[static_cast<size_t>(item->data(0, Qt::UserRole).toInt())].name);
}

}  // namespace layerlens::ui
