#include "sweep_tab.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QCursor>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>

#include "error_axis.h"
#include "method_label.h"
#include "method_panel.h"
#include "method_registry.h"
#include "method_runner.h"
#include "sweep_model.h"
#include "sweep_plan.h"

namespace layerlens::ui {

namespace {

const char* kSparsityValues = "0.5,0.6,0.7,0.8";
const char* kBitsValues = "2,3,4,8";

// Every point checked before anything runs; each distinct message once, with its methods.
QStringList pointProblems(const SweepPlan& plan, const Layer& layer) {
    std::vector<std::pair<std::string, QStringList>> problems;
    for (const SweepPoint& point : plan.points) {
        try {
            validate_method(find_method(point.method), layer, point.params);
        } catch (const std::exception& e) {
            auto it = std::find_if(problems.begin(), problems.end(), [&](const auto& p) { return p.first == e.what(); });
            if (it == problems.end()) it = problems.insert(problems.end(), {e.what(), {}});
            if (!it->second.contains(methodLabel(point.method))) it->second << methodLabel(point.method);
        }
    }
    QStringList lines;
    for (const auto& [message, methods] : problems) lines << QString::fromStdString(message) + " (" + methods.join(", ") + ")";
    return lines;
}

}  // namespace

SweepTab::SweepTab(MethodPanel* panel, QWidget* parent)
    : QWidget(parent),
      panel_(panel),
      runner_(new MethodRunner(this)),
      model_(new SweepModel(this)),
      axis_(new QComboBox(this)),
      points_(new QLineEdit(this)),
      run_(new QPushButton("Run sweep ▶", this)),
      logY_(new QCheckBox("log E", this)),
      status_(new QLabel(this)),
      chart_(new QChart),
      view_(new QChartView(chart_, this)),
      table_(new QTableView(this)) {
    chart_->setTitle("Relative output error E against the budget, one line per method (the methods checked in the panel)");
    view_->setRenderHint(QPainter::Antialiasing);
    // Follow a dark desktop palette; Qt Charts' default theme is always light.
    if (palette().color(QPalette::Window).lightness() < 128) {
        chart_->setTheme(QChart::ChartThemeDark);
        chart_->setBackgroundBrush(palette().color(QPalette::Base));
    }
    view_->setToolTip("Each line is one method run at every budget value; lower is better.");
    auto* sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(model_);
    sorted->setSortRole(Qt::UserRole);
    table_->setModel(sorted);
    table_->setObjectName("sweep_table");
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setToolTip("Every point's numbers, as the CSV export writes them; click a header to sort.");
    connect(model_, &QAbstractItemModel::rowsInserted, table_, [this] { table_->resizeColumnsToContents(); });
    status_->setWordWrap(true);
    status_->setTextFormat(Qt::PlainText);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(view_);
    split->addWidget(table_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buildControls());
    layout->addWidget(status_);
    layout->addWidget(split, 1);
    connect(runner_, &MethodRunner::methodFinished, this, &SweepTab::onOutcome);
    connect(runner_, &MethodRunner::methodProgressed, this, [this](int job, double, const QString& stage) {
        setStatus(QString("running point %1 of %2: %3").arg(job + 1).arg(runner_->request().jobs.size()).arg(stage));
    });
    connect(runner_, &MethodRunner::runFinished, this, [this] {
        setStatus(QString("done: %1 runs").arg(model_->rowCount()));
        emit sweepFinished();
    });
    connect(runner_, &MethodRunner::runCanceled, this, [this] { setStatus("sweep cancelled; the points so far stay"); });
    connect(runner_, &MethodRunner::runFailed, this, [this](int, const QString& m) {
        setStatus("sweep failed: " + m);
        emit sweepFailed(m);
    });
}

QLayout* SweepTab::buildControls() {
    for (const std::string& name : sweep_axis_names().names()) axis_->addItem(QString::fromStdString(name));
    axis_->setToolTip("Sweep the pruning sparsity or the bit width: every checked method with that budget runs at "
                      "every value; the others are skipped, with the reason.");
    points_->setText(kSparsityValues);
    points_->setToolTip("The budget values to run, separated by commas.");
    logY_->setChecked(true);
    auto* cancel = new QPushButton("Cancel ■", this);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel("E against"));
    controls->addWidget(axis_);
    controls->addWidget(new QLabel("at"));
    controls->addWidget(points_, 1);
    controls->addWidget(run_);
    controls->addWidget(cancel);
    controls->addWidget(logY_);
    connect(axis_, &QComboBox::currentTextChanged, this, [this](const QString& axis) {
        points_->setText(axis == "bits" ? kBitsValues : kSparsityValues);
    });
    connect(run_, &QPushButton::clicked, this, &SweepTab::runSweep);
    connect(cancel, &QPushButton::clicked, this, &SweepTab::cancel);
    connect(logY_, &QCheckBox::toggled, this, &SweepTab::rescale);
    return controls;
}

void SweepTab::setLayer(const LayerViewPtr& layer) {
    runner_->cancel();
    layer_ = layer;
    panel_->setLayer(layer ? layer->loaded : nullptr);
    chart_->removeAllSeries();
    lines_.clear();
    model_->clear();
    skippedNote_.clear();
    setStatus("Press Run sweep to run the checked methods at every budget value.");
}

void SweepTab::setAxis(const QString& axis) { axis_->setCurrentText(axis); }
void SweepTab::setPoints(const QString& points) { points_->setText(points); }
void SweepTab::cancel() { runner_->cancel(); }
QString SweepTab::statusText() const { return status_->text(); }

void SweepTab::setStatus(const QString& text) {
    status_->setStyleSheet(QString());
    status_->setText(skippedNote_.isEmpty() ? text : text + ". Skipped: " + skippedNote_ + ".");
}

bool SweepTab::refuse(const QString& why) {
    skippedNote_.clear();
    status_->setStyleSheet("color: #c0392b");
    status_->setText(why);
    emit sweepFailed(why);
    return false;
}

bool SweepTab::runSweep() {
    if (!layer_) return refuse("Load a layer first.");
    const auto axis = sweep_axis_names().parse(axis_->currentText().toStdString());
    if (!axis) return refuse("Choose an axis.");
    std::vector<SweepMethod> methods;
    for (const MethodJob& job : panel_->jobs()) methods.push_back({job.method, job.params});
    if (methods.empty()) return refuse("Check at least one method in the panel.");
    SweepPlan plan;
    try {
        plan = plan_sweep(*axis, parse_sweep_values(points_->text().toStdString(), "The values to sweep"), methods);
    } catch (const std::exception& e) {
        return refuse(QString::fromUtf8(e.what()));
    }
    const QStringList problems = pointProblems(plan, layer_->loaded->layer);
    if (!problems.isEmpty()) return refuse(problems.join("\n"));
    std::vector<MethodJob> jobs;
    for (const SweepPoint& point : plan.points) jobs.push_back({point.method, point.params, point.value});
    QStringList skipped;
    for (const SweepSkip& skip : plan.skipped) skipped << QString::fromStdString(skip.reason);
    skippedNote_ = skipped.join("; ");
    std::vector<double> values;
    for (const SweepPoint& point : plan.points) values.push_back(point.value);
    startPlot(axis_->currentText(), std::move(values));
    setStatus(QString("running %1 runs").arg(jobs.size()));
    runner_->start(RunRequest{layer_->loaded, std::move(jobs), false, {}});
    return true;
}

// The x axis labels exactly the swept values (a value axis would put its ticks between them).
void SweepTab::startPlot(const QString& axis, std::vector<double> values) {
    chart_->removeAllSeries();
    for (QAbstractAxis* a : chart_->axes()) chart_->removeAxis(a), delete a;
    lines_.clear();
    model_->clear();
    model_->setAxisName(axis);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    auto* x = new QCategoryAxis;
    x->setTitleText(axis);
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    for (double v : values) x->append(QString::number(v, 'g', 4), v);
    if (!values.empty()) {
        const double pad = 0.05 * std::max(values.back() - values.front(), 1e-3);
        x->setStartValue(values.front() - pad);
        x->setRange(values.front() - pad, values.back() + pad);
    }
    chart_->addAxis(x, Qt::AlignBottom);
    rescale();
}

QColor SweepTab::methodColour(const std::string& method) {
    // Okabe-Ito and Tableau hues, well apart on light and dark backgrounds; past them, golden-angle hues.
    static const QColor fixed[] = {QColor(0, 114, 178),  QColor(230, 159, 0),  QColor(0, 158, 115),
                                   QColor(204, 121, 167), QColor(213, 94, 0),   QColor(86, 180, 233),
                                   QColor(148, 103, 189), QColor(140, 86, 75),  QColor(188, 189, 34),
                                   QColor(127, 127, 127), QColor(220, 20, 60),  QColor(23, 190, 207)};
    const std::vector<MethodInfo>& methods = all_methods();
    int index = 0;
    for (; index < static_cast<int>(methods.size()); ++index)
        if (methods[static_cast<size_t>(index)].name == method) break;
    if (index < static_cast<int>(std::size(fixed))) return fixed[index];
    return QColor::fromHsv(static_cast<int>(std::fmod(index * 137.508, 360.0)), 200, 200);
}

QColor SweepTab::lineColour(const std::string& method) const {
    auto it = lines_.find(method);
    return it == lines_.end() ? QColor() : it->second->color();
}

void SweepTab::onOutcome(const OutcomePtr& outcome) {
    if (!outcome->result) {
        setStatus(methodLabel(outcome->request.method) + " failed: " + QString::fromStdString(outcome->error));
        return;
    }
    model_->add(outcome);
    QLineSeries*& line = lines_[outcome->request.method];
    if (!line) {
        line = new QLineSeries;
        line->setName(methodLabel(outcome->request.method));
        line->setPointsVisible(true);
        chart_->addSeries(line);
        QPen pen = line->pen();
        pen.setColor(methodColour(outcome->request.method));
        pen.setWidthF(2.0);
        line->setPen(pen);
        connect(line, &QLineSeries::hovered, this,
                [this, method = outcome->request.method](const QPointF& where, bool entered) {
                    hoverLine(method, where, entered);
                });
        for (QAbstractAxis* a : chart_->axes(Qt::Horizontal)) line->attachAxis(a);
    }
    line->append(outcome->request.sweepX, std::max(outcome->result->relative_output_error, 1e-9));
    rescale();
}

void SweepTab::rescale() {
    // The y axis is swapped only when log/linear changes; otherwise just refitted.
    QAbstractAxis* y = nullptr;
    for (QAbstractAxis* a : chart_->axes(Qt::Vertical)) y = a;
    const bool wantLog = logY_->isChecked();
    if (y && (y->type() == QAbstractAxis::AxisTypeLogValue) != wantLog) {
        chart_->removeAxis(y);
        delete y;
        y = nullptr;
    }
    if (!y) {
        y = makeErrorAxis(wantLog);
        chart_->addAxis(y, Qt::AlignLeft);
    }
    for (const auto& [m, line] : lines_)
        if (!line->attachedAxes().contains(y)) line->attachAxis(y);
    // The x range is the swept values', set once in startPlot.
    double y0 = INFINITY, y1 = 0;
    for (const auto& [m, line] : lines_)
        for (const QPointF& p : line->points()) y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
    if (y1 > 0) {
        if (wantLog) y->setRange(y0 / 1.5, y1 * 1.5);
        else y->setRange(0.0, y1 * 1.1);
    }
}

void SweepTab::hoverLine(const std::string& method, const QPointF& where, bool entered) {
    auto it = lines_.find(method);
    if (!entered || it == lines_.end() || it->second->count() == 0) {
        QToolTip::hideText();
        return;
    }
    // The nearest swept value: the line is hovered anywhere along it, the reader wants a point.
    const QList<QPointF> points = it->second->points();
    const QPointF nearest = *std::min_element(points.begin(), points.end(), [&](const QPointF& a, const QPointF& b) {
        return std::abs(a.x() - where.x()) < std::abs(b.x() - where.x());
    });
    hoverText_ = QString("%1 at %2 %3: E = %4%")
                     .arg(methodLabel(method), model_->axisName())
                     .arg(nearest.x(), 0, 'g', 4)
                     .arg(100.0 * nearest.y(), 0, 'g', 4);
    QToolTip::showText(QCursor::pos(), hoverText_, view_);
}

int SweepTab::lineCount() const { return static_cast<int>(lines_.size()); }

int SweepTab::pointCount(const std::string& method) const {
    auto it = lines_.find(method);
    return it == lines_.end() ? 0 : it->second->count();
}

QString SweepTab::toCsv() const { return model_->toCsv(); }
QByteArray SweepTab::toJson() const { return model_->toJson(); }

}  // namespace layerlens::ui
