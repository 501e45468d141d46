#pragma once
// A lesson that runs on the loaded layer. It computes only while it is on screen, once per layer
// (a classroom machine is also running the comparison), and again when asked; a new layer cancels
// the run in flight.
#include <QWidget>

#include "layer_loader.h"

namespace layerlens::ui {

class TeachLayerLesson : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;
    void setLayer(const LayerViewPtr& layer);
    const LayerViewPtr& layer() const { return layer_; }
    // Runs now on the loaded layer (the lesson's "Run again" button); false without a layer.
    bool rerun();

protected:
    void showEvent(QShowEvent* event) override;
    // Starts the background run; the lesson shows "computing" until its result arrives.
    virtual void startRun(const LayerViewPtr& layer) = 0;
    // No layer loaded, or a new one arrived while hidden: drop what is shown.
    virtual void clearResult() = 0;

private:
    LayerViewPtr layer_;
    LayerViewPtr ran_;   // the layer the last run started on
};

}  // namespace layerlens::ui
