#pragma once
// The Model tab: a whole file or model at once, in two views. The Layer map (first, what the
// user of a many-layer file sees): E of each method at its budget on every layer, from a model
// sweep. Perplexity: the whole model compressed by each method and evaluated, as the AWP paper's
// tables. The toolbar's Run and Cancel act on the view in sight.
#include <QWidget>

class QTabWidget;

namespace layerlens::ui {

class LayerMapView;
class PerplexityView;

class ModelTab : public QWidget {
    Q_OBJECT
public:
    explicit ModelTab(QWidget* parent = nullptr);

    LayerMapView* layerMap() const { return layerMap_; }
    PerplexityView* perplexityView() const { return perplexity_; }
    QTabWidget* views() const { return views_; }
    bool showsLayerMap() const;
    void showLayerMap();
    void showPerplexity();

    // The view in sight's run; false (and its reason shown) when it is refused.
    bool run();
    void cancel();
    // Both views' runs, as the window closes.
    void cancelAll();
    bool isRunning() const;
    void setInteractive(bool on);

signals:
    void viewChanged();

private:
    QTabWidget* views_;
    LayerMapView* layerMap_;
    PerplexityView* perplexity_;
};

}  // namespace layerlens::ui
