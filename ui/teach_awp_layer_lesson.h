#pragma once
// The same two moves on every row of the loaded layer at once: AWP (core/methods/awp.cpp) prunes
// the layer starting from Wanda's choice, in the background, and its real loss curve grows as the
// iterations arrive. The lesson then says how far PGD brought E below its start and checks, from
// the loss history, that it never rose.
#include <memory>

#include "method.h"
#include "teach_layer_lesson.h"
#include "teach_task.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace layerlens::ui {

class TeachLossPlot;

class TeachAwpLayerLesson : public TeachLayerLesson {
    Q_OBJECT
public:
    explicit TeachAwpLayerLesson(QWidget* parent = nullptr);
    void setIterations(int iterations);
    void setSparsity(double sparsity);
    const MethodResult* result() const { return result_.get(); }
    TeachLossPlot* plot() const { return plot_; }
    QString summaryText() const;
    bool isRunning() const { return task_.isRunning(); }

signals:
    void awpFinished();
    void awpFailed(const QString& message);

protected:
    void startRun(const LayerViewPtr& layer) override;
    void clearResult() override;

private:
    void showResult(const std::shared_ptr<const MethodResult>& result);

    QComboBox* sparsity_;
    QSpinBox* iterations_;
    QPushButton* rerun_;
    QProgressBar* progress_;
    QLabel* status_;
    TeachLossPlot* plot_;
    QLabel* summary_;
    std::shared_ptr<const MethodResult> result_;
    TeachTask<MethodResult> task_;
};

}  // namespace layerlens::ui
