#include "comparison_grid.h"

#include <QAbstractButton>
#include <QButtonGroup>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "channel_focus.h"
#include "colour_bar_widget.h"
#include "heatmap_state.h"
#include "heatmap_widget.h"
#include "method_column.h"
#include "scatter_widget.h"

namespace layerlens::ui {

ComparisonGrid::ComparisonGrid(ChannelFocus* focus, QWidget* parent)
    : QWidget(parent),
      focus_(focus),
      state_(new HeatmapState(this)),
      columnsArea_(new QWidget),
      columnsLayout_(new QHBoxLayout(columnsArea_)),
      mapChoice_(new QButtonGroup(this)),
      logColour_(new QCheckBox("log colour", this)),
      logScatter_(new QCheckBox("log axes", this)) {
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel("heatmap:"));
    const struct {
        const char* text;
        const char* tip;
        HeatmapState::Map map;
    } maps[] = {{"salience |Ŵ|·a", "What each weight contributes after compression: |Ŵ_ij|·a_j with a_j = mean |X_j| (AWQ's salience).",
                 HeatmapState::Map::Salience},
                {"Wanda score |Ŵ|·‖X‖", "Wanda's score of each surviving weight: |Ŵ_ij|·‖X_j‖₂.", HeatmapState::Map::WandaScore},
                {"error map |W−Ŵ|·‖X‖", "Where the method put its error: |W_ij − Ŵ_ij|·‖X_j‖₂.", HeatmapState::Map::ErrorMap}};
    for (const auto& m : maps) {
        auto* button = new QRadioButton(m.text, this);
        button->setToolTip(m.tip);
        button->setObjectName(QString("map_%1").arg(static_cast<int>(m.map)));
        mapChoice_->addButton(button, static_cast<int>(m.map));
        controls->addWidget(button);
    }
    mapChoice_->button(0)->setChecked(true);
    controls->addSpacing(12);
    logColour_->setChecked(true);
    logColour_->setToolTip("Logarithmic colour scale: a few huge outliers no longer turn the rest black.");
    logScatter_->setChecked(true);
    logScatter_->setToolTip("Logarithmic scatter axes, so channels spanning decades are all visible.");
    controls->addWidget(logColour_);
    controls->addWidget(logScatter_);
    controls->addStretch();
    controls->addWidget(new ColourBarWidget(state_, this));

    columnsLayout_->setContentsMargins(0, 0, 0, 0);
    columnsLayout_->setSpacing(6);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(columnsArea_);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(buildMarksLegend());
    layout->addWidget(scroll, 1);

    connect(mapChoice_, &QButtonGroup::idClicked, this, [this](int id) { state_->setMap(static_cast<HeatmapState::Map>(id)); });
    // However the map changes (button, menu, test), the buttons follow and the scale refits.
    connect(state_, &HeatmapState::mapChanged, this, [this] {
        if (QAbstractButton* b = mapChoice_->button(static_cast<int>(state_->map()))) b->setChecked(true);
        updateColourRange();
    });
    connect(logColour_, &QCheckBox::toggled, state_, &HeatmapState::setLogScale);
    connect(logColour_, &QCheckBox::toggled, this, [this] { updateColourRange(); });
    connect(logScatter_, &QCheckBox::toggled, this, &ComparisonGrid::setLogScatter);
    connect(focus_, &ChannelFocus::marksChanged, this, &ComparisonGrid::showMarksLegend);
    showMarksLegend();
}

QWidget* ComparisonGrid::buildMarksLegend() {
    marksRow_ = new QWidget(this);
    marksLegend_ = new QLabel(marksRow_);
    marksLegend_->setObjectName("marks_legend");
    marksLegend_->setTextFormat(Qt::RichText);
    marksLegend_->setWordWrap(true);
    marksLegend_->setToolTip("In the scatters: a ring or a square around the channel's dot. In the heatmaps: a wedge or a "
                             "square on the top and bottom edge, over the channel's column.");
    auto* clear = new QPushButton("Clear marks", marksRow_);
    clear->setToolTip("Remove these marks from every column.");
    connect(clear, &QPushButton::clicked, focus_, &ChannelFocus::clearMarks);
    auto* row = new QHBoxLayout(marksRow_);
    row->setContentsMargins(4, 0, 4, 0);
    row->addWidget(marksLegend_, 1);
    row->addWidget(clear);
    return marksRow_;
}

QString ComparisonGrid::marksLegend() const { return marksLegend_->isVisibleTo(this) ? marksLegend_->text() : QString(); }

void ComparisonGrid::showMarksLegend() {
    // The swatch has the shape the scatter draws (ring or square) in the mark's colour.
    QStringList parts;
    for (const ChannelMarks& group : focus_->marks()) {
        QStringList channels;
        for (int j : group.channels) channels << QString::number(j);
        const QString symbol = group.shape == ChannelMarks::Shape::Square ? "□" : "○";
        parts << QString("<span style='color:%1; font-weight:bold'>%2</span> %3: %4")
                     .arg(group.colour.name(), symbol, group.label.toHtmlEscaped(),
                          channels.isEmpty()       ? QString("none")
                          : channels.size() == 1 ? "channel " + channels.front()
                                                 : "channels " + channels.join(", "));
    }
    marksRow_->setVisible(!parts.isEmpty());
    marksLegend_->setText(parts.isEmpty() ? QString()
                                          : "<b>" + focus_->marksTitle().toHtmlEscaped() + "</b> &nbsp; " +
                                                parts.join(" &nbsp;&nbsp; "));
}

void ComparisonGrid::setLayer(const LayerViewPtr& layer) {
    layer_ = layer;
    for (MethodColumn* column : columns_) column->deleteLater();
    columns_.clear();
    jobMethods_.clear();
    finishedThisRun_.clear();
    state_->setMatrixSize(QSizeF(layer->dIn(), layer->dOut()));
}

MethodColumn* ComparisonGrid::column(const std::string& method) const {
    for (MethodColumn* c : columns_)
        if (c->method() == method) return c;
    return nullptr;
}

MethodColumn* ComparisonGrid::columnOfJob(int job) const {
    if (job < 0 || job >= static_cast<int>(jobMethods_.size())) return nullptr;
    return column(jobMethods_[static_cast<size_t>(job)]);
}

void ComparisonGrid::beginRun(const std::vector<MethodJob>& jobs) {
    std::vector<MethodColumn*> next;
    jobMethods_.clear();
    for (const MethodJob& job : jobs) {
        jobMethods_.push_back(job.method);
        MethodColumn* c = column(job.method);
        if (!c) {
            c = new MethodColumn(job.method, state_, focus_, columnsArea_);
            c->setLayer(layer_);
            c->scatter()->setLogAxes(logScatter_->isChecked());
            connect(c, &MethodColumn::hovered, this, &ComparisonGrid::hovered);
            connect(c, &MethodColumn::exportViewRequested, this, &ComparisonGrid::exportViewRequested);
        }
        c->setQueued();
        next.push_back(c);
    }
    for (MethodColumn* c : columns_)
        if (std::find(next.begin(), next.end(), c) == next.end()) c->deleteLater();
    columns_ = next;
    while (columnsLayout_->count() > 0) columnsLayout_->takeAt(0);
    for (MethodColumn* c : columns_) columnsLayout_->addWidget(c);
    finishedThisRun_.assign(jobs.size(), false);
    updateColourRange();
}

void ComparisonGrid::onMethodStarted(int job) {
    if (MethodColumn* c = columnOfJob(job)) c->setRunning(0.0, "running");
}

void ComparisonGrid::onMethodProgressed(int job, double fraction, const QString& stage) {
    if (MethodColumn* c = columnOfJob(job)) c->setRunning(fraction, stage);
}

void ComparisonGrid::onMethodFinished(const OutcomePtr& outcome) {
    MethodColumn* c = columnOfJob(outcome->job);
    if (!c) return;
    finishedThisRun_[static_cast<size_t>(outcome->job)] = true;
    c->setOutcome(outcome);
    updateColourRange();
}

void ComparisonGrid::endRun(const QString& why) {
    for (size_t k = 0; k < jobMethods_.size() && k < finishedThisRun_.size(); ++k)
        if (!finishedThisRun_[k])
            if (MethodColumn* c = column(jobMethods_[k])) c->markStale(why);
}

void ComparisonGrid::setLogScatter(bool on) {
    for (MethodColumn* c : columns_) c->scatter()->setLogAxes(on);
}

void ComparisonGrid::updateColourRange() {
    // One scale for every column: the largest value of any column, and a floor under which
    // values are "quiet" (log) or zero (linear).
    float high = 0.0f, floor = INFINITY;
    for (MethodColumn* c : columns_)
        if (const MaxPyramid* p = c->heatmap()->currentPyramid(); p && !p->empty()) {
            high = std::max(high, p->maxValue());
            if (p->floorValue() > 0) floor = std::min(floor, p->floorValue());
        }
    if (!(high > 0)) return;
    if (!std::isfinite(floor) || floor >= high) floor = high * 1e-4f;
    state_->setRange(state_->logScale() ? floor : 0.0f, high);
}

}  // namespace layerlens::ui
