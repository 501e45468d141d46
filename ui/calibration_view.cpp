#include "calibration_view.h"

#include "scrolling_page.h"

#include <QAction>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

#include "calibration_model.h"
#include "calibration_penalty_chart.h"
#include "calibration_runner.h"
#include "calibration_tokens_chart.h"
#include "channel_focus.h"
#include "method_panel.h"
#include "method_registry.h"

namespace layerlens::ui {

namespace {

// The marks' colours and shapes: apart from the lesson's cyan, the hover's green and the
// scatter's orange and purple protection colours, and apart from each other in shape too.
const QColor kEntered(214, 0, 150);
const QColor kLeft(0, 90, 230);

QLabel* mutedLabel(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    QPalette muted = label->palette();
    QColor ink = muted.color(QPalette::WindowText);
    ink.setAlphaF(0.75);
    muted.setColor(QPalette::WindowText, ink);
    label->setPalette(muted);
    return label;
}

}  // namespace

const QStringList CalibrationView::kDefaultMethods = {"rtn", "awq", "gptq", "wanda", "sparsegpt", "awp"};

CalibrationView::CalibrationView(MethodPanel* panel, ChannelFocus* focus, QWidget* parent)
    : QWidget(parent),
      panel_(panel),
      focus_(focus),
      runner_(new CalibrationRunner(this)),
      model_(new CalibrationModel(this)),
      penaltyChart_(new CalibrationPenaltyChart(model_, this)),
      tokensChart_(new CalibrationTokensChart(model_, this)),
      table_(new QTableView(this)),
      chooseSecond_(new QPushButton("Second calibration set…", this)),
      useHalves_(new QToolButton(this)),
      secondLabel_(new QLabel(this)),
      resamples_(new QSpinBox(this)),
      seed_(new QSpinBox(this)),
      run_(new QPushButton("Run ▶", this)),
      cancel_(new QPushButton("Cancel ■", this)),
      showChannels_(new QPushButton("Show these channels in the comparison", this)),
      progress_(new QProgressBar(this)),
      status_(new QLabel(this)),
      overlap_(new QLabel(this)),
      sets_(mutedLabel({}, this)),
      stability_(new QLabel(this)) {
    status_->setWordWrap(true);
    status_->setTextFormat(Qt::PlainText);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wider than a 1024-pixel window with its controls: the tab scrolls instead of widening the window.
    QVBoxLayout* layout = scrollingLayout(this);
    layout->addLayout(buildControls());
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(status_, 1);
    statusRow->addWidget(progress_);
    layout->addLayout(statusRow);
    layout->addWidget(buildResults(), 1);
    connectRunner();
    updateSecondInputsText();
    setRunning(false);
    showResults();
    showStatus("Checks how much the salient channels of the open layer and each method's result depend on its calibration "
               "tokens. Run compares the first and second half of the tokens, or the layer's inputs with a second set.");
}

CalibrationView::~CalibrationView() = default;

QLayout* CalibrationView::buildControls() {
    chooseSecond_->setToolTip("Set B: the same layer's inputs from another capture (an HDF5 file with a group of the layer's "
                              "name, or a .npy). Without one, A and B are the two halves of the layer's own tokens.");
    useHalves_->setText("✕");
    useHalves_->setAutoRaise(true);
    useHalves_->setToolTip("Forget the second set: A and B are the first and second half of the layer's tokens.");
    resamples_->setRange(2, 10000);
    resamples_->setValue(20);
    resamples_->setToolTip("Bootstrap resamples of set A's tokens (as `calibration --resamples`).");
    seed_->setRange(0, INT_MAX);
    seed_->setValue(0);
    seed_->setToolTip("Seed of the resamples (and of AWQ-keep's random channels), as `calibration --seed`: the same seed "
                      "gives the CLI's numbers.");
    run_->setToolTip("Check the open layer with the methods listed (Ctrl+R while this tab is in view).");
    cancel_->setToolTip("Stop the check (Esc); what was shown before stays.");
    progress_->setRange(0, 1000);
    progress_->setMinimumWidth(260);
    progress_->setTextVisible(true);
    connect(chooseSecond_, &QPushButton::clicked, this, &CalibrationView::chooseSecondInputs);
    connect(useHalves_, &QToolButton::clicked, this, [this] { setSecondInputs({}); });
    connect(run_, &QPushButton::clicked, this, &CalibrationView::run);
    connect(cancel_, &QPushButton::clicked, this, &CalibrationView::cancel);
    auto* bar = new QHBoxLayout;
    bar->addWidget(chooseSecond_);
    bar->addWidget(secondLabel_);
    bar->addWidget(useHalves_);
    bar->addSpacing(12);
    bar->addWidget(new QLabel("Resamples:", this));
    bar->addWidget(resamples_);
    bar->addWidget(new QLabel("Seed:", this));
    bar->addWidget(seed_);
    bar->addWidget(buildMethodsButton());
    bar->addSpacing(12);
    bar->addWidget(run_);
    bar->addWidget(cancel_);
    bar->addStretch(1);
    bar->addWidget(buildExportButton());
    return bar;
}

QWidget* CalibrationView::buildResults() {
    QFont big = overlap_->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    overlap_->setFont(big);
    overlap_->setObjectName("calibration_overlap");
    overlap_->setWordWrap(true);   // a wide layer's two top sets run past any window's width
    overlap_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    overlap_->setToolTip("The channels with the largest a_j = mean |X_j| in each set, and the Jaccard overlap of the two "
                         "sets (1 = the same channels).");
    stability_->setWordWrap(true);
    stability_->setObjectName("calibration_stability");
    auto* meaning = mutedLabel(
        "Penalty: how much larger the error on set B is when the method was calibrated on A instead of on B itself; 0% "
        "means the calibration data did not matter, and a penalty inside its whisker is no more than resampling the "
        "tokens alone does. As the AWQ documentation warns: “If your calibration traffic is fake, salience estimates become fake too.”",
        this);
    showChannels_->setToolTip("Mark, in every column of the Compare tab, the channels that entered the top set on B "
                              "(magenta rings) and those that left it (blue squares).");
    connect(showChannels_, &QPushButton::clicked, this, &CalibrationView::showChannelsInComparison);
    auto* explain = new QHBoxLayout;
    explain->addWidget(meaning, 1);
    explain->addWidget(showChannels_, 0, Qt::AlignTop);

    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->addWidget(penaltyChart_);
    charts->addWidget(tokensChart_);
    charts->setStretchFactor(0, 3);
    charts->setStretchFactor(1, 1);
    charts->setChildrenCollapsible(false);

    table_->setModel(model_);
    table_->verticalHeader()->setVisible(false);
    // The numbers share the width; the names take what they need.
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(CalibrationModel::Method, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(CalibrationModel::Budget, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(CalibrationModel::ResampleRange, QHeaderView::ResizeToContents);
    table_->setWordWrap(false);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    table_->setToolTip("Every method's numbers, as `layerlens-cli calibration` prints them; hover a header for its meaning.");
    for (const auto& [view, name] : {std::pair<QWidget*, QString>{penaltyChart_, "calibration_penalty"},
                                     {tokensChart_, "calibration_tokens"}, {table_, "calibration_table"}})
        connect(view, &QWidget::customContextMenuRequested, this,
                [this, view = view, name = name] { emit exportViewRequested(view, name); });

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(overlap_);
    topLayout->addWidget(sets_);
    topLayout->addWidget(stability_);
    topLayout->addWidget(charts, 1);
    topLayout->addLayout(explain);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(table_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    return split;
}

QPushButton* CalibrationView::buildMethodsButton() {
    methods_ = new QPushButton(this);
    methods_->setToolTip("The methods checked, each at the method panel's budget. Until changed here they are the ones "
                         "checked in the panel.");
    methodsMenu_ = new QMenu(methods_);
    QAction* follow = methodsMenu_->addAction("As the method panel", this, [this] {
        followPanel_ = true;
        updateMethodsText();
    });
    follow->setToolTip("Check the methods checked in the method panel.");
    methodsMenu_->addSeparator();
    for (const MethodInfo& info : all_methods()) {
        QAction* action = methodsMenu_->addAction(QString::fromStdString(info.label));
        action->setData(QString::fromStdString(info.name));
        action->setToolTip(QString::fromStdString(info.description));
        action->setCheckable(true);
        // Only the user's own choice (triggered, not a programmatic check) stops following the panel.
        connect(action, &QAction::triggered, this, [this] {
            followPanel_ = false;
            updateMethodsText();
        });
    }
    methods_->setMenu(methodsMenu_);
    updateMethodsText();
    return methods_;
}

void CalibrationView::connectRunner() {
    connect(runner_, &CalibrationRunner::progressed, this, [this](double fraction, const QString& stage) {
        progress_->setValue(static_cast<int>(fraction * progress_->maximum()));
        const QString percent = QString("  (%1%)").arg(static_cast<int>(fraction * 100));
        const int room = progress_->width() - progress_->fontMetrics().horizontalAdvance(percent) - 16;
        progress_->setFormat(progress_->fontMetrics().elidedText(stage, Qt::ElideMiddle, std::max(40, room)) + percent);
    });
    connect(runner_, &CalibrationRunner::runFinished, this, [this](const CalibrationRunPtr& run) {
        model_->setRun(run);
        setRunning(false);
        showResults();
        showStatus(QString("Checked %1 with %2 methods, %3 resamples, seed %4.")
                       .arg(QString::fromStdString(run->layer))
                       .arg(run->check.methods.size())
                       .arg(run->resamples)
                       .arg(run->seed));
        emit runFinished();
    });
    connect(runner_, &CalibrationRunner::runCanceled, this, [this] {
        setRunning(false);
        showStatus("Cancelled.");
        emit runCanceled();
    });
    connect(runner_, &CalibrationRunner::runFailed, this, [this](const QString& message) {
        setRunning(false);
        showError(message);
        emit failed(message);
    });
}

void CalibrationView::setLayer(const LayerSource& source, const LayerViewPtr& layer) {
    runner_->discard();
    source_ = source;
    layer_ = layer;
    model_->clear();
    setRunning(false);
    showResults();
    showStatus(QString("Run checks %1.").arg(QString::fromStdString(layer->loaded->source)));
}

void CalibrationView::showEvent(QShowEvent* event) {
    // The panel's checks may have changed while the tab was hidden.
    updateMethodsText();
    QWidget::showEvent(event);
}

void CalibrationView::setSecondInputs(const QString& path) {
    secondInputs_ = path;
    updateSecondInputsText();
}

void CalibrationView::updateSecondInputsText() {
    // The file's name only, so the toolbar fits; its path is in the tooltip and in the results.
    secondLabel_->setText(secondInputs_.isEmpty() ? QString("B: second half of the tokens")
                                                  : "B: " + secondLabel_->fontMetrics().elidedText(QFileInfo(secondInputs_).fileName(),
                                                                                                   Qt::ElideMiddle, 260));
    secondLabel_->setToolTip(secondInputs_.isEmpty() ? "Set B: the second half of the layer's own tokens." : "Set B: " + secondInputs_);
    useHalves_->setVisible(!secondInputs_.isEmpty());
}

void CalibrationView::setResamples(int resamples) { resamples_->setValue(resamples); }
void CalibrationView::setSeed(int seed) { seed_->setValue(seed); }

QStringList CalibrationView::selectedMethods() const {
    QStringList names;
    if (followPanel_) {
        const QStringList checked = panel_->selectedMethods();
        for (const MethodInfo& info : all_methods())
            if (checked.contains(QString::fromStdString(info.name))) names << QString::fromStdString(info.name);
        return names.isEmpty() ? kDefaultMethods : names;
    }
    for (const QAction* action : methodsMenu_->actions())
        if (action->isCheckable() && action->isChecked()) names << action->data().toString();
    return names;
}

void CalibrationView::setSelectedMethods(const QStringList& names) {
    followPanel_ = false;
    for (QAction* action : methodsMenu_->actions())
        if (action->isCheckable()) action->setChecked(names.contains(action->data().toString()));
    updateMethodsText();
}

void CalibrationView::updateMethodsText() {
    if (!methodsMenu_) return;
    const QStringList names = selectedMethods();
    int all = 0;
    for (QAction* action : methodsMenu_->actions())
        if (action->isCheckable()) {
            ++all;
            if (followPanel_) action->setChecked(names.contains(action->data().toString()));
        }
    methods_->setText(followPanel_ ? QString("Methods: as the panel (%1)").arg(names.size())
                                   : QString("Methods: %1 of %2").arg(names.size()).arg(all));
}

std::vector<ModelEvalPoint> CalibrationView::points() const {
    const std::vector<MethodJob> jobs = panel_->jobs();
    std::vector<ModelEvalPoint> points;
    for (const QString& name : selectedMethods()) {
        const std::string method = name.toStdString();
        const auto job = std::find_if(jobs.begin(), jobs.end(), [&](const MethodJob& j) { return j.method == method; });
        CompressionParams params = job != jobs.end() ? job->params : CompressionParams{};
        // As the CLI: the check's seed is every method's seed.
        params.seed = static_cast<unsigned>(seed_->value());
        points.push_back(method_points({method}, params).front());
    }
    return points;
}

bool CalibrationView::run() {
    QString refusal;
    if (!layer_) refusal = "Open a layer first (File › Open): the check runs on the layer open in the window.";
    else if (source_.demo && !secondInputs_.isEmpty())
        refusal = "A second calibration set needs a layer file; the demo layer has only its own inputs (✕ beside the set "
                  "uses the two halves).";
    else if (selectedMethods().isEmpty()) refusal = "Check at least one method (Methods).";
    CalibrationJob job;
    if (refusal.isEmpty()) {
        try {
            job.request.points = points();
        } catch (const std::exception& e) {
            refusal = QString::fromUtf8(e.what());
        }
    }
    if (!refusal.isEmpty()) {
        showError(refusal);
        emit failed(refusal);
        return false;
    }
    job.source = source_;
    job.secondInputs = secondInputs_.toStdString();
    job.request.resamples = resamples_->value();
    job.request.seed = static_cast<std::uint64_t>(seed_->value());
    const std::size_t methods = job.request.points.size();
    model_->clear();
    showResults();
    runner_->start(std::move(job));
    setRunning(true);
    progress_->setValue(0);
    progress_->setFormat("reading the inputs");
    showStatus(QString("Checking %1: %2 methods, each calibrated on A, on B and on %3 resamples of the tokens.")
                   .arg(QString::fromStdString(layer_->loaded->source))
                   .arg(methods)
                   .arg(resamples_->value()));
    return true;
}

void CalibrationView::cancel() { runner_->cancel(); }
bool CalibrationView::isRunning() const { return runner_->isRunning(); }
QString CalibrationView::statusText() const { return status_->text(); }
QString CalibrationView::overlapText() const { return overlap_->text(); }
QString CalibrationView::stabilityText() const { return stability_->text(); }

void CalibrationView::setRunning(bool running) {
    run_->setEnabled(!running && layer_);
    cancel_->setEnabled(running);
    chooseSecond_->setEnabled(!running);
    useHalves_->setEnabled(!running);
    progress_->setVisible(running);
}

void CalibrationView::showResults() {
    const CalibrationRunPtr& run = model_->run();
    overlap_->setText(run ? model_->overlapText() : QString("top-1% channels: run the check"));
    sets_->setText(run ? model_->setsText() : QString());
    sets_->setVisible(run != nullptr);
    stability_->setText(model_->stabilityText());
    stability_->setVisible(run != nullptr);
    // An unstable salient set is the news: said in the warning colour the layer panel uses.
    stability_->setStyleSheet(run && !run->check.stability.stable ? "color: #b9770e" : QString());
    // Every method's row in sight without scrolling, up to eight; more scroll.
    const int rows = std::clamp(model_->rowCount(), 3, 8);
    table_->setMinimumHeight(table_->horizontalHeader()->sizeHint().height() + rows * table_->verticalHeader()->defaultSectionSize() +
                             2 * table_->frameWidth() + 2);
    const bool marks = run && (!run->check.entered.empty() || !run->check.left.empty());
    showChannels_->setEnabled(marks);
    showChannels_->setToolTip(marks || !run ? showChannels_->toolTip() : "No channel entered or left the top set.");
}

bool CalibrationView::showChannelsInComparison() {
    const CalibrationRunPtr& run = model_->run();
    if (!run || (run->check.entered.empty() && run->check.left.empty())) return false;
    const CalibrationCheck& c = run->check;
    const QVector<int> entered(c.entered.begin(), c.entered.end()), left(c.left.begin(), c.left.end());
    focus_->setMarks({{"entered the top 1% on set B", kEntered, ChannelMarks::Shape::Ring, entered},
                      {"left it (top 1% on A only)", kLeft, ChannelMarks::Shape::Square, left}},
                     QString("Calibration check of %1:").arg(QString::fromStdString(run->layer)));
    emit channelsShown();
    return true;
}

void CalibrationView::showStatus(const QString& text) {
    statusIsError_ = false;
    status_->setStyleSheet(QString());
    status_->setText(text);
}

void CalibrationView::showError(const QString& text) {
    statusIsError_ = true;
    status_->setStyleSheet("color: #c0392b");
    status_->setText(text);
}

}  // namespace layerlens::ui
