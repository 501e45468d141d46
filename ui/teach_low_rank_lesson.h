#pragma once
// Activation-aware SVD against plain SVD on a 2 x 2 weight (core/teach/low_rank_toy.h): a slider
// turns the direction of the traffic, the picture shows where each rank-1 guess sends the outputs,
// and the numbers give each one's E and the least any rank-1 matrix can reach. Four numbers of
// arithmetic: computed on the spot.
#include <QWidget>

#include "teach/low_rank_toy.h"

class QLabel;
class QSlider;

namespace layerlens::ui {

class TeachLowRankPicture;

class TeachLowRankLesson : public QWidget {
    Q_OBJECT
public:
    explicit TeachLowRankLesson(QWidget* parent = nullptr);
    QSlider* slider() const { return slider_; }
    TeachLowRankPicture* picture() const { return picture_; }
    const teach::LowRankComparison& comparison() const { return comparison_; }
    QString numbersText() const;

private:
    void recompute(int degrees);

    QSlider* slider_;
    QLabel* sliderValue_;
    TeachLowRankPicture* picture_;
    QLabel* numbers_;
    QLabel* verdict_;
    teach::LowRankComparison comparison_;
};

}  // namespace layerlens::ui
