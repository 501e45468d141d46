#include "method_column.h"

#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include "heatmap_widget.h"
#include "mask_strip_widget.h"
#include "method_label.h"
#include "method_registry.h"
#include "result_format.h"
#include "scatter_widget.h"

namespace layerlens::ui {

namespace {
QString methodDescription(const std::string& name) {
    for (const MethodInfo& info : all_methods())
        if (info.name == name) return QString::fromStdString(info.description);
    return {};
}
}  // namespace

MethodColumn::MethodColumn(const std::string& method, HeatmapState* state, ChannelFocus* focus, QWidget* parent)
    : QWidget(parent),
      method_(method),
      title_(new QLabel(methodLabel(method), this)),
      status_(new QLabel(this)),
      progress_(new QProgressBar(this)),
      heatmap_(new HeatmapWidget(state, focus, this)),
      protectionChoice_(new QComboBox(this)),
      scatter_(new ScatterWidget(focus, this)),
      strip_(new MaskStripWidget(state, focus, this)),
      summary_(new QLabel(this)) {
    setObjectName(QString::fromStdString("column_" + method));
    QFont bold = title_->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    title_->setFont(bold);
    title_->setToolTip(methodDescription(method));
    status_->setWordWrap(true);
    QFont small = status_->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    status_->setFont(small);
    summary_->setFont(small);
    summary_->setWordWrap(true);
    summary_->setObjectName("protection_summary");
    title_->setWordWrap(true);
    title_->setObjectName("method_title");
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(8);
    protectionChoice_->setToolTip("Which per-channel story the scatter colours and the strip show.");
    // A long entry ("kept fraction per channel") must not hold the column wider than the grid's minimum.
    protectionChoice_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    protectionChoice_->setMinimumContentsLength(4);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    layout->addWidget(title_);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(heatmap_, 3);
    layout->addWidget(scatter_, 3);
    layout->addWidget(protectionChoice_);
    layout->addWidget(summary_);
    layout->addWidget(strip_, 1);
    connect(heatmap_, &HeatmapWidget::hovered, this, &MethodColumn::hovered);
    connect(protectionChoice_, &QComboBox::currentIndexChanged, this, &MethodColumn::showProtection);
    const std::pair<QWidget*, const char*> views[] = {{heatmap_, "heatmap"}, {scatter_, "scatter"}, {strip_, "mask"}};
    for (const auto& [view, kind] : views) {
        view->setContextMenuPolicy(Qt::CustomContextMenu);
        const QString name = QString::fromStdString(method_) + "_" + kind;
        connect(view, &QWidget::customContextMenuRequested, this, [this, view = view, name] { emit exportViewRequested(view, name); });
    }
    setContextMenuPolicy(Qt::CustomContextMenu);
    connect(this, &QWidget::customContextMenuRequested, this,
            [this] { emit exportViewRequested(this, QString::fromStdString(method_) + "_column"); });
    setCompact(false);
    setQueued();
}

void MethodColumn::setLayer(std::shared_ptr<const LayerViewData> layer) { scatter_->setLayer(std::move(layer)); }

void MethodColumn::setQueued() {
    progress_->setValue(0);
    status_->setText(outcome_ ? "queued (showing the previous result)" : "queued");
}

void MethodColumn::setRunning(double fraction, const QString& stage) {
    progress_->setValue(static_cast<int>(fraction * 1000));
    status_->setText(stage.isEmpty() ? "running" : stage);
}

void MethodColumn::setOutcome(const OutcomePtr& outcome) {
    progress_->setValue(1000);
    if (!outcome->error.empty()) {
        // A failure keeps the previous result visible, marked.
        status_->setText("<span style='color:#c0392b'>failed: " + QString::fromStdString(outcome->error).toHtmlEscaped() +
                         "</span>" + (outcome_ ? " (showing the previous result)" : ""));
        stale_ = outcome_ != nullptr;
        return;
    }
    outcome_ = outcome;
    stale_ = false;
    const MethodResult& r = *outcome->result;
    // Name and E on lines of their own, so a narrow column shows both whole.
    title_->setText(QString("%1\nE = %2%").arg(methodLabel(method_)).arg(100.0 * r.relative_output_error, 0, 'g', 3));
    // The tooltip says how it ran: the configuration (AWP's preset and start) and every parameter.
    QString ran = methodDescription(method_);
    if (const std::string setup = setup_text(r); !setup.empty()) ran += "\n\nRan as: " + QString::fromStdString(setup);
    QStringList params;
    for (const auto& [key, value] : r.params) params << QString::fromStdString(key + " " + param_value_text(value));
    if (!params.isEmpty()) ran += "\nParameters: " + params.join(", ");
    title_->setToolTip(ran);
    // Short enough for two lines of a narrow column; the table has the full numbers.
    status_->setText(QString("%1% zeros · %2 bits/w · %3 s")
                         .arg(100.0 * r.sparsity, 0, 'f', 1)
                         .arg(r.bits_per_weight, 0, 'g', 3)
                         .arg(r.seconds, 0, 'f', 2));
    status_->setToolTip(QString("sparsity %1%, %2 bits per weight, %3 s to compute")
                            .arg(100.0 * r.sparsity, 0, 'f', 1)
                            .arg(r.bits_per_weight, 0, 'g', 3)
                            .arg(r.seconds, 0, 'f', 2));
    heatmap_->setData(outcome->views);
    protectionChoice_->blockSignals(true);
    protectionChoice_->clear();
    if (outcome->views)
        for (const ChannelProtection& p : outcome->views->protections) {
            // The short name fits a narrow column (twelve side by side); the full one is its tooltip.
            protectionChoice_->addItem(QString::fromStdString(p.shortLabel.empty() ? p.label : p.shortLabel));
            protectionChoice_->setItemData(protectionChoice_->count() - 1, QString::fromStdString(p.label), Qt::ToolTipRole);
        }
    protectionChoice_->blockSignals(false);
    showProtection(0);
}

void MethodColumn::showProtection(int index) {
    const ChannelProtection* p = nullptr;
    if (outcome_ && outcome_->views && index >= 0 && index < static_cast<int>(outcome_->views->protections.size()))
        p = &outcome_->views->protections[static_cast<size_t>(index)];
    scatter_->setProtection(p);
    strip_->setProtection(p);
    summary_->setText(p ? QString::fromStdString(p->summary) : QString());
    summary_->setVisible(p && !p->summary.empty());
}

void MethodColumn::markStale(const QString& why) {
    if (!outcome_) {
        status_->setText(why);
        return;
    }
    stale_ = true;
    status_->setText("<span style='color:#b9770e'>previous result: " + why + "</span>");
}

QString MethodColumn::statusText() const { return status_->text(); }

void MethodColumn::setCompact(bool narrow) {
    // A narrow column wraps "AWQ keep 1%" and "Wanda → AWQ" over two lines, with E on a third.
    title_->setFixedHeight((narrow ? 3 : 2) * title_->fontMetrics().lineSpacing() + 2);
    status_->setFixedHeight((narrow ? 3 : 2) * status_->fontMetrics().lineSpacing() + 2);
    summary_->setFixedHeight((narrow ? 2 : 1) * summary_->fontMetrics().lineSpacing() + 2);
}

}  // namespace layerlens::ui
