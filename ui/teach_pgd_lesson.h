#pragma once
// The AWP paper's algorithm on a toy a student can follow (core/teach/pgd_toy.h): one row of five
// weights, a printed 5 x 5 C, keep 2. A slider walks through the iterations; the table shows how
// the gradient step and "keep the 2 largest" make each new row, and the curve shows the loss
// falling and never rising. Five numbers of arithmetic: computed on the spot.
#include <QWidget>

#include "teach/pgd_toy.h"

class QBoxLayout;
class QLabel;
class QSlider;

namespace layerlens::ui {

class TeachLossPlot;
class TeachPgdStepWidget;

class TeachPgdLesson : public QWidget {
    Q_OBJECT
public:
    explicit TeachPgdLesson(QWidget* parent = nullptr);
    QSlider* slider() const { return slider_; }
    TeachPgdStepWidget* stepView() const { return step_; }
    TeachLossPlot* plot() const { return plot_; }
    const teach::PgdToyRun& run() const { return run_; }
    int shownIteration() const;
    QString stepText() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QString problemText() const;
    void showIteration(int iteration);

    teach::PgdToyProblem problem_;
    teach::PgdToyRun run_;
    teach::BestSparseRow best_;
    QBoxLayout* top_;      // C beside the loss curve, or above it when the page is narrow
    QLabel* problemLabel_;
    QSlider* slider_;
    QLabel* sliderValue_;
    TeachPgdStepWidget* step_;
    QLabel* stepText_;
    TeachLossPlot* plot_;
};

}  // namespace layerlens::ui
