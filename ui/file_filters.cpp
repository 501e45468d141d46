#include "file_filters.h"

#include <QStringList>

#include "io/layer_format.h"

namespace layerlens::ui {

QString layerFileFilter() {
    QStringList all, perFormat;
    for (const LayerFormat* format : layer_formats()) {
        QStringList patterns;
        for (const std::string& extension : format->extensions()) {
            const QString pattern = "*." + QString::fromStdString(extension);
            patterns << pattern;
            if (!all.contains(pattern)) all << pattern;
        }
        if (!patterns.isEmpty()) perFormat << QString::fromStdString(format->name()) + " (" + patterns.join(' ') + ")";
    }
    QStringList filters;
    if (!all.isEmpty()) filters << "Layer files (" + all.join(' ') + ")";
    filters << perFormat << "All files (*)";
    return filters.join(";;");
}

}  // namespace layerlens::ui
