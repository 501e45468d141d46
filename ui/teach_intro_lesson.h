#pragma once
// The first lesson, the AWQ intuition (the AWQ document's sections 1–3): two channels (0.20 × 20
// and 1.20 × 0.5) take the same rounding and suffer very different damage; an exercise asks which
// of three channels to protect and then shows why; the busiest channels of the loaded layer, with
// a button that rings them in the comparison.
#include <QWidget>

#include "layer_loader.h"

class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QSlider;

namespace layerlens::ui {

class TeachBarsWidget;

class TeachIntroLesson : public QWidget {
    Q_OBJECT
public:
    explicit TeachIntroLesson(QWidget* parent = nullptr);
    void setLayer(const LayerViewPtr& layer);
    double damage(int channel) const;
    TeachBarsWidget* bars() const { return bars_; }
    void chooseExerciseAnswer(int channel);   // 0, 1, 2
    void revealAnswer();
    QString answerText() const;

signals:
    void carryToLayerRequested();

private:
    QGroupBox* buildTwoChannels();
    QGroupBox* buildExercise();
    QGroupBox* buildLayerLesson();
    // The slider's range and start for the rounding mode: an error in hundredths, or bits.
    void resetRounding();
    void recompute();
    void describeLayer();

    LayerViewPtr layer_;
    QDoubleSpinBox* weight_[2];
    QDoubleSpinBox* activation_[2];
    QComboBox* mode_;
    QSlider* slider_;
    QLabel* sliderValue_;
    TeachBarsWidget* bars_;
    QLabel* verdict_;
    QButtonGroup* choice_;
    QLabel* answer_;
    QLabel* layerLesson_;
};

}  // namespace layerlens::ui
