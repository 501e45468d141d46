#include "model_eval_files.h"

#include <QFile>
#include <QSaveFile>

#include "errors.h"
#include "model/model_eval_json.h"

namespace layerlens::ui {

ModelEvaluation readModelEvalFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) throw InputError(QString("cannot read %1: %2").arg(path, file.errorString()).toStdString());
    const QByteArray text = file.readAll();
    if (file.error() != QFileDevice::NoError)
        throw InputError(QString("cannot read %1: %2").arg(path, file.errorString()).toStdString());
    return read_model_eval_json(text.toStdString(), path.toStdString());
}

void writeModelEvalFile(const ModelEvaluation& evaluation, const QString& path) {
    // QSaveFile writes to a temporary file beside `path` and renames it over `path` on commit.
    QSaveFile file(path);
    const QByteArray text = QByteArray::fromStdString(model_eval_json_text(evaluation));
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
        throw InputError(QString("cannot write %1: %2").arg(path, file.errorString()).toStdString());
}

}  // namespace layerlens::ui
