#include "teach_pgd_lesson.h"

#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QResizeEvent>
#include <QVBoxLayout>

#include "teach_loss_plot.h"
#include "teach_pgd_step_widget.h"
#include "teach_text.h"

namespace layerlens::ui {

namespace {
// Enough for the swap (it comes at iteration 8) and a few calm steps after it.
constexpr int kIterations = 14;

QString channelList(const std::vector<char>& kept) {
    QStringList names;
    for (size_t j = 0; j < kept.size(); ++j)
        if (kept[j]) names << QString::number(j + 1);
    return names.join(" and ");
}
}  // namespace

TeachPgdLesson::TeachPgdLesson(QWidget* parent)
    : QWidget(parent),
      problem_(teach::classroom_pgd_toy()),
      run_(teach::run_pgd_toy(problem_, kIterations)),
      best_(teach::best_sparse_row(problem_.w, problem_.C, problem_.k)) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph(
        QString("AWP prunes a row to <b>k</b> weights by repeating two moves. <b>A gradient step</b> "
                "Z = Θ + η (W − Θ) C nudges the row towards weights that give the same outputs on the traffic. "
                "<b>A projection</b> keeps the %1 largest |Z| and sets the rest to zero. Here is one row of %2 weights, "
                "keeping %1.")
            .arg(problem_.k)
            .arg(problem_.w.size())));
    // C and the loss curve side by side above the step, so one screen holds the whole lesson.
    top_ = new QBoxLayout(QBoxLayout::LeftToRight);
    problemLabel_ = teachParagraph(problemText());
    top_->addWidget(problemLabel_, 0, Qt::AlignTop);
    plot_ = new TeachLossPlot;
    plot_->setAxisTitles("iteration", "loss E");
    plot_->setMinimumHeight(220);
    QVector<QPointF> points;
    for (size_t t = 0; t < run_.E.size(); ++t) points.append(QPointF(static_cast<double>(t), run_.E[t]));
    plot_->setPoints(points);
    plot_->setReferences({{QString("best of all %1").arg(best_.supports_tried), best_.E}});
    top_->addWidget(plot_, 1);
    layout->addLayout(top_);

    auto* controls = new QHBoxLayout;
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setRange(1, static_cast<int>(run_.steps.size()));
    slider_->setPageStep(1);
    slider_->setTickPosition(QSlider::TicksBelow);
    slider_->setToolTip("Which iteration to look at.");
    slider_->setObjectName("teach_pgd_iteration");
    sliderValue_ = new QLabel;
    controls->addWidget(new QLabel("iteration"));
    controls->addWidget(slider_, 1);
    controls->addWidget(sliderValue_);
    layout->addLayout(controls);

    step_ = new TeachPgdStepWidget;
    layout->addWidget(step_);
    stepText_ = teachParagraph();
    layout->addWidget(stepText_);

    bool rose = false;
    for (size_t t = 1; t < run_.E.size(); ++t) rose = rose || run_.E[t] > run_.E[t - 1];
    layout->addWidget(teachParagraph(
        QString("The loss <b>%1</b> in these %2 iterations. That is no luck: with η ≤ 1/λ_max(C) the gradient step "
                "cannot overshoot, and keeping the %3 largest |Z| is the closest row with %3 weights to Z. "
                "PGD ends at E = %4; the best of all %5 ways to keep %3 weights is E = %6.")
            .arg(rose ? "rose somewhere" : "never rose")
            .arg(run_.steps.size())
            .arg(problem_.k)
            .arg(teachPercent(run_.E.back()))
            .arg(best_.supports_tried)
            .arg(teachPercent(best_.E))));
    connect(slider_, &QSlider::valueChanged, this, &TeachPgdLesson::showIteration);
    slider_->setValue(1);
    showIteration(1);
}

QString TeachPgdLesson::problemText() const {
    // One flat table: rich-text tables inside tables lose their spacing.
    QString rows;
    for (int i = 0; i < problem_.C.rows(); ++i) {
        rows += "<tr><td>" + QString(i == problem_.C.rows() / 2 ? "C =" : "") + "</td>";
        for (int j = 0; j < problem_.C.cols(); ++j) rows += "<td align=right width=52>" + teachNumber(problem_.C(i, j), 2) + "</td>";
        rows += "</tr>";
    }
    return QString("The inputs' auto-correlation C (its diagonal is each channel's traffic squared):"
                   "<table cellspacing=0 cellpadding=4>%1</table>"
                   "Step η = 1/λ<sub>max</sub>(C) = 1/%2 = %3.<br>Start: keep the %4 largest |W| (magnitude pruning).")
        .arg(rows)
        .arg(teachNumber(run_.lambda_max, 3))
        .arg(teachNumber(run_.eta, 3))
        .arg(problem_.k);
}

void TeachPgdLesson::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    // Side by side while the curve keeps a readable width next to C's longest line.
    const QFontMetrics metrics(font());
    const int natural = metrics.horizontalAdvance(QString("Start: keep the %1 largest |W| (magnitude pruning).").arg(problem_.k));
    top_->setDirection(width() >= natural + 28 * metrics.height() ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
}

int TeachPgdLesson::shownIteration() const { return slider_->value(); }

void TeachPgdLesson::showIteration(int iteration) {
    const int n = static_cast<int>(run_.steps.size());
    iteration = std::clamp(iteration, 1, n);
    const teach::PgdToyStep& step = run_.steps[static_cast<size_t>(iteration - 1)];
    const std::vector<char>& before = iteration == 1 ? run_.start_kept : run_.steps[static_cast<size_t>(iteration - 2)].kept;
    sliderValue_->setText(QString("%1 of %2").arg(iteration).arg(n));

    TeachPgdStepData data;
    auto row = [](const VectorD& v) { return QVector<double>(v.data(), v.data() + v.size()); };
    for (int j = 0; j < problem_.w.size(); ++j) {
        data.channels << QString::number(j + 1);
        data.traffic << std::sqrt(problem_.C(j, j));
    }
    data.rowTitles = {"original W", "Θ before", "+ η (W − Θ) C", "= Z", QString("Θ after: keep %1").arg(problem_.k)};
    data.rows = {row(problem_.w), row(step.Theta), row(step.step), row(step.Z), row(step.Theta_next)};
    data.kept = {{}, QVector<char>(before.begin(), before.end()), {}, {}, QVector<char>(step.kept.begin(), step.kept.end())};
    step_->setData(data);
    plot_->setCurrent(iteration);

    QString text = QString("Iteration %1: E goes from %2 to <b>%3</b>. Kept: channels %4.")
                       .arg(iteration)
                       .arg(teachPercent(run_.E[static_cast<size_t>(iteration - 1)]))
                       .arg(teachPercent(run_.E[static_cast<size_t>(iteration)]))
                       .arg(channelList(step.kept));
    if (step.kept != before) {
        auto traffic = [&](size_t j) { return std::sqrt(problem_.C(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j))); };
        auto weight = [&](size_t j) { return problem_.w(static_cast<Eigen::Index>(j)); };
        auto describe = [&](size_t j) {
            return QString("channel %1 (weight %2, traffic %3)").arg(j + 1).arg(teachNumber(weight(j), 2)).arg(teachNumber(traffic(j), 2));
        };
        QStringList in, out;
        bool smallerButBusier = true;
        for (size_t j = 0; j < step.kept.size(); ++j) {
            if (step.kept[j] && !before[j]) in << describe(j);
            if (!step.kept[j] && before[j]) out << describe(j);
            for (size_t l = 0; l < step.kept.size(); ++l)
                if (step.kept[j] && !before[j] && !step.kept[l] && before[l])
                    smallerButBusier = smallerButBusier && std::abs(weight(j)) < std::abs(weight(l)) && traffic(j) > traffic(l);
        }
        text += QString(" <b>In comes %1; out goes %2.</b>").arg(in.join(", "), out.join(", "));
        if (smallerButBusier) text += " A smaller weight on a busier channel took the place of a bigger one on a quieter channel.";
    } else {
        text += " The same channels as before; only their values move.";
    }
    stepText_->setText(text);
}

QString TeachPgdLesson::stepText() const { return stepText_->text(); }

}  // namespace layerlens::ui
