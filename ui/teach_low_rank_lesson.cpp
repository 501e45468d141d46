#include "teach_low_rank_lesson.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <cmath>

#include "teach_low_rank_picture.h"
#include "teach_text.h"

namespace layerlens::ui {

namespace {
// A start where the two disagree clearly: the traffic 75° away from W's strongest direction.
constexpr int kStartDegrees = 120;
constexpr int kPoints = 16;   // inputs drawn around the traffic's ellipse
const QColor kSvdColour(52, 101, 164), kAsvdColour(230, 120, 0), kTrafficColour(78, 154, 6);

QString matrix(const MatrixD& M) {
    QString rows;
    for (int i = 0; i < M.rows(); ++i) {
        rows += "<tr>";
        for (int j = 0; j < M.cols(); ++j) rows += "<td align=right>&nbsp;" + teachNumber(M(i, j), 2) + "</td>";
        rows += "</tr>";
    }
    return "<table cellspacing=3>" + rows + "</table>";
}

QPointF point(const VectorD& v) { return {v(0), v(1)}; }
}  // namespace

TeachLowRankLesson::TeachLowRankLesson(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph(
        "The AWP paper's sister idea compresses W into a product of thin matrices, here <b>rank 1</b>: every input "
        "is sent to one line of outputs. <b>Plain SVD</b> picks the line where W itself is strongest, whatever the "
        "traffic. <b>Activation-aware SVD</b> takes the SVD of W C<sup>1/2</sup> instead, keeps its top part and "
        "multiplies by C<sup>−1/2</sup>: it keeps the outputs of the inputs the layer really sees."));
    auto* controls = new QHBoxLayout;
    slider_ = new QSlider(Qt::Horizontal);
    slider_->setRange(0, 179);
    slider_->setPageStep(15);
    slider_->setObjectName("teach_low_rank_direction");
    slider_->setToolTip("Turn the direction the inputs mostly move in.");
    sliderValue_ = new QLabel;
    controls->addWidget(new QLabel("traffic direction"));
    controls->addWidget(slider_, 1);
    controls->addWidget(sliderValue_);
    layout->addLayout(controls);
    picture_ = new TeachLowRankPicture;
    layout->addWidget(picture_);
    numbers_ = teachParagraph();
    layout->addWidget(numbers_);
    verdict_ = teachParagraph();
    layout->addWidget(verdict_);
    layout->addStretch();
    connect(slider_, &QSlider::valueChanged, this, &TeachLowRankLesson::recompute);
    slider_->setValue(kStartDegrees);
    recompute(kStartDegrees);
}

void TeachLowRankLesson::recompute(int degrees) {
    const teach::LowRankToy toy = teach::classroom_low_rank_toy(degrees);
    comparison_ = teach::compare_low_rank(toy.W, toy.C, 1);
    const double strongest = teach::strongest_input_degrees(toy.W);
    sliderValue_->setText(QString("%1°").arg(degrees));

    const std::vector<VectorD> inputs = teach::traffic_points(toy.C, kPoints);
    TeachLowRankPanel traffic{"inputs x: the traffic\none ring per input", {}, {}, {}, kTrafficColour};
    TeachLowRankPanel svd{"plain SVD\nE = " + teachPercent(comparison_.svd.E), {}, {}, {}, kSvdColour};
    TeachLowRankPanel asvd{"activation-aware SVD\nE = " + teachPercent(comparison_.asvd.E), {}, {}, {}, kAsvdColour};
    for (const VectorD& x : inputs) {
        traffic.reference.append(point(x));
        const QPointF truth = point(toy.W * x);
        svd.reference.append(truth);
        asvd.reference.append(truth);
        svd.guess.append(point(comparison_.svd.W_hat * x));
        asvd.guess.append(point(comparison_.asvd.W_hat * x));
    }
    // A rank-1 Ŵ's outputs lie along its column space: the column with the larger norm spans it.
    auto column = [](const MatrixD& M) {
        const int j = M.col(0).norm() >= M.col(1).norm() ? 0 : 1;
        return QPointF(M(0, j), M(1, j));
    };
    svd.line = column(comparison_.svd.W_hat);
    asvd.line = column(comparison_.asvd.W_hat);
    picture_->setPanels({traffic, svd, asvd});

    // Two rows of two matrices: narrow enough for the classroom's large text.
    numbers_->setText(QString("<table cellspacing=8>"
                              "<tr><td valign=middle>W =</td><td>%1</td><td>&nbsp;&nbsp;</td>"
                              "<td valign=middle>C =</td><td>%2</td></tr>"
                              "<tr><td valign=middle>plain SVD Ŵ =</td><td>%3</td><td>&nbsp;&nbsp;</td>"
                              "<td valign=middle>aSVD Ŵ =</td><td>%4</td></tr></table>")
                          .arg(matrix(toy.W), matrix(toy.C), matrix(comparison_.svd.W_hat), matrix(comparison_.asvd.W_hat)));
    QString verdict = QString("Rings: the true outputs W x. Dots: a guess Ŵ x, joined to the truth by its error. "
                              "Activation-aware SVD reaches <b>E = %1</b>, the least any rank-1 matrix can (Eckart–Young on "
                              "W C<sup>1/2</sup>: %2); plain SVD leaves <b>E = %3</b>. ")
                          .arg(teachPercent(comparison_.asvd.E), teachPercent(comparison_.eckart_young),
                               teachPercent(comparison_.svd.E));
    // The same two with the traffic along the direction W amplifies most.
    const teach::LowRankToy aligned = teach::classroom_low_rank_toy(strongest);
    const teach::LowRankComparison best = teach::compare_low_rank(aligned.W, aligned.C, 1);
    verdict += QString("W amplifies inputs at %1° most: with the traffic there, plain SVD gets E = %2 and aSVD %3.")
                   .arg(std::lround(strongest))
                   .arg(teachPercent(best.svd.E), teachPercent(best.asvd.E));
    verdict_->setText(verdict);
}

QString TeachLowRankLesson::numbersText() const { return numbers_->text() + "\n" + verdict_->text(); }

}  // namespace layerlens::ui
