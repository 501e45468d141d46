#pragma once
// "Fake traffic, fake salience": the AWQ document's calibration warning shown with numbers. It
// needs the layer's input rows, which the loaded layer does not keep (only their statistics), so
// it runs on a small built-in demo layer whose tokens it makes: the methods are calibrated on one
// set and judged on the traffic the layer serves. It computes when first shown and when the kind
// of calibration set changes, in the background.
#include <QWidget>
#include <memory>

#include "teach/calibration_lesson.h"
#include "teach_task.h"

class QComboBox;
class QLabel;
class QProgressBar;

namespace layerlens::ui {

class TeachTrafficStrip;

class TeachCalibrationLesson : public QWidget {
    Q_OBJECT
public:
    explicit TeachCalibrationLesson(QWidget* parent = nullptr);
    void setKind(teach::CalibrationKind kind);
    const teach::CalibrationLesson* result() const { return result_.get(); }
    TeachTrafficStrip* strip() const { return strip_; }
    QString resultText() const;
    bool isRunning() const { return task_.isRunning(); }
    void run();

signals:
    void lessonFinished();
    void lessonFailed(const QString& message);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void showResult(const std::shared_ptr<const teach::CalibrationLesson>& result);

    QComboBox* kind_;
    QProgressBar* progress_;
    QLabel* status_;
    TeachTrafficStrip* strip_;
    QLabel* table_;
    QLabel* verdict_;
    std::shared_ptr<const teach::CalibrationLesson> result_;
    bool ran_ = false;
    TeachTask<teach::CalibrationLesson> task_;
};

}  // namespace layerlens::ui
