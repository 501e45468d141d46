#include "sweep_tab.h"

#include "method_label.h"

#include "error_axis.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>
#include <cmath>

#include "method_panel.h"
#include "method_registry.h"
#include "method_runner.h"

namespace layerlens::ui {


SweepTab::SweepTab(MethodPanel* panel, QWidget* parent)
    : QWidget(parent),
      panel_(panel),
      runner_(new MethodRunner(this)),
      axis_(new QComboBox(this)),
      points_(new QLineEdit(this)),
      run_(new QPushButton("Run sweep ▶", this)),
      logY_(new QCheckBox("log E", this)),
      status_(new QLabel(this)),
      chart_(new QChart),
      view_(new QChartView(chart_, this)) {
    axis_->addItems({"sparsity", "bits"});
    axis_->setToolTip("Sweep the pruning sparsity (pruning and joint methods) or the bit width (quantisers and joint methods).");
    points_->setText("0.5,0.6,0.7,0.8");
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
    chart_->setTitle("Relative output error E against the budget, one line per method (the methods checked in the panel)");
    view_->setRenderHint(QPainter::Antialiasing);
    // Follow a dark desktop palette; Qt Charts' default theme is always light.
    if (palette().color(QPalette::Window).lightness() < 128) {
        chart_->setTheme(QChart::ChartThemeDark);
        chart_->setBackgroundBrush(palette().color(QPalette::Base));
    }
    view_->setToolTip("Each line is one method run at every budget value; lower is better.");
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(status_);
    layout->addWidget(view_, 1);
    connect(axis_, &QComboBox::currentTextChanged, this, [this](const QString& axis) {
        points_->setText(axis == "bits" ? "2,3,4,8" : "0.5,0.6,0.7,0.8");
    });
    connect(run_, &QPushButton::clicked, this, &SweepTab::runSweep);
    connect(cancel, &QPushButton::clicked, this, &SweepTab::cancel);
    connect(logY_, &QCheckBox::toggled, this, &SweepTab::rescale);
    connect(runner_, &MethodRunner::methodFinished, this, &SweepTab::onOutcome);
    connect(runner_, &MethodRunner::methodProgressed, this, [this](int job, double, const QString& stage) {
        status_->setText(QString("running point %1 of %2: %3").arg(job + 1).arg(runner_->request().jobs.size()).arg(stage));
    });
    connect(runner_, &MethodRunner::runFinished, this, [this] {
        status_->setText(QString("done: %1 runs").arg(outcomes_.size()));
        emit sweepFinished();
    });
    connect(runner_, &MethodRunner::runCanceled, this, [this] { status_->setText("sweep cancelled; the points so far stay"); });
    connect(runner_, &MethodRunner::runFailed, this, [this](int, const QString& m) {
        status_->setText("sweep failed: " + m);
        emit sweepFailed(m);
    });
}

void SweepTab::setLayer(const LayerViewPtr& layer) {
    runner_->cancel();
    layer_ = layer;
    chart_->removeAllSeries();
    lines_.clear();
    outcomes_.clear();
    status_->setText("Press Run sweep to run the checked methods at every budget value.");
}

void SweepTab::setAxis(const QString& axis) { axis_->setCurrentText(axis); }
void SweepTab::setPoints(const QString& points) { points_->setText(points); }
void SweepTab::cancel() { runner_->cancel(); }

bool SweepTab::runSweep() {
    auto refuse = [this](const QString& why) {
        status_->setText("<span style='color:#c0392b'>" + why.toHtmlEscaped() + "</span>");
        emit sweepFailed(why);
        return false;
    };
    if (!layer_) return refuse("Load a layer first.");
    const bool bits = axis_->currentText() == "bits";
    std::vector<double> values;
    for (const QString& part : points_->text().split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok) return refuse("'" + part.trimmed() + "' is not a number");
        values.push_back(v);
    }
    if (values.empty()) return refuse("Give at least one budget value.");
    std::vector<MethodJob> jobs;
    for (const MethodJob& base : panel_->jobs()) {
        const MethodKind kind = find_method(base.method).kind;
        const bool fits = kind == MethodKind::Joint || (bits ? kind == MethodKind::Quantization : kind == MethodKind::Pruning);
        if (!fits) continue;
        for (double v : values) {
            MethodJob job = base;
            job.sweepX = v;
            if (bits) {
                job.params.bits = static_cast<int>(std::lround(v));
                job.params.sparsity.reset();
                job.params.nm = {};
            } else {
                job.params.sparsity = v;
                job.params.nm = {};
                job.params.bits.reset();
            }
            try {
                find_method(job.method).validate(layer_->loaded->layer, job.params);
            } catch (const std::exception& e) {
                return refuse(methodLabel(job.method) + ": " + e.what());
            }
            jobs.push_back(job);
        }
    }
    if (jobs.empty()) return refuse("None of the checked methods has a " + axis_->currentText() + " budget.");
    chart_->removeAllSeries();
    for (QAbstractAxis* a : chart_->axes()) chart_->removeAxis(a), delete a;
    lines_.clear();
    outcomes_.clear();
    auto* x = new QValueAxis;
    x->setTitleText(bits ? "bits" : "sparsity");
    chart_->addAxis(x, Qt::AlignBottom);
    status_->setText(QString("running %1 runs").arg(jobs.size()));
    runner_->start(RunRequest{layer_->loaded, jobs, false});
    rescale();
    return true;
}

void SweepTab::onOutcome(const OutcomePtr& outcome) {
    if (!outcome->result) {
        status_->setText(methodLabel(outcome->request.method) + " failed: " + QString::fromStdString(outcome->error));
        return;
    }
    outcomes_.push_back(outcome);
    QLineSeries*& line = lines_[outcome->request.method];
    if (!line) {
        line = new QLineSeries;
        line->setName(methodLabel(outcome->request.method));
        line->setPointsVisible(true);
        chart_->addSeries(line);
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
    QAbstractAxis* x = nullptr;
    for (QAbstractAxis* a : chart_->axes(Qt::Horizontal)) x = a;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = 0;
    for (const auto& [m, line] : lines_)
        for (const QPointF& p : line->points()) {
            x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x());
            y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
        }
    if (y1 > 0) {
        if (wantLog) y->setRange(y0 / 1.5, y1 * 1.5);
        else y->setRange(0.0, y1 * 1.1);
    }
    if (x && std::isfinite(x0)) x->setRange(x0 - 0.05 * std::max(1e-9, x1 - x0), x1 + 0.05 * std::max(1e-9, x1 - x0));
}

int SweepTab::lineCount() const { return static_cast<int>(lines_.size()); }

int SweepTab::pointCount(const std::string& method) const {
    auto it = lines_.find(method);
    return it == lines_.end() ? 0 : it->second->count();
}

QString SweepTab::toCsv() const {
    QString out = "method,axis,value,relative_output_error,sparsity,bits_per_weight,seconds\n";
    const QString axis = axis_->currentText();
    for (const OutcomePtr& o : outcomes_) {
        const MethodResult& r = *o->result;
        out += QString("%1,%2,%3,%4,%5,%6,%7\n")
                   .arg(QString::fromStdString(o->request.method), axis)
                   .arg(o->request.sweepX, 0, 'g', 6)
                   .arg(r.relative_output_error, 0, 'g', 10)
                   .arg(r.sparsity, 0, 'g', 10)
                   .arg(r.bits_per_weight, 0, 'g', 10)
                   .arg(r.seconds, 0, 'g', 6);
    }
    return out;
}

QByteArray SweepTab::toJson() const {
    QJsonArray array;
    for (const OutcomePtr& o : outcomes_) {
        const MethodResult& r = *o->result;
        QJsonObject obj;
        obj["method"] = QString::fromStdString(o->request.method);
        obj["axis"] = axis_->currentText();
        obj["value"] = o->request.sweepX;
        obj["relative_output_error"] = r.relative_output_error;
        obj["sparsity"] = r.sparsity;
        obj["bits_per_weight"] = r.bits_per_weight;
        obj["seconds"] = r.seconds;
        array.append(obj);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

}  // namespace layerlens::ui
