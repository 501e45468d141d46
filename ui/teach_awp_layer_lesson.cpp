#include "teach_awp_layer_lesson.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "method_registry.h"
#include "teach_loss_plot.h"
#include "teach_text.h"

namespace layerlens::ui {

namespace {
const QString kNoLayer = "Load a layer (File ▸ Open, or the built-in demo) to run AWP on it.";
}

TeachAwpLayerLesson::TeachAwpLayerLesson(QWidget* parent)
    : TeachLayerLesson(parent),
      task_(this, {[this](const auto& result) { showResult(result); },
                   [this](const QString& message) {
                       progress_->hide();
                       status_->setText("AWP failed: " + message.toHtmlEscaped());
                       emit awpFailed(message);
                   },
                   [this](const QVector<QPointF>& points) { plot_->appendPoints(points); },
                   [this](int permille, const QString&) { progress_->setValue(permille); }}) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph(
        "Now the same two moves on every row of the loaded layer at once. AWP starts from Wanda's choice of weights "
        "(the largest |W_ij| · ‖X_j‖ of each row), then repeats the gradient step and “keep the k largest” on the "
        "whole layer. The curve is the real loss E after each iteration, drawn while it runs."));
    auto* controls = new QHBoxLayout;
    sparsity_ = new QComboBox;
    for (int percent : {50, 60, 70, 80}) sparsity_->addItem(QString("prune %1%").arg(percent), percent / 100.0);
    sparsity_->setToolTip("The share of each row's weights set to zero.");
    iterations_ = new QSpinBox;
    iterations_->setRange(1, 1000);
    iterations_->setValue(CompressionParams{}.iters);
    iterations_->setSuffix(" iterations");
    iterations_->setToolTip("PGD iterations (it may stop earlier when E stops falling).");
    rerun_ = new QPushButton("Run again");
    rerun_->setToolTip("Run AWP on the loaded layer again.");
    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(200);
    progress_->hide();
    status_ = teachParagraph(kNoLayer);
    controls->addWidget(sparsity_);
    controls->addWidget(iterations_);
    controls->addWidget(rerun_);
    controls->addWidget(progress_);
    controls->addWidget(status_, 1);
    layout->addLayout(controls);
    plot_ = new TeachLossPlot;
    plot_->setAxisTitles("iteration", "loss E");
    plot_->setMinimumHeight(300);
    layout->addWidget(plot_, 1);
    summary_ = teachParagraph();
    layout->addWidget(summary_);
    connect(sparsity_, &QComboBox::currentIndexChanged, this, [this] { rerun(); });
    connect(rerun_, &QPushButton::clicked, this, [this] { rerun(); });
}

void TeachAwpLayerLesson::setIterations(int iterations) { iterations_->setValue(iterations); }

void TeachAwpLayerLesson::setSparsity(double sparsity) {
    const int index = sparsity_->findData(sparsity);
    if (index >= 0) sparsity_->setCurrentIndex(index);
}

void TeachAwpLayerLesson::startRun(const LayerViewPtr& layer) {
    CompressionParams params;
    // The lesson teaches seed Algorithm 1 (Wanda's start, the gradient step, keep the k largest of
    // each row), not the default's refinement of SparseGPT.
    params.preset = AwpPreset::Paper;
    params.sparsity = sparsity_->currentData().toDouble();
    params.iters = iterations_->value();
    std::shared_ptr<const LoadedLayer> loaded = layer->loaded;
    plot_->setPoints({});
    plot_->setReferences({});
    plot_->setIterationRange(params.iters);
    summary_->clear();
    progress_->setValue(0);
    progress_->show();
    status_->setText(QString("Running AWP on %1 x %2 …").arg(layer->dOut()).arg(layer->dIn()));
    task_.start([loaded, params](Progress& progress) {
        return run_method(find_method("awp"), loaded->layer, loaded->stats, params, progress);
    });
}

void TeachAwpLayerLesson::clearResult() {
    task_.cancel();
    result_.reset();
    progress_->hide();
    plot_->setPoints({});
    plot_->setReferences({});
    summary_->clear();
    status_->setText(layer() ? "Computing when this lesson is shown." : kNoLayer);
}

void TeachAwpLayerLesson::showResult(const std::shared_ptr<const MethodResult>& result) {
    result_ = result;
    progress_->hide();
    const std::vector<double>& E = result->loss_history;
    // The whole history replaces the live points: the same values, none lost to batching.
    QVector<QPointF> points;
    for (size_t t = 0; t < E.size(); ++t) points.append(QPointF(static_cast<double>(t), E[t]));
    plot_->setPoints(points);
    plot_->setIterationRange(static_cast<int>(E.size()) - 1);
    const QString name = QString::fromStdString(layer()->loaded->layer.name.empty() ? layer()->loaded->source
                                                                                     : layer()->loaded->layer.name);
    status_->setText(QString("<b>%1</b>, %2% of each row pruned.")
                         .arg(name.toHtmlEscaped())
                         .arg(std::lround(100.0 * sparsity_->currentData().toDouble())));
    if (E.empty()) {
        summary_->setText("AWP recorded no loss history.");
        emit awpFinished();
        return;
    }
    plot_->setReferences({{"Wanda (the start)", E.front()}});
    int rises = 0;
    for (size_t t = 1; t < E.size(); ++t) rises += E[t] > E[t - 1];
    const double drop = E.front() > 0 ? 1.0 - E.back() / E.front() : 0.0;
    QString text = QString("Wanda's choice starts at E = %1. After %2 iterations PGD is at <b>%3</b>, %4 lower. ")
                       .arg(teachPercent(E.front()))
                       .arg(E.size() - 1)
                       .arg(teachPercent(E.back()))
                       .arg(teachPercent(drop));
    text += rises == 0 ? QString("E never rose: checked at every one of the %1 iterations.").arg(E.size() - 1)
                       : QString("E rose %1 times — it should not: please report this layer.").arg(rises);
    if (const ParamValue* changed = result->scalar("changed_from_start"))
        if (const double* fraction = std::get_if<double>(changed))
            text += QString(" PGD changed %1 of the mask (which weights are kept) from Wanda's choice.").arg(teachPercent(*fraction));
    summary_->setText(text);
    emit awpFinished();
}

QString TeachAwpLayerLesson::summaryText() const { return summary_->text(); }

}  // namespace layerlens::ui
