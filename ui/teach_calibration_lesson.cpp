#include "teach_calibration_lesson.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include "method_registry.h"
#include "teach_text.h"
#include "teach_traffic_strip.h"

namespace layerlens::ui {

namespace {
QString penaltyText(double penalty) {
    if (!std::isfinite(penalty)) return "∞";
    return (penalty >= 0 ? "+" : "") + teachPercent(penalty);
}
QVector<double> values(const VectorD& v) { return QVector<double>(v.data(), v.data() + v.size()); }
QVector<int> channels(const std::vector<int>& v) { return QVector<int>(v.begin(), v.end()); }
}  // namespace

TeachCalibrationLesson::TeachCalibrationLesson(QWidget* parent)
    : QWidget(parent),
      task_(this, {[this](const auto& result) { showResult(result); },
                   [this](const QString& message) {
                       progress_->hide();
                       status_->setText("The lesson failed: " + message.toHtmlEscaped());
                       emit lessonFailed(message);
                   },
                   {},
                   [this](int permille, const QString&) { progress_->setValue(permille); }}) {
    const teach::CalibrationLessonSpec spec;
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph("<blockquote><i>“If your calibration traffic is fake, salience estimates become "
                                     "fake too. Then you protect the wrong places.”</i></blockquote>"));
    layout->addWidget(teachParagraph(
        QString("AWQ and GPTQ learn from <b>calibration</b> tokens which channels are busy. Here they learn from one set "
                "of tokens and are then judged on the traffic the layer really serves. Faking traffic needs the real "
                "tokens, which the loaded layer does not keep, so this lesson uses a small built-in demo layer "
                "(%1 × %2, %3 tokens: half to calibrate, half served).")
            .arg(spec.demo.d_out)
            .arg(spec.demo.d_in)
            .arg(spec.demo.n_tokens)));
    auto* controls = new QHBoxLayout;
    kind_ = new QComboBox;
    kind_->addItem("real tokens (honest)", static_cast<int>(teach::CalibrationKind::Honest));
    kind_->addItem("real tokens, channels shuffled", static_cast<int>(teach::CalibrationKind::ShuffledChannels));
    kind_->addItem("another layer's tokens", static_cast<int>(teach::CalibrationKind::OtherTraffic));
    kind_->setCurrentIndex(1);
    kind_->setToolTip("What the methods calibrate on. The served traffic is always the real tokens.");
    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(200);
    progress_->hide();
    status_ = teachParagraph();
    controls->addWidget(new QLabel("calibrate on"));
    controls->addWidget(kind_);
    controls->addWidget(progress_);
    controls->addStretch(1);
    layout->addLayout(controls);
    layout->addWidget(status_);
    strip_ = new TeachTrafficStrip;
    layout->addWidget(strip_);
    layout->addWidget(teachParagraph("Bar height: the activation a_j of each channel. "
                                     "<span style='color: #e67800'><b>Orange</b></span>: the top channels of that set."));
    table_ = teachParagraph();
    layout->addWidget(table_);
    verdict_ = teachParagraph();
    layout->addWidget(verdict_);
    layout->addWidget(teachParagraph("<i>So calibrate on traffic like the one you serve — code, JSON, tool calls, long "
                                     "prompts, other languages — and evaluate on it too.</i>"));
    layout->addStretch();
    connect(kind_, &QComboBox::currentIndexChanged, this, &TeachCalibrationLesson::run);
}

void TeachCalibrationLesson::setKind(teach::CalibrationKind kind) {
    const int index = kind_->findData(static_cast<int>(kind));
    if (index == kind_->currentIndex()) run();
    else kind_->setCurrentIndex(index);
}

void TeachCalibrationLesson::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!ran_) run();
}

void TeachCalibrationLesson::run() {
    ran_ = true;
    teach::CalibrationLessonSpec spec;
    spec.kind = static_cast<teach::CalibrationKind>(kind_->currentData().toInt());
    progress_->setValue(0);
    progress_->show();
    status_->setText("Calibrating AWQ and GPTQ …");
    task_.start([spec](Progress& progress) { return teach::run_calibration_lesson(spec, progress); });
}

void TeachCalibrationLesson::showResult(const std::shared_ptr<const teach::CalibrationLesson>& result) {
    result_ = result;
    progress_->hide();
    const teach::CalibrationLesson& lesson = *result;
    const CalibrationCheck& check = lesson.check;
    status_->setText(QString("Calibrated on %1.").arg(QString::fromStdString(lesson.calibration_set)));
    strip_->setRows({{"real traffic (served)", values(lesson.served_traffic), channels(check.top_b)},
                     {"calibration tokens", values(lesson.calibration_traffic), channels(check.top_a)}});

    const int top = static_cast<int>(check.top_b.size());
    const int shared = top - static_cast<int>(check.entered.size());
    QString table = QString("The %1 busiest channels of the real traffic and of the calibration tokens: <b>%2 of %1</b> "
                            "are the same (overlap %3).<br>")
                        .arg(top)
                        .arg(shared)
                        .arg(teachNumber(check.overlap, 2));
    table += "<table cellspacing=0 cellpadding=5 border=1 style='border-collapse: collapse'>"
             "<tr><th>method</th><th>E on the real traffic,<br>calibrated on it</th>"
             "<th>E on the real traffic,<br>calibrated on these tokens</th><th>extra error from<br>these tokens</th></tr>";
    for (const MethodCalibration& m : check.methods)
        table += QString("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td><td align=right><b>%4</b></td></tr>")
                     .arg(QString::fromStdString(find_method(m.method).label))
                     .arg(teachPercent(m.error_on_b_calibrated_on_b))
                     .arg(teachPercent(m.error_on_b_calibrated_on_a))
                     .arg(penaltyText(m.penalty));
    table += "</table>";
    table_->setText(table);

    QString verdict;
    if (shared == top)
        verdict = "The calibration tokens find the same busy channels as the real traffic, so the methods protect the "
                  "right places";
    else
        verdict = QString("The calibration tokens point at the wrong channels: %1 of the real busiest channels look calm "
                          "to them, so AWQ protects the wrong places")
                      .arg(top - shared);
    double worst = 0.0;
    QString worstMethod;
    for (const MethodCalibration& m : check.methods)
        if (m.penalty >= worst) worst = m.penalty, worstMethod = QString::fromStdString(find_method(m.method).label);
    if (!worstMethod.isEmpty() && worst > 0.01)
        verdict += QString(". On the traffic it serves, %1's error grows by <b>%2</b>.").arg(worstMethod, teachPercent(worst));
    else
        verdict += ", and the error on the traffic it serves hardly changes.";
    verdict_->setText(verdict);
    emit lessonFinished();
}

QString TeachCalibrationLesson::resultText() const { return status_->text() + "\n" + table_->text() + "\n" + verdict_->text(); }

}  // namespace layerlens::ui
