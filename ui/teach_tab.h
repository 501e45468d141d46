#pragma once
// The Teach tab: the seed's AWQ lesson for a classroom. Two channels (0.20 × 20 and 1.20 × 0.5)
// take the same rounding and suffer very different damage; an exercise asks which of three
// channels to protect and then shows why; a button carries the lesson to the loaded layer.
// Text is short and plain; the size control makes it readable from the back of a room.
#include <QWidget>

#include "layer_loader.h"

class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QHBoxLayout;
class QLabel;
class QSlider;
class QSpinBox;

namespace layerlens::ui {

class TeachBarsWidget;

class TeachTab : public QWidget {
    Q_OBJECT
public:
    explicit TeachTab(QWidget* parent = nullptr);
    void setLayer(const LayerViewPtr& layer);
    void setTextSize(int points);
    // Test hooks: the two-channel example's damage per channel, the exercise answer.
    double damage(int channel) const;
    TeachBarsWidget* bars() const { return bars_; }
    void chooseExerciseAnswer(int channel);   // 0, 1, 2
    void revealAnswer();
    QString answerText() const;

signals:
    void carryToLayerRequested();

private:
    QHBoxLayout* buildHeader();
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
    QSpinBox* textSize_;
};

}  // namespace layerlens::ui
