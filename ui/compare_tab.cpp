#include "compare_tab.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "comparison_grid.h"
#include "loss_curve_widget.h"
#include "method_runner.h"
#include "metrics_model.h"
#include "scrolling_page.h"

namespace layerlens::ui {

CompareTab::CompareTab(ChannelFocus* focus, MethodRunner* runner, QWidget* parent)
    : QWidget(parent),
      grid_(new ComparisonGrid(focus)),
      lossCurve_(new LossCurveWidget),
      metrics_(new MetricsModel(this)),
      sortedMetrics_(new QSortFilterProxyModel(this)),
      metricsView_(new QTableView) {
    setUpMetricsView();
    layOut();
    watch(runner);
    connect(grid_, &ComparisonGrid::hovered, this, &CompareTab::hovered);
    connect(grid_, &ComparisonGrid::exportViewRequested, this, &CompareTab::exportViewRequested);
    for (const auto& [view, name] : {std::pair<QWidget*, QString>{lossCurve_, "loss_curve"}, {metricsView_, "metrics"}}) {
        view->setContextMenuPolicy(Qt::CustomContextMenu);
        connect(view, &QWidget::customContextMenuRequested, this,
                [this, view = view, name = name] { emit exportViewRequested(view, name); });
    }
}

void CompareTab::setUpMetricsView() {
    // Numbers sort as numbers: the model gives them under Qt::UserRole.
    sortedMetrics_->setSourceModel(metrics_);
    sortedMetrics_->setSortRole(Qt::UserRole);
    metricsView_->setModel(sortedMetrics_);
    metricsView_->setSortingEnabled(true);
    metricsView_->sortByColumn(-1, Qt::AscendingOrder);
    metricsView_->horizontalHeader()->setStretchLastSection(true);
    metricsView_->verticalHeader()->setVisible(false);
    metricsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    metricsView_->setToolTip("Every method's numbers; click a header to sort.");
    // Budgets are long ("bits 4, group 128, sparsity 0.5"): fit the columns to what they hold.
    connect(metrics_, &QAbstractItemModel::dataChanged, metricsView_, [this] { metricsView_->resizeColumnsToContents(); });
    connect(metrics_, &QAbstractItemModel::modelReset, metricsView_, [this] { metricsView_->resizeColumnsToContents(); });
}

void CompareTab::layOut() {
    // The grid on top; below it the loss curve beside the metrics table.
    bottomSplit_ = new QSplitter(Qt::Horizontal);
    bottomSplit_->addWidget(lossCurve_);
    bottomSplit_->addWidget(metricsView_);
    bottomSplit_->setStretchFactor(0, 2);
    bottomSplit_->setStretchFactor(1, 1);
    // The curve needs width for its plot and the labels beside it; the table scrolls.
    bottomSplit_->setSizes({700, 300});
    metricsView_->setMinimumWidth(200);
    bottomTabs_ = new QTabWidget;
    bottomTabs_->setDocumentMode(true);
    bottomTabs_->setVisible(false);
    auto* bottom = new QWidget;
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(bottomSplit_);
    bottomLayout->addWidget(bottomTabs_);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(grid_);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);   // a dragged splitter never hides the curve or the grid
    split->setSizes({700, 240});
    // A short window scrolls the tab, so a column is never cut in half and the curve keeps its height.
    QVBoxLayout* layout = scrollingLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(split);
}

bool CompareTab::bottomAsTabs() const { return bottomTabs_->isVisibleTo(this); }

void CompareTab::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    const bool narrow = width() < kSideBySideWidth;
    if (narrow != bottomAsTabs()) arrangeBottom(narrow);
}

void CompareTab::arrangeBottom(bool asTabs) {
    // Adding a widget to the other container takes it out of the first.
    if (asTabs) {
        bottomTabs_->addTab(lossCurve_, "AWP loss curve");
        bottomTabs_->addTab(metricsView_, "Metrics table");
    } else {
        bottomSplit_->addWidget(lossCurve_);
        bottomSplit_->addWidget(metricsView_);
        bottomSplit_->setSizes({700, 300});
        // The tabs hid the one not in front; the splitter shows both.
        lossCurve_->show();
        metricsView_->show();
    }
    bottomSplit_->setVisible(!asTabs);
    bottomTabs_->setVisible(asTabs);
}

void CompareTab::watch(MethodRunner* runner) {
    connect(runner, &MethodRunner::methodStarted, this, [this](int job) {
        grid_->onMethodStarted(job);
        metrics_->setStatus(job, "running");
    });
    connect(runner, &MethodRunner::methodProgressed, this, [this](int job, double fraction, const QString& stage) {
        grid_->onMethodProgressed(job, fraction, stage);
        metrics_->setStatus(job, QString("running %1%").arg(static_cast<int>(fraction * 100)));
    });
    connect(runner, &MethodRunner::iterationsReported, lossCurve_, &LossCurveWidget::appendIterations);
    connect(runner, &MethodRunner::methodFinished, this, [this](const OutcomePtr& outcome) {
        grid_->onMethodFinished(outcome);
        lossCurve_->setOutcome(outcome);
        metrics_->setOutcome(outcome);
    });
    connect(runner, &MethodRunner::runCanceled, this, [this, runner](int generation) {
        // Only the current run's cancel is news; a replaced run's is not.
        if (generation == runner->generation()) endRun("run cancelled");
    });
    connect(runner, &MethodRunner::runFailed, this, [this] { endRun("run failed"); });
}

void CompareTab::setLayer(const LayerViewPtr& layer) {
    grid_->setLayer(layer);
    lossCurve_->clear();
    metrics_->beginRun({});
}

void CompareTab::beginRun(const std::vector<MethodJob>& jobs) {
    grid_->beginRun(jobs);
    lossCurve_->beginRun(jobs);
    metrics_->beginRun(jobs);
}

void CompareTab::endRun(const QString& why) {
    grid_->endRun(why);
    metrics_->endRun(why);
}

QStringList CompareTab::methodsWithResults() const {
    QStringList names;
    for (int row = 0; row < metrics_->rowCount(); ++row)
        if (metrics_->outcomeAt(row) && metrics_->outcomeAt(row)->result)
            names << QString::fromStdString(metrics_->outcomeAt(row)->request.method);
    return names;
}

}  // namespace layerlens::ui
