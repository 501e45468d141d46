#include "teach_intro_lesson.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "teach_bars_widget.h"
#include "teach_text.h"

namespace layerlens::ui {

namespace {
// The exercise of the seed: weights 0.3, 1.0, −0.2 on activations 15, 0.8, 12.
constexpr double kExerciseW[3] = {0.3, 1.0, -0.2};
constexpr double kExerciseA[3] = {15.0, 0.8, 12.0};
}  // namespace

TeachIntroLesson::TeachIntroLesson(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph("A weight matters only when it meets an activation. What reaches the output is "
                                     "<b>weight × activation</b>, the channel's <i>contribution</i>."));
    layout->addWidget(buildTwoChannels());
    layout->addWidget(buildExercise());
    layout->addWidget(buildLayerLesson());
    layout->addWidget(teachParagraph("<i>AWQ asks which part of the layer gets the most traffic, and protects it.</i>"));
    layout->addStretch();

    resetRounding();
    connect(mode_, &QComboBox::currentIndexChanged, this, &TeachIntroLesson::resetRounding);
    connect(slider_, &QSlider::valueChanged, this, &TeachIntroLesson::recompute);
    for (int k = 0; k < 2; ++k) {
        connect(weight_[k], &QDoubleSpinBox::valueChanged, this, &TeachIntroLesson::recompute);
        connect(activation_[k], &QDoubleSpinBox::valueChanged, this, &TeachIntroLesson::recompute);
    }
}

QGroupBox* TeachIntroLesson::buildTwoChannels() {
    auto* example = new QGroupBox("1. Same rounding, different damage");
    auto* grid = new QGridLayout(example);
    grid->addWidget(new QLabel("weight w"), 0, 1);
    grid->addWidget(new QLabel("activation a"), 0, 2);
    const double w0[2] = {0.20, 1.20}, a0[2] = {20.0, 0.5};
    for (int k = 0; k < 2; ++k) {
        grid->addWidget(new QLabel(k == 0 ? "channel A" : "channel B"), k + 1, 0);
        weight_[k] = new QDoubleSpinBox;
        weight_[k]->setRange(-100, 100);
        weight_[k]->setDecimals(2);
        weight_[k]->setSingleStep(0.05);
        weight_[k]->setValue(w0[k]);
        activation_[k] = new QDoubleSpinBox;
        activation_[k]->setRange(0, 1000);
        activation_[k]->setDecimals(2);
        activation_[k]->setValue(a0[k]);
        weight_[k]->setToolTip("Edit the weight.");
        weight_[k]->setObjectName(k == 0 ? "teach_weight_A" : "teach_weight_B");
        weight_[k]->setMaximumWidth(140);
        activation_[k]->setMaximumWidth(140);
        activation_[k]->setToolTip("Edit how busy the channel is (its typical activation).");
        grid->addWidget(weight_[k], k + 1, 1);
        grid->addWidget(activation_[k], k + 1, 2);
    }
    mode_ = new QComboBox;
    mode_->addItems({"the same rounding error on both weights", "round both to one b-bit grid"});
    mode_->setToolTip("How the weights are rounded: a fixed error (the seed's example) or a real b-bit grid.");
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setToolTip("The rounding error, or the bit width of the grid.");
    sliderValue_ = new QLabel;
    grid->setColumnStretch(3, 1);
    grid->addWidget(new QLabel("rounding"), 3, 0);
    grid->addWidget(mode_, 3, 1, 1, 3, Qt::AlignLeft);
    slider_->setMinimumWidth(260);
    grid->addWidget(slider_, 4, 1, 1, 2);
    grid->addWidget(sliderValue_, 4, 3);
    bars_ = new TeachBarsWidget;
    grid->addWidget(bars_, 5, 0, 1, 4);
    verdict_ = teachParagraph({});
    grid->addWidget(verdict_, 6, 0, 1, 4);
    return example;
}

QGroupBox* TeachIntroLesson::buildExercise() {
    auto* exercise = new QGroupBox("2. Your turn: which channel would you protect first?");
    auto* layout = new QVBoxLayout(exercise);
    choice_ = new QButtonGroup(this);
    auto* options = new QVBoxLayout;   // one per line: side by side they ran past a 1500-pixel window at 12 pt
    for (int k = 0; k < 3; ++k) {
        auto* option = new QRadioButton(QString("channel %1: weight %2, activation %3").arg(k + 1).arg(kExerciseW[k]).arg(kExerciseA[k]));
        choice_->addButton(option, k);
        options->addWidget(option);
    }
    layout->addLayout(options);
    auto* reveal = new QPushButton("Show the answer");
    reveal->setToolTip("Compute the three contributions and compare with your choice.");
    connect(reveal, &QPushButton::clicked, this, &TeachIntroLesson::revealAnswer);
    layout->addWidget(reveal, 0, Qt::AlignLeft);
    answer_ = teachParagraph({});
    layout->addWidget(answer_);
    return exercise;
}

QGroupBox* TeachIntroLesson::buildLayerLesson() {
    auto* real = new QGroupBox("3. Now on the loaded layer");
    auto* layout = new QVBoxLayout(real);
    layerLesson_ = teachParagraph("Load a layer to see its busiest channels.");
    layout->addWidget(layerLesson_);
    auto* carry = new QPushButton("Show these channels in the comparison");
    carry->setToolTip("Switch to Compare with the busiest channels ringed in every column.");
    connect(carry, &QPushButton::clicked, this, &TeachIntroLesson::carryToLayerRequested);
    layout->addWidget(carry, 0, Qt::AlignLeft);
    return real;
}

void TeachIntroLesson::resetRounding() {
    // δ in hundredths (0.00–0.30), or bits 2–8.
    slider_->blockSignals(true);
    if (mode_->currentIndex() == 0) {
        slider_->setRange(0, 30);
        slider_->setValue(10);
    } else {
        slider_->setRange(2, 8);
        slider_->setValue(4);
    }
    slider_->blockSignals(false);
    recompute();
}

void TeachIntroLesson::recompute() {
    QVector<TeachChannel> channels;
    const bool grid = mode_->currentIndex() == 1;
    const double delta = slider_->value() / 100.0;
    const int bits = slider_->value();
    // One symmetric grid for both weights: the same step Δ for both, as one group shares it.
    const double range = std::max(std::abs(weight_[0]->value()), std::abs(weight_[1]->value()));
    const double step = range > 0 ? 2.0 * range / ((1 << bits) - 1) : 1.0;
    for (int k = 0; k < 2; ++k) {
        TeachChannel c;
        c.name = k == 0 ? "channel A" : "channel B";
        c.weight = weight_[k]->value();
        c.activation = activation_[k]->value();
        if (grid)
            c.rounded = step * std::round(c.weight / step);
        else
            c.rounded = c.weight - (c.weight >= 0 ? delta : -delta);
        channels.append(c);
    }
    sliderValue_->setText(grid ? QString("%1 bits (step %2)").arg(bits).arg(step, 0, 'g', 3)
                               : QString("error %1 on each weight").arg(delta, 0, 'f', 2));
    bars_->setChannels(channels);
    const double dA = damage(0), dB = damage(1);
    const int worse = dA >= dB ? 0 : 1;
    const QString names[2] = {"A", "B"};
    verdict_->setText(QString("Same rounding, different damage: channel A loses <b>%1</b>, channel B loses <b>%2</b>. "
                              "Protect channel <b>%3</b>%4.")
                          .arg(dA, 0, 'f', 2)
                          .arg(dB, 0, 'f', 2)
                          .arg(names[worse])
                          .arg(std::abs(channels[worse].weight) < std::abs(channels[1 - worse].weight)
                                   ? ", even though its weight is smaller: its channel is busier"
                                   : QString()));
}

double TeachIntroLesson::damage(int channel) const {
    const TeachChannel& c = bars_->channels()[channel];
    return std::abs(c.weight - c.rounded) * c.activation;
}

void TeachIntroLesson::chooseExerciseAnswer(int channel) { choice_->button(channel)->setChecked(true); }

void TeachIntroLesson::revealAnswer() {
    double contribution[3];
    int best = 0;
    for (int k = 0; k < 3; ++k) {
        contribution[k] = std::abs(kExerciseW[k] * kExerciseA[k]);
        if (contribution[k] > contribution[best]) best = k;
    }
    QString text = "Contributions |w × a|: ";
    for (int k = 0; k < 3; ++k)
        text += QString("channel %1: |%2 × %3| = <b>%4</b>%5")
                    .arg(k + 1)
                    .arg(kExerciseW[k])
                    .arg(kExerciseA[k])
                    .arg(contribution[k], 0, 'g', 3)
                    .arg(k < 2 ? ", " : ". ");
    text += QString("Protect <b>channel %1</b> first: the largest weight (channel 2, 1.0) contributes least, because "
                    "its channel is quiet. ")
                .arg(best + 1);
    const int chosen = choice_->checkedId();
    if (chosen >= 0) text += chosen == best ? "You chose it: right." : QString("You chose channel %1.").arg(chosen + 1);
    answer_->setText(text);
}

QString TeachIntroLesson::answerText() const { return answer_->text(); }

void TeachIntroLesson::setLayer(const LayerViewPtr& layer) {
    layer_ = layer;
    describeLayer();
}

void TeachIntroLesson::describeLayer() {
    if (!layer_) return;
    const auto& a = layer_->loaded->stats.mean_abs;
    const std::vector<double>& weight = layer_->channelWeight;
    // Rank of each busy channel's weight among all channels: "smaller than 80% of channels".
    std::vector<double> sorted = weight;
    std::sort(sorted.begin(), sorted.end());
    QString rows;
    const size_t shown = std::min<size_t>(5, layer_->busiestChannels.size());
    double meanLarger = 0.0;
    for (size_t k = 0; k < shown; ++k) {
        const int j = layer_->busiestChannels[k];
        const double w = weight[static_cast<size_t>(j)];
        const double larger = 1.0 - static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), w) - sorted.begin()) / sorted.size();
        meanLarger += larger / static_cast<double>(shown);
        rows += QString("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5%</td></tr>")
                    .arg(j)
                    .arg(a[j], 0, 'g', 3)
                    .arg(w, 0, 'g', 3)
                    .arg(layer_->channelContribution[static_cast<size_t>(j)], 0, 'g', 3)
                    .arg(100.0 * larger, 0, 'f', 0);
    }
    layerLesson_->setText(
        QString("On <b>%1</b> the busiest channels carry %2x the median traffic:<br>"
                "<table cellspacing=6><tr><th>channel</th><th>activation a_j</th><th>mean |weight|</th>"
                "<th>contribution</th><th>channels with larger weights</th></tr>%3</table>"
                "%4")
            .arg(QString::fromStdString(layer_->loaded->layer.name.empty() ? layer_->loaded->source : layer_->loaded->layer.name).toHtmlEscaped())
            .arg(layer_->loaded->stats.outlier_strength(), 0, 'f', 1)
            .arg(rows)
            .arg(meanLarger > 0.5 ? "Their weights are smaller than most, yet their contributions are the largest: "
                                    "this is what AWQ protects."
                                  : "Their weights are ordinary; their contributions are large because their traffic "
                                    "is. AWQ protects them all the same."));
}

}  // namespace layerlens::ui
