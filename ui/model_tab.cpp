#include "model_tab.h"

#include <QEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "layer_map_view.h"
#include "perplexity_view.h"

namespace layerlens::ui {

namespace {

// Holds a view as wide as it needs and as tall as the tab: narrower than that, it scrolls
// sideways instead of widening the window (a tab's minimum width counts even while another tab
// is shown, beside the layer dock); its height always follows the window, so a layer map of
// hundreds of layers shrinks its rows rather than growing a page to scroll through.
class SidewaysScrollArea : public QScrollArea {
public:
    explicit SidewaysScrollArea(QWidget* view) {
        setWidget(view);
        setWidgetResizable(false);
        setFrameShape(QFrame::NoFrame);
        setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        view->installEventFilter(this);
        viewport()->installEventFilter(this);   // it shrinks and grows as the scroll bar comes and goes
    }

protected:
    void resizeEvent(QResizeEvent* event) override {
        QScrollArea::resizeEvent(event);
        fit();
    }
    bool eventFilter(QObject* watched, QEvent* event) override {
        if ((watched == widget() && event->type() == QEvent::LayoutRequest) ||
            (watched == viewport() && event->type() == QEvent::Resize))
            fit();
        return QScrollArea::eventFilter(watched, event);
    }

private:
    void fit() {
        QWidget* view = widget();
        const int width = std::max(viewport()->width(), view->minimumSizeHint().width());
        const bool scrolls = width > viewport()->width();
        // The sideways scroll bar, when it is about to show, takes its height from the view.
        const int bar = scrolls && !horizontalScrollBar()->isVisible() ? horizontalScrollBar()->sizeHint().height() : 0;
        const int height = viewport()->height() - bar;
        if (view->size() != QSize(width, height)) view->resize(width, std::max(height, 0));
    }
};

}  // namespace

ModelTab::ModelTab(QWidget* parent)
    : QWidget(parent), views_(new QTabWidget(this)), layerMap_(new LayerMapView), perplexity_(new PerplexityView) {
    views_->setDocumentMode(true);
    views_->setTabToolTip(views_->addTab(new SidewaysScrollArea(layerMap_), "Layer map"),
                          "E of each method on every layer of a file: which layers are hard, and for which methods.");
    views_->setTabToolTip(views_->addTab(new SidewaysScrollArea(perplexity_), "Perplexity"),
                          "A whole model compressed by each method: perplexity against the budget, as the AWP paper's tables.");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(views_);
    connect(views_, &QTabWidget::currentChanged, this, &ModelTab::viewChanged);
}

bool ModelTab::showsLayerMap() const { return views_->currentIndex() == 0; }
void ModelTab::showLayerMap() { views_->setCurrentIndex(0); }
void ModelTab::showPerplexity() { views_->setCurrentIndex(1); }

bool ModelTab::run() { return showsLayerMap() ? layerMap_->runOnOpenFile() : perplexity_->run(); }

void ModelTab::cancel() {
    if (showsLayerMap()) layerMap_->cancel();
    else perplexity_->cancel();
}

void ModelTab::cancelAll() {
    layerMap_->cancel();
    perplexity_->cancel();
}

bool ModelTab::isRunning() const { return layerMap_->isRunning() || perplexity_->isRunning(); }

void ModelTab::setInteractive(bool on) { layerMap_->setInteractive(on); }

}  // namespace layerlens::ui
