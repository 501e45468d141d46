#pragma once
// The Model tab's evaluation JSON on disk: core's serialisation (model_eval_json.h, the same as
// `layerlens-cli eval-model --json`), read from a file or written through a temporary file that
// is renamed into place, so a failed save leaves the old file as it was.
#include <QString>

#include "model/model_evaluation.h"

namespace layerlens::ui {

// InputError naming the file and what is wrong with it.
ModelEvaluation readModelEvalFile(const QString& path);
// InputError naming the file when it cannot be written.
void writeModelEvalFile(const ModelEvaluation& evaluation, const QString& path);

}  // namespace layerlens::ui
