#pragma once
// What the Model tab evaluates: the model file, an optional tokenizer, the calibration and
// evaluation token files or how many sequences of how many tokens are sampled instead, the seed, and which compressed models are
// built — one of the AWP paper's three tables or a list of methods at one budget. request()
// turns the fields into core's ModelEvalRequest; planning is cheap, so it runs here, and a
// ParameterError (an unknown method, a bad sparsity) goes back to the tab as its message.
#include <QWidget>

#include "model/model_evaluation.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace layerlens::ui {

class ModelRunForm : public QWidget {
    Q_OBJECT
public:
    // The table combo box's entries, in order.
    enum class Plan { PruningTable, QuantizationTable, JointTable, CustomMethods };

    explicit ModelRunForm(QWidget* parent = nullptr);

    // Throws ParameterError naming what is missing or wrong.
    ModelEvalRequest request() const;

    void setModelPath(const QString& path);
    // Token sets from files instead of samples: a .npy of ids [n_sequences, seq_len], or a text
    // file (any other name) encoded with the tokenizer; "" samples from the model.
    void setTokenFiles(const QString& calibration, const QString& evaluation);
    void setTokenizerPath(const QString& path);
    void setSequences(int calibration, int evaluation, int length);
    void setSeed(int seed);
    void setPlan(Plan plan);
    // The custom plan: "magnitude,wanda", sparsity "0.5" (or several, "0.5,0.7"; "" for none),
    // bits 0 for none.
    void setCustomMethods(const QString& methods, const QString& sparsity, int bits = 0);
    void setSequential(bool on);
    QString modelPath() const;

private:
    QLineEdit* pathField(const QString& placeholder, const QString& toolTip);
    void browseModel();
    void browseTokenizer();
    void browseTokens(QLineEdit* field, const QString& title);
    void updateCustomFields();

    QLineEdit* model_;
    QLineEdit* tokenizer_;
    QLineEdit* calibrationTokens_;
    QLineEdit* evaluationTokens_;
    QSpinBox* calibration_;
    QSpinBox* evaluation_;
    QSpinBox* seqLen_;
    QSpinBox* seed_;
    QComboBox* plan_;
    QLineEdit* methods_;
    QLineEdit* sparsity_;
    QSpinBox* bits_;
    QCheckBox* sequential_;
};

}  // namespace layerlens::ui
