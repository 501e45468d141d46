#include "comparison_grid.h"

#include <QAbstractButton>
#include <QButtonGroup>
#include <QCheckBox>
#include <QEvent>
#include <QFontMetrics>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "channel_focus.h"
#include "colour_bar_widget.h"
#include "heatmap_state.h"
#include "heatmap_widget.h"
#include "method_column.h"
#include "scatter_colours.h"
#include "scatter_widget.h"
#include "wrapped_label.h"

namespace layerlens::ui {

ComparisonGrid::ComparisonGrid(ChannelFocus* focus, QWidget* parent)
    : QWidget(parent),
      focus_(focus),
      state_(new HeatmapState(this)),
      columnsArea_(new QWidget),
      columnsLayout_(new QGridLayout(columnsArea_)),
      scroll_(new QScrollArea(this)),
      colourBar_(new ColourBarWidget(state_, this)),
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
    // The colour bar on a row of its own: beside the switches it was clipped in a small window.
    auto* scale = new QHBoxLayout;
    scale->addWidget(new QLabel("colour:"));
    scale->addWidget(colourBar_, 1);
    colourBar_->setMinimumWidth(160);

    columnsLayout_->setContentsMargins(0, 0, 0, 0);
    columnsLayout_->setSpacing(4);
    scroll_->setWidgetResizable(true);
    scroll_->setWidget(columnsArea_);
    scroll_->setFrameShape(QFrame::NoFrame);
    scroll_->viewport()->installEventFilter(this);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(controls);
    layout->addLayout(scale);
    layout->addWidget(buildErrorMapHint());
    layout->addWidget(buildMarksLegend());
    layout->addWidget(scroll_, 1);
    layout->addWidget(buildDotLegend());
    setColumnLayout(ColumnLayout::FitWindow);

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

QWidget* ComparisonGrid::buildDotLegend() {
    // What the scatter's dots mean, in the colours ScatterWidget draws them (scatter_colours.h).
    auto* legend = new QLabel(this);
    legend->setObjectName("dot_legend");
    legend->setTextFormat(Qt::RichText);
    legend->setWordWrap(true);
    const QString text = palette().color(QPalette::WindowText).name();
    auto dot = [](const QColor& c, const QString& border = {}) {
        return QString("<span style='color:%1; font-size:large'>%2</span>").arg(c.name(), border.isEmpty() ? "●" : border);
    };
    legend->setText(QString("<small><b>Dots</b>, one per input channel: %1 protected or kept (stronger = more) &nbsp; "
                            "%2 most error &nbsp; <span style='color:%3'>◉</span> outlined, larger: singled out "
                            "(protected, top kept) &nbsp; %4 busiest channels (Teach) &nbsp; %5 the rest</small>")
                        .arg(dot(scatterProtectedColour()), dot(scatterErrorColour()), text,
                             dot(scatterBusiestColour(), "○"), dot(QColor(150, 150, 150))));
    legend->setToolTip("Choose what a column's dots show with the box under its scatter; every scatter has the same "
                       "axes, so a dot is the same channel in every column.");
    axesLegend_ = new QLabel(this);
    axesLegend_->setObjectName("axes_legend");
    axesLegend_->setWordWrap(true);
    auto* box = new QWidget(this);
    auto* lines = new QVBoxLayout(box);
    lines->setContentsMargins(4, 0, 4, 0);
    lines->setSpacing(0);
    lines->addWidget(legend);
    lines->addWidget(axesLegend_);
    keepWrappedHeight(legend);
    keepWrappedHeight(axesLegend_);
    return box;
}

QWidget* ComparisonGrid::buildErrorMapHint() {
    // In the salience map every column looks alike; the error map shows the AWQ lesson (which
    // channels each method spared), so a first-time user is pointed to it once.
    auto* hint = new QFrame(this);
    hint->setObjectName("error_map_hint");
    hint->setFrameShape(QFrame::StyledPanel);
    auto* text = new QLabel("<b>Tip:</b> the <b>error map</b> shows where each method put its error: the "
                            "activation-aware methods spare the busy channels.",
                            hint);
    text->setToolTip("In the salience map every column looks alike: compression barely changes what a weight "
                     "contributes. The error map |W−Ŵ|·‖X‖ shows the difference between methods.");
    text->setWordWrap(true);
    keepWrappedHeight(text);
    auto* show = new QPushButton("Show the error map", hint);
    show->setObjectName("error_map_hint_show");
    auto* close = new QToolButton(hint);
    close->setText("✕");
    close->setToolTip("Do not show this tip again.");
    auto* row = new QHBoxLayout(hint);
    row->setContentsMargins(6, 2, 2, 2);
    row->addWidget(text, 1);
    row->addWidget(show);
    row->addWidget(close);
    auto dismiss = [hint] {
        hint->hide();
        QSettings().setValue("hints/errorMapSeen", true);
    };
    connect(show, &QPushButton::clicked, this, [this, dismiss] {
        state_->setMap(HeatmapState::Map::ErrorMap);
        dismiss();
    });
    connect(close, &QToolButton::clicked, this, dismiss);
    // Finding the error map alone is as good as being told.
    connect(state_, &HeatmapState::mapChanged, hint, [this, dismiss] {
        if (state_->map() == HeatmapState::Map::ErrorMap) dismiss();
    });
    hint->setVisible(!QSettings().value("hints/errorMapSeen", false).toBool());
    return hint;
}

QWidget* ComparisonGrid::buildMarksLegend() {
    marksRow_ = new QWidget(this);
    marksLegend_ = new QLabel(marksRow_);
    marksLegend_->setObjectName("marks_legend");
    marksLegend_->setTextFormat(Qt::RichText);
    marksLegend_->setWordWrap(true);
    keepWrappedHeight(marksLegend_);
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
    placeColumns();
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

void ComparisonGrid::setColumnLayout(ColumnLayout layout) {
    columnLayout_ = layout;
    const bool fit = layout == ColumnLayout::FitWindow;
    // Fitted, a window too small even for one row of the narrowest columns scrolls sideways.
    scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    scroll_->setVerticalScrollBarPolicy(fit ? Qt::ScrollBarAsNeeded : Qt::ScrollBarAlwaysOff);
    placeColumns();
    emit columnLayoutChanged();
}

int ComparisonGrid::fitColumnsPerRow(int width) const {
    const int n = static_cast<int>(columns_.size());
    if (n == 0) return 1;
    const int spacing = columnsLayout_->horizontalSpacing();
    const int fits = std::max(1, (width + spacing) / (kFitMinimumWidth + spacing));
    if (fits >= n) return n;
    // Balanced rows: 12 columns that fit 7 to a row become two rows of 6, not 7 and 5.
    const int rows = (n + fits - 1) / fits;
    // Rows that would not fit the height either are worse than one row: each column cut in half
    // behind a vertical scrollbar. Then one row of narrow columns scrolls sideways, each whole.
    int columnHeight = 0;
    for (const MethodColumn* c : columns_) columnHeight = std::max(columnHeight, c->minimumSizeHint().height());
    if (rows * columnHeight + (rows - 1) * columnsLayout_->verticalSpacing() > scroll_->viewport()->height()) return n;
    return (n + rows - 1) / rows;
}

void ComparisonGrid::placeColumns() {
    // A scrollbar appearing resizes the viewport, which would place the columns again from here.
    placing_ = true;
    const bool fit = columnLayout_ == ColumnLayout::FitWindow;
    const int n = static_cast<int>(columns_.size());
    const int perRow = fit ? fitColumnsPerRow(scroll_->viewport()->width()) : std::max(1, n);
    bool moved = perRow != columnsPerRow_ || columnsLayout_->count() != n;
    for (int k = 0; !moved && k < n; ++k) moved = columnsLayout_->itemAt(k)->widget() != columns_[static_cast<size_t>(k)];
    columnsPerRow_ = perRow;
    if (moved) {
        while (columnsLayout_->count() > 0) delete columnsLayout_->takeAt(0);
        for (int k = 0; k < n; ++k) columnsLayout_->addWidget(columns_[static_cast<size_t>(k)], k / perRow, k % perRow);
        for (int c = 0; c < std::max(perRow, columnsLayout_->columnCount()); ++c)
            columnsLayout_->setColumnStretch(c, c < perRow ? 1 : 0);
    }
    // Narrow columns draw no ticks (the legend names the shared axes); wrapped rows of wider
    // columns label the first column of each row.
    const int spacing = columnsLayout_->horizontalSpacing();
    const int width = (scroll_->viewport()->width() - (perRow - 1) * spacing) / std::max(1, perRow);
    const bool narrow = fit && width < 160;
    for (int k = 0; k < n; ++k) {
        MethodColumn* column = columns_[static_cast<size_t>(k)];
        column->setMinimumWidth(fit ? kFitMinimumWidth : kScrollColumnWidth);
        column->setCompact(narrow);
        column->scatter()->setAxisLabelsShown(!fit || (!narrow && k % perRow == 0));
    }
    // One row is never cut by the bottom of the grid: the grid keeps the row's height and the
    // Compare tab scrolls instead (rows are only made when they fit, see fitColumnsPerRow).
    int columnHeight = 0;
    for (const MethodColumn* c : columns_) columnHeight = std::max(columnHeight, c->minimumSizeHint().height());
    const bool oneRow = perRow >= n;
    // (With slack: the wrapped labels of a narrow column ask a little more than their hint.)
    scroll_->setMinimumHeight(oneRow && n > 0 ? columnHeight + scroll_->horizontalScrollBar()->sizeHint().height() + 24 : 0);
    showAxesLegend();
    placing_ = false;
}

void ComparisonGrid::showAxesLegend() {
    const bool drawn = std::any_of(columns_.begin(), columns_.end(), [](MethodColumn* c) { return c->scatter()->axisLabelsShown(); });
    const QString text = columns_.empty() ? QString() : columns_.front()->scatter()->axesText();
    axesLegend_->setText("<small><b>Axes</b>, the same in every scatter: " + text.toHtmlEscaped() + "</small>");
    if (axesLegend_->isVisible()) fitWrappedHeight(axesLegend_);   // hidden, its width is stale
    axesLegend_->setVisible(!drawn && !text.isEmpty());
}

bool ComparisonGrid::eventFilter(QObject* watched, QEvent* event) {
    if (watched == scroll_->viewport() && event->type() == QEvent::Resize && columnLayout_ == ColumnLayout::FitWindow &&
        !placing_) {
        placeColumns();   // cheap when the rows stay: only the compact flags and the legend
    }
    return QWidget::eventFilter(watched, event);
}

QSize ComparisonGrid::exportSize() const {
    const int n = std::max<int>(1, static_cast<int>(columns_.size()));
    return {n * kExportColumnWidth, kExportHeaderHeight + kExportColumnHeight};
}

void ComparisonGrid::renderForExport(QPainter& painter, const QString& title) {
    const QSize size = exportSize();
    painter.fillRect(QRect(QPoint(0, 0), size), palette().color(QPalette::Window));
    painter.setPen(palette().color(QPalette::WindowText));
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.drawText(QRect(8, 0, size.width() - 16, 28), Qt::AlignLeft | Qt::AlignVCenter, title);
    painter.setFont(font());
    // The shared colour bar at its own width, then each column at the export size: a column is
    // resized for the moment of its rendering and given back to the layout after.
    const QRect bar(8, 30, std::min(520, size.width() - 16), 30);
    const QRect barWas = colourBar_->geometry();
    colourBar_->resize(bar.size());
    colourBar_->render(&painter, bar.topLeft(), QRegion(), QWidget::DrawChildren);
    colourBar_->setGeometry(barWas);
    for (size_t k = 0; k < columns_.size(); ++k) {
        MethodColumn* column = columns_[k];
        const QRect was = column->geometry();
        const bool labels = column->scatter()->axisLabelsShown();
        column->scatter()->setAxisLabelsShown(true);
        column->setMinimumWidth(0);
        column->resize(kExportColumnWidth, kExportColumnHeight);
        column->render(&painter, QPoint(static_cast<int>(k) * kExportColumnWidth, kExportHeaderHeight), QRegion(),
                       QWidget::DrawChildren);
        column->scatter()->setAxisLabelsShown(labels);
        column->setGeometry(was);
    }
    placeColumns();
    columnsLayout_->invalidate();
}

void ComparisonGrid::setLogScatter(bool on) {
    for (MethodColumn* c : columns_) c->scatter()->setLogAxes(on);
    showAxesLegend();
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
