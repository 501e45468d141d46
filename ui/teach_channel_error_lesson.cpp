#include "teach_channel_error_lesson.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>

#include "teach_channel_error_chart.h"
#include "teach_text.h"

namespace layerlens::ui {

namespace {
// About as many bars as a projector shows legibly; the busiest 1% is one of them.
constexpr int kGroups = 40;
const QColor kAwqColour(230, 120, 0), kGptqColour(52, 101, 164);
}  // namespace

TeachChannelErrorLesson::TeachChannelErrorLesson(QWidget* parent)
    : TeachLayerLesson(parent),
      task_(this, {[this](const auto& result) { showResult(result); },
                   [this](const QString& message) {
                       progress_->hide();
                       status_->setText("The comparison failed: " + message.toHtmlEscaped());
                       emit comparisonFailed(message);
                   },
                   {},
                   [this](int permille, const QString&) { progress_->setValue(permille); }}) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph(
        "Two methods, two questions. <b>GPTQ</b> asks: <i>“how do I keep the outputs the same on the calibration "
        "data?”</i> It rounds one column at a time and lets the columns not yet rounded make up for the error. "
        "<b>AWQ</b> asks: <i>“which channels does the traffic lean on?”</i> It scales the busy channels up before "
        "rounding, so their weights are rounded more finely."));
    layout->addWidget(teachParagraph("Below: where each method left its error on the loaded layer, one bar per group "
                                     "of input channels, the busiest on the left."));
    auto* controls = new QHBoxLayout;
    bits_ = new QComboBox;
    bits_->addItem("3 bits", 3);
    bits_->addItem("4 bits", 4);
    bits_->setCurrentIndex(1);
    bits_->setToolTip("The bit width both methods quantise to (groups of 128 weights).");
    rerun_ = new QPushButton("Run again");
    rerun_->setToolTip("Run AWQ and GPTQ on the loaded layer again.");
    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(200);
    progress_->hide();
    status_ = teachParagraph("Load a layer (File ▸ Open, or the built-in demo) to compare the two methods on it.");
    controls->addWidget(new QLabel("both at"));
    controls->addWidget(bits_);
    controls->addWidget(rerun_);
    controls->addWidget(progress_);
    controls->addWidget(status_, 1);
    layout->addLayout(controls);
    chart_ = new TeachChannelErrorChart;
    layout->addWidget(chart_, 1);
    summary_ = teachParagraph();
    layout->addWidget(summary_);
    layout->addWidget(teachParagraph("<i>Neither wins everywhere. If your serving stack supports both, benchmark both "
                                     "on the tasks you really serve.</i>"));
    connect(bits_, &QComboBox::currentIndexChanged, this, [this] { rerun(); });
    connect(rerun_, &QPushButton::clicked, this, [this] { rerun(); });
}

void TeachChannelErrorLesson::setBits(int bits) { bits_->setCurrentIndex(bits_->findData(bits)); }

void TeachChannelErrorLesson::startRun(const LayerViewPtr& layer) {
    CompressionParams params;
    params.bits = bits_->currentData().toInt();
    std::shared_ptr<const LoadedLayer> loaded = layer->loaded;
    progress_->setValue(0);
    progress_->show();
    status_->setText(QString("Running AWQ and GPTQ on %1 x %2 …").arg(layer->dOut()).arg(layer->dIn()));
    task_.start([loaded, params](Progress& progress) {
        return teach::compare_channel_errors(loaded->layer, loaded->stats, {"awq", "gptq"}, params, kGroups, progress);
    });
}

void TeachChannelErrorLesson::clearResult() {
    task_.cancel();
    result_.reset();
    progress_->hide();
    chart_->setData({});
    summary_->clear();
    status_->setText(layer() ? "Computing when this lesson is shown."
                             : "Load a layer (File ▸ Open, or the built-in demo) to compare the two methods on it.");
}

void TeachChannelErrorLesson::showResult(const std::shared_ptr<const teach::ChannelErrorLesson>& result) {
    result_ = result;
    progress_->hide();
    const teach::ChannelErrorLesson& lesson = *result;
    const QString name = QString::fromStdString(layer()->loaded->layer.name.empty() ? layer()->loaded->source
                                                                                     : layer()->loaded->layer.name);
    status_->setText(QString("<b>%1</b>, %2 input channels, both at %3.")
                         .arg(name.toHtmlEscaped())
                         .arg(lesson.order.size())
                         .arg(QString::fromStdString(lesson.budget)));

    // One scale for both series: the average channel's error over both methods.
    double unit = 0.0;
    for (const auto& m : lesson.methods) unit += m.E;
    unit /= std::max<double>(1.0, static_cast<double>(lesson.methods.size() * lesson.order.size()));
    TeachChannelErrorChartData data;
    for (const auto& m : lesson.methods) {
        TeachChannelErrorChartData::Series series;
        series.label = QString("%1  E = %2").arg(QString::fromStdString(m.label), teachPercent(m.E));
        series.colour = m.method == "awq" ? kAwqColour : kGptqColour;
        for (double v : m.group_mean) series.values.append(unit > 0 ? v / unit : 0.0);
        data.series.append(series);
    }
    const VectorD& a = layer()->loaded->stats.mean_abs;
    const double inputScale = layer()->loaded->stats.input_scale;
    for (const teach::ChannelGroup& group : lesson.groups) {
        data.busiest.append(group.busiest);
        const int first = lesson.order[static_cast<size_t>(group.first)];
        const int last = lesson.order[static_cast<size_t>(group.first + group.count - 1)];
        data.groupTips.append(group.count == 1
                                  ? QString("channel %1, a_j = %2").arg(first).arg(a[first] / inputScale, 0, 'g', 3)
                                  : QString("%1 channels, a_j from %2 down to %3")
                                        .arg(group.count)
                                        .arg(a[first] / inputScale, 0, 'g', 3)
                                        .arg(a[last] / inputScale, 0, 'g', 3));
    }
    data.busiestLabel = QString("busiest 1%: %1 channel%2").arg(lesson.busiest).arg(lesson.busiest == 1 ? "" : "s");
    chart_->setData(data);

    // The sentences come from the numbers, whichever way they fall.
    QString text = QString("The busiest %1 channel%2 carry <b>%3</b> of the layer's traffic. ")
                       .arg(lesson.busiest)
                       .arg(lesson.busiest == 1 ? "" : "s")
                       .arg(teachPercent(lesson.busiest_traffic_share));
    const teach::MethodChannelError* awq = nullptr;
    const teach::MethodChannelError* gptq = nullptr;
    for (const auto& m : lesson.methods) (m.method == "awq" ? awq : gptq) = &m;
    if (awq && gptq) {
        text += QString("AWQ leaves <b>%1</b> of its error there, GPTQ <b>%2</b>. ")
                    .arg(teachPercent(awq->busiest_share), teachPercent(gptq->busiest_share));
        const double awqBusy = awq->busiest_share * awq->E, gptqBusy = gptq->busiest_share * gptq->E;
        text += awqBusy < gptqBusy ? "On the busy channels, AWQ's error is smaller: it protected them. "
                                   : "Here GPTQ leaves less error on the busy channels than AWQ. ";
        text += QString("Over the whole layer, E is %1 for AWQ and %2 for GPTQ: <b>%3</b> has the lower error here.")
                    .arg(teachPercent(awq->E), teachPercent(gptq->E), awq->E <= gptq->E ? "AWQ" : "GPTQ");
    }
    // Bars below zero need a word: a channel whose error partly cancels the others'.
    QStringList cancelling;
    for (const auto& m : lesson.methods)
        if (std::any_of(m.group_mean.begin(), m.group_mean.end(), [](double v) { return v < 0; }))
            cancelling << QString::fromStdString(m.label);
    if (!cancelling.isEmpty())
        text += QString("<br>Bars below zero (%1): channels whose error cancels part of the others' error at the output.")
                    .arg(cancelling.join(", "));
    summary_->setText(text);
    emit comparisonFinished();
}

QString TeachChannelErrorLesson::summaryText() const { return summary_->text(); }

}  // namespace layerlens::ui
