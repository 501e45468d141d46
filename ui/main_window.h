#pragma once
// The main window: for now the loaded layer's name, shape and token count, loaded off the GUI
// thread. The comparison grid and the views grow here (issue 5).
#include <QFutureWatcher>
#include <QMainWindow>
#include <memory>

#include "layer_source.h"

class QLabel;

namespace layerlens::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    void openSource(const LayerSource& source);
    const LoadedLayer* loadedLayer() const { return loaded_.get(); }

signals:
    void layerLoaded();
    void loadFailed(const QString& message);

private:
    void onLoadFinished();
    QLabel* summary_;
    QFutureWatcher<std::shared_ptr<LoadedLayer>> loadWatcher_;
    std::shared_ptr<LoadedLayer> loaded_;
};

}  // namespace layerlens::ui
