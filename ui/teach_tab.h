#pragma once
// The Teach tab: every lesson of the two sources for a classroom, a list of lessons on the left and
// the chosen one on the right. The AWQ document: the intuition (0.20 × 20 against 1.20 × 0.5, the
// three-channel exercise, the busiest channels of the loaded layer), AWQ against GPTQ on the
// loaded layer, the calibration warning, and its recall and interview questions as a self-check.
// The AWP paper: projected gradient descent on a toy row and on the loaded layer, and
// activation-aware SVD against plain SVD. Text is short and plain; the size control makes every
// lesson readable from the back of a room.
#include <QWidget>

#include "layer_loader.h"

class QLabel;
class QListWidget;
class QSpinBox;

namespace layerlens::ui {

class TeachAwpLayerLesson;
class TeachBarsWidget;
class TeachCalibrationLesson;
class TeachChannelErrorLesson;
class TeachIntroLesson;
class TeachLowRankLesson;
class TeachPgdLesson;
class TeachQuizLesson;

class TeachTab : public QWidget {
    Q_OBJECT
public:
    enum class Lesson { Intuition, AwqVersusGptq, Calibration, SelfCheck, PgdToy, AwpOnLayer, LowRank };
    static constexpr int kLessonCount = 7;

    explicit TeachTab(QWidget* parent = nullptr);
    void setLayer(const LayerViewPtr& layer);
    void setTextSize(int points);
    int textSize() const;
    void showLesson(Lesson lesson);
    Lesson currentLesson() const;
    QString lessonTitle(Lesson lesson) const;
    QString shownTitle() const;   // the heading above the current lesson

    TeachIntroLesson* intuition() const { return intro_; }
    TeachChannelErrorLesson* awqVersusGptq() const { return channelError_; }
    TeachCalibrationLesson* calibration() const { return calibration_; }
    TeachQuizLesson* selfCheck() const { return quiz_; }
    TeachPgdLesson* pgdToy() const { return pgd_; }
    TeachAwpLayerLesson* awpOnLayer() const { return awpLayer_; }
    TeachLowRankLesson* lowRank() const { return lowRank_; }

    // The first lesson's test hooks: the two-channel example's damage per channel, the exercise.
    double damage(int channel) const;
    TeachBarsWidget* bars() const;
    void chooseExerciseAnswer(int channel);   // 0, 1, 2
    void revealAnswer();
    QString answerText() const;

signals:
    void carryToLayerRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void addLesson(const QString& name, const QString& title, QWidget* lesson);
    void fitLessonList();

    QLabel* title_;
    QSpinBox* textSize_;
    QListWidget* list_;
    // The lesson pages in order, only the current one visible. Not a QStackedWidget: that moves
    // each page it hides to the front of its children, and the first lesson's controls must stay
    // the tab's first (the tests find the rounding slider as the tab's first QSlider).
    QWidget* pages_;
    QVector<QWidget*> pageList_;
    QStringList titles_;
    TeachIntroLesson* intro_;
    TeachChannelErrorLesson* channelError_;
    TeachCalibrationLesson* calibration_;
    TeachQuizLesson* quiz_;
    TeachPgdLesson* pgd_;
    TeachAwpLayerLesson* awpLayer_;
    TeachLowRankLesson* lowRank_;
};

}  // namespace layerlens::ui
