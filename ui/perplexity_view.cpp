#include "perplexity_view.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "model/model_evaluation.h"
#include "model_chart_view.h"
#include "model_eval_files.h"
#include "model_eval_model.h"
#include "model_eval_runner.h"
#include "model_run_form.h"

namespace layerlens::ui {

namespace {
const char* kJsonFilter = "Evaluation JSON (*.json);;All files (*)";
}

PerplexityView::PerplexityView(QWidget* parent)
    : QWidget(parent),
      form_(new ModelRunForm(this)),
      runner_(new ModelEvalRunner(this)),
      model_(new ModelEvalModel(this)),
      chart_(new ModelChartView(model_, this)),
      table_(new QTableView(this)),
      run_(new QPushButton("Run ▶", this)),
      cancel_(new QPushButton("Cancel ■", this)),
      save_(new QPushButton("Save JSON…", this)),
      progress_(new QProgressBar(this)),
      status_(new QLabel(this)) {
    table_->setObjectName("model_table");
    table_->setModel(model_);
    table_->setToolTip("Perplexity of each method (down) at each budget (across); the best compressed method of each "
                       "budget in bold. Hover a cell for its KL and timings.");
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Budget columns share the width, numbers centred under their budget, as in a paper's table.
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->horizontalHeader()->setMinimumSectionSize(90);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    connect(model_, &QAbstractItemModel::modelReset, this, &PerplexityView::fitTable);
    status_->setWordWrap(true);
    status_->setTextFormat(Qt::PlainText);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    fitTable();
    chart_->setMinimumHeight(320);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(form_);
    layout->addLayout(buildButtons());
    layout->addWidget(status_);
    // The chart takes the height; the table only what its rows need (fitTable).
    layout->addWidget(chart_, 1);
    layout->addWidget(table_);

    connect(runner_, &ModelEvalRunner::progressed, this, &PerplexityView::onProgress);
    connect(runner_, &ModelEvalRunner::rowFinished, this, &PerplexityView::onRow);
    connect(runner_, &ModelEvalRunner::runFinished, this, &PerplexityView::onFinished);
    connect(runner_, &ModelEvalRunner::runCanceled, this, [this] {
        setRunning(false);
        showStatus(QString("Cancelled; the %1 rows that finished stay.").arg(model_->evaluation().rows.size()));
        emit runCanceled();
    });
    connect(runner_, &ModelEvalRunner::runFailed, this, [this](const QString& message) {
        setRunning(false);
        showError("The evaluation failed: " + message);
        emit runFailed(message);
    });
    setRunning(false);
    showStatus("Choose a model and a table, then press Run; or open an evaluation JSON written by "
               "`layerlens-cli eval-model --json` or by Save JSON.");
}

PerplexityView::~PerplexityView() = default;

QLayout* PerplexityView::buildButtons() {
    run_->setToolTip("Sample the token sets, measure the dense model, then compress and evaluate every planned point.");
    cancel_->setToolTip("Stop the evaluation; the rows that finished stay.");
    auto* open = new QPushButton("Open evaluation JSON…", this);
    open->setToolTip("Show an evaluation saved earlier (`layerlens-cli eval-model --json` or Save JSON).");
    save_->setToolTip("Save the rows shown as JSON, the format `layerlens-cli eval-model --json` writes.");
    progress_->setRange(0, 1000);
    progress_->setTextVisible(true);
    connect(run_, &QPushButton::clicked, this, &PerplexityView::run);
    connect(cancel_, &QPushButton::clicked, this, &PerplexityView::cancel);
    connect(open, &QPushButton::clicked, this, &PerplexityView::chooseAndOpen);
    connect(save_, &QPushButton::clicked, this, &PerplexityView::chooseAndSave);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_);
    buttons->addWidget(cancel_);
    buttons->addWidget(progress_, 1);
    buttons->addStretch(0);
    buttons->addWidget(open);
    buttons->addWidget(save_);
    return buttons;
}

bool PerplexityView::run() {
    ModelEvalRequest request;
    try {
        request = form_->request();
    } catch (const std::exception& e) {
        showError(QString::fromUtf8(e.what()));
        emit runFailed(QString::fromUtf8(e.what()));
        return false;
    }
    expectedRows_ = 1 + static_cast<int>(request.points.size());
    ModelEvaluation empty;
    empty.model_path = request.model_path;
    model_->setEvaluation(std::move(empty));
    runner_->start(std::move(request));
    setRunning(true);
    onProgress(0.0, "loading the model");
    showStatus(QString("Running: the dense model, then %1 compressed models.").arg(expectedRows_ - 1));
    return true;
}

void PerplexityView::cancel() { runner_->cancel(); }
bool PerplexityView::isRunning() const { return runner_->isRunning(); }
QString PerplexityView::statusText() const { return status_->text(); }

void PerplexityView::setRunning(bool running) {
    run_->setEnabled(!running);
    cancel_->setEnabled(running);
    progress_->setVisible(running);
    save_->setEnabled(!model_->isEmpty());
}

void PerplexityView::showStatus(const QString& text) {
    statusIsError_ = false;
    status_->setStyleSheet(QString());
    status_->setText(text);
}

void PerplexityView::showError(const QString& text) {
    statusIsError_ = true;
    status_->setStyleSheet("color: #c0392b");
    status_->setText(text);
}

void PerplexityView::onProgress(double fraction, const QString& stage) {
    progress_->setValue(static_cast<int>(fraction * progress_->maximum()));
    progress_->setFormat(stage.isEmpty() ? QString("%p%") : stage + "  (%p%)");
}

void PerplexityView::onRow(const ModelEvaluation& header, const ModelEvalRow& row) {
    model_->addRow(header, row);
    save_->setEnabled(true);
    const int rows = static_cast<int>(model_->evaluation().rows.size());
    showStatus(QString("Running: %1 of %2 rows done; last %3%4, perplexity %5.")
                   .arg(rows)
                   .arg(expectedRows_)
                   .arg(QString::fromStdString(row.method), row.budget.empty() ? QString() : " at " + QString::fromStdString(row.budget))
                   .arg(perplexityText(row.perplexity)));
    emit rowAdded(rows);
}

void PerplexityView::onFinished(const ModelEvaluation& evaluation) {
    model_->setEvaluation(evaluation);
    setRunning(false);
    showStatus("Done. " + describe(evaluation));
    emit runFinished();
}

QString PerplexityView::describe(const ModelEvaluation& e) const {
    QString text = QString::fromStdString(e.model_path);
    // The JSON keeps neither the layout nor the shape; a run knows both.
    if (e.config.n_layers > 0)
        text += QString(" (%1, %2 blocks of dim %3)")
                    .arg(QString::fromStdString(model_layout_name(e.layout)))
                    .arg(e.config.n_layers)
                    .arg(e.config.dim);
    text += QString(": calibrated on %1 sequences (%2 tokens)%3, evaluated on %4 sequences (%5 predicted tokens); %6 rows.")
                .arg(e.calibration_sequences)
                .arg(e.calibration_tokens)
                .arg(e.sequential ? ", block by block on the compressed model" : ", every block on the dense activations")
                .arg(e.evaluation_sequences)
                .arg(e.evaluation_tokens)
                .arg(e.rows.size());
    if (!e.evaluation_sample.empty()) text += "\nSample: " + QString::fromStdString(e.evaluation_sample).simplified().left(200);
    return text;
}

bool PerplexityView::openJson(const QString& path) {
    ModelEvaluation evaluation;
    try {
        evaluation = readModelEvalFile(path);
    } catch (const std::exception& e) {
        showError(QString("Cannot open %1: %2").arg(QFileInfo(path).fileName(), QString::fromUtf8(e.what())));
        emit jsonFailed(QString::fromUtf8(e.what()));
        return false;
    }
    const bool wasRunning = runner_->isRunning();
    runner_->discard();
    model_->setEvaluation(std::move(evaluation));
    setRunning(false);
    showStatus(QString("Opened %1%2. %3").arg(path, wasRunning ? " (the run was stopped)" : "", describe(model_->evaluation())));
    emit jsonOpened(path);
    return true;
}

QString PerplexityView::saveJson(const QString& path) {
    try {
        writeModelEvalFile(model_->evaluation(), path);
    } catch (const std::exception& e) {
        const QString message = QString::fromUtf8(e.what());
        showError("Not saved: " + message);
        return message;
    }
    showStatus(QString("Saved %1 rows to %2.").arg(model_->evaluation().rows.size()).arg(path));
    return {};
}

void PerplexityView::chooseAndOpen() {
    const QString path = QFileDialog::getOpenFileName(this, "Open an evaluation JSON", {}, kJsonFilter);
    if (!path.isEmpty()) openJson(path);
}

void PerplexityView::chooseAndSave() {
    const QString path = QFileDialog::getSaveFileName(this, "Save the evaluation as JSON", "evaluation.json", kJsonFilter);
    if (!path.isEmpty()) saveJson(path);
}

void PerplexityView::fitTable() {
    // Every row visible up to a dozen; beyond that the table scrolls and the chart keeps its room.
    table_->resizeRowsToContents();
    int height = table_->horizontalHeader()->sizeHint().height() + 2 * table_->frameWidth();
    for (int row = 0; row < std::min(model_->rowCount(), 12); ++row) height += table_->rowHeight(row);
    if (model_->rowCount() == 0) height += table_->verticalHeader()->defaultSectionSize();
    table_->setFixedHeight(height);
}

}  // namespace layerlens::ui
