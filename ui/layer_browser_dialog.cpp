#include "layer_browser_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QPromise>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

#include "input_source.h"
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
    : QDialog(parent), table_(new QTableWidget(this)), layers_(layers) {
    setWindowTitle("Choose a layer");
    table_->setColumnCount(6);
    table_->setHorizontalHeaderLabels({"layer", "d_out x d_in", "dtype", "tokens", "outliers (max/median a_j)", "problem"});
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
                                   info.has_inputs && info.problem.empty() ? QString("…") : QString(),
                                   QString::fromStdString(info.problem)};
        for (int c = 0; c < cells.size(); ++c) table_->setItem(r, c, new QTableWidgetItem(cells[c]));
    }
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    if (!layers.empty()) table_->selectRow(0);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QString("%1 (%2) holds %3 layers. Pick one:").arg(path, formatName(path)).arg(layers.size())));
    layout->addWidget(table_);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(table_, &QTableWidget::cellDoubleClicked, this, &QDialog::accept);
    resize(820, 480);
    connect(&outliers_, &QFutureWatcher<QPair<int, double>>::resultsReadyAt, this, [this](int begin, int end) {
        for (int k = begin; k < end; ++k) {
            const QPair<int, double> r = outliers_.future().resultAt(k);
            table_->setItem(r.first, 4, new QTableWidgetItem(QString("%1x").arg(r.second, 0, 'f', 1)));
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
    const int row = table_->currentRow();
    if (row < 0 || row >= static_cast<int>(layers_.size())) return {};
    return QString::fromStdString(layers_[static_cast<size_t>(row)].name);
}

}  // namespace layerlens::ui
