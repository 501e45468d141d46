#pragma once
// "AWQ or GPTQ": the AWQ document's comparison (section 4) on the loaded layer. Both methods run
// in the background; the picture shows where each left its error, channel by channel, busiest
// first, and a few sentences say what the numbers say — which one kept the busy channels cleaner
// and which has the lower E overall — without deciding for the class which is "better".
#include <memory>

#include "teach/channel_error_lesson.h"
#include "teach_layer_lesson.h"
#include "teach_task.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace layerlens::ui {

class TeachChannelErrorChart;

class TeachChannelErrorLesson : public TeachLayerLesson {
    Q_OBJECT
public:
    explicit TeachChannelErrorLesson(QWidget* parent = nullptr);
    void setBits(int bits);
    const teach::ChannelErrorLesson* result() const { return result_.get(); }
    TeachChannelErrorChart* chart() const { return chart_; }
    QString summaryText() const;
    bool isRunning() const { return task_.isRunning(); }

signals:
    void comparisonFinished();
    void comparisonFailed(const QString& message);

protected:
    void startRun(const LayerViewPtr& layer) override;
    void clearResult() override;

private:
    void showResult(const std::shared_ptr<const teach::ChannelErrorLesson>& result);

    QComboBox* bits_;
    QPushButton* rerun_;
    QProgressBar* progress_;
    QLabel* status_;
    TeachChannelErrorChart* chart_;
    QLabel* summary_;
    std::shared_ptr<const teach::ChannelErrorLesson> result_;
    TeachTask<teach::ChannelErrorLesson> task_;
};

}  // namespace layerlens::ui
