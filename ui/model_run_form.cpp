#include "model_run_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <limits>
#include <tuple>

#include "errors.h"
#include "method_registry.h"
#include "model/model_eval_plan.h"
#include "sweep_plan.h"

namespace layerlens::ui {

namespace {

QSpinBox* spinBox(int minimum, int maximum, int value, const QString& toolTip) {
    auto* box = new QSpinBox;
    box->setRange(minimum, maximum);
    box->setValue(value);
    box->setToolTip(toolTip);
    return box;
}

QString methodNames() {
    QStringList names;
    for (const MethodInfo& info : all_methods()) names << QString::fromStdString(info.name);
    return names.join(", ");
}

// A label that sits right before its field and names it for screen readers and mnemonics.
QLabel* labelFor(const QString& text, QWidget* field) {
    auto* label = new QLabel(text);
    label->setBuddy(field);
    return label;
}

}  // namespace

ModelRunForm::ModelRunForm(QWidget* parent)
    : QWidget(parent),
      model_(pathField("a llama2.c .bin checkpoint, or a Hugging Face model directory (its config.json)",
                       "The model to compress and evaluate: a llama2.c version-0 checkpoint (.bin) or a Hugging Face "
                       "Llama directory with config.json and safetensors.")),
      tokenizer_(pathField("optional: the llama2.c tokenizer (tok512.bin), to show a sample as text",
                           "The llama2.c tokenizer of the model; without it the sampled sequences are shown as token ids only.")),
      calibrationTokens_(pathField("optional: calibration tokens (.npy ids, or text)",
                                   "Calibration token ids, an integer .npy [n_sequences, seq_len], or a text file encoded "
                                   "with the tokenizer and cut into sequences; empty: sampled from the model.")),
      evaluationTokens_(pathField("optional: evaluation tokens (.npy ids, or text)",
                                  "Evaluation token ids, an integer .npy [n_sequences, seq_len], or a text file encoded "
                                  "with the tokenizer; empty: sampled from the model (a stream apart from calibration's).")),
      calibration_(spinBox(1, 100000, 16, "Sequences sampled from the dense model to calibrate every compressed layer.")),
      evaluation_(spinBox(1, 100000, 32, "Sequences sampled from the dense model (a different stream) to measure perplexity and KL on.")),
      seqLen_(spinBox(2, 1 << 20, 128, "Tokens per sampled sequence; at most the model's context length.")),
      seed_(spinBox(0, std::numeric_limits<int>::max(), 0, "The sampling seed: the same seed samples the same sequences.")),
      plan_(new QComboBox),
      methods_(new QLineEdit),
      sparsity_(new QLineEdit("0.5")),
      bits_(spinBox(0, 16, 0, "The bit width of the listed methods; — for none (pruning only).")),
      sequential_(new QCheckBox("sequential")) {
    plan_->addItem("Pruning table", int(Plan::PruningTable));
    plan_->addItem("Quantization table", int(Plan::QuantizationTable));
    plan_->addItem("Joint table", int(Plan::JointTable));
    plan_->addItem("Custom methods", int(Plan::CustomMethods));
    plan_->setToolTip("The AWP paper's tables — pruning: magnitude, Wanda, SparseGPT, AWP at 50–90% unstructured; "
                      "quantization: RTN, AWQ, GPTQ, AWP at INT4 g128; joint: AWP, Wanda+AWQ, AWQ+Wanda at 25/50/75% + "
                      "INT4 g128 — or the methods you list at one budget.");
    methods_->setText("magnitude,wanda");
    methods_->setPlaceholderText("empty: only the dense model");
    methods_->setToolTip("Methods to run, separated by commas: " + methodNames() + ". Empty: only the dense model.");
    sparsity_->setToolTip("Sparsity of the listed methods, as a fraction (0.5); several (0.5,0.7) run each method at each; "
                          "empty for none.");
    sparsity_->setMaximumWidth(110);
    bits_->setSpecialValueText("—");
    sequential_->setChecked(true);
    sequential_->setToolTip("Calibrate each block on the activations of the blocks already compressed before it (as the "
                            "papers do); off: every block on the dense model's activations.");

    auto* browseModel = new QPushButton("Browse…");
    browseModel->setToolTip("Choose a .bin checkpoint or a Hugging Face config.json.");
    auto* browseTokenizer = new QPushButton("Browse…");
    browseTokenizer->setToolTip("Choose the llama2.c tokenizer file.");
    connect(browseModel, &QPushButton::clicked, this, &ModelRunForm::browseModel);
    connect(browseTokenizer, &QPushButton::clicked, this, &ModelRunForm::browseTokenizer);
    connect(plan_, &QComboBox::currentIndexChanged, this, &ModelRunForm::updateCustomFields);

    auto* files = new QHBoxLayout;
    files->addWidget(labelFor("&Model", model_));
    files->addWidget(model_, 3);
    files->addWidget(browseModel);
    files->addSpacing(12);
    files->addWidget(labelFor("&Tokenizer", tokenizer_));
    files->addWidget(tokenizer_, 2);
    files->addWidget(browseTokenizer);

    auto* tokens = new QHBoxLayout;
    for (auto [label, field, title] : {std::tuple{"&Calibration tokens", calibrationTokens_, "Choose the calibration tokens"},
                                       std::tuple{"&Evaluation tokens", evaluationTokens_, "Choose the evaluation tokens"}}) {
        auto* browse = new QPushButton("Browse…");
        browse->setToolTip(QString(title) + ": a .npy of token ids or a text file.");
        connect(browse, &QPushButton::clicked, this, [this, field = field, title = QString(title)] { browseTokens(field, title); });
        if (field == evaluationTokens_) tokens->addSpacing(12);
        tokens->addWidget(labelFor(label, field));
        tokens->addWidget(field, 1);
        tokens->addWidget(browse);
    }

    auto* settings = new QHBoxLayout;
    settings->addWidget(labelFor("Sampled: calibration", calibration_));
    settings->addWidget(calibration_);
    settings->addWidget(labelFor("and evaluation", evaluation_));
    settings->addWidget(evaluation_);
    settings->addWidget(labelFor("sequences of", seqLen_));
    settings->addWidget(seqLen_);
    settings->addWidget(new QLabel("tokens, seed"));
    settings->addWidget(seed_);
    settings->addSpacing(16);
    settings->addWidget(labelFor("T&able", plan_));
    settings->addWidget(plan_);
    settings->addWidget(labelFor("methods", methods_));
    settings->addWidget(methods_, 1);
    settings->addWidget(labelFor("sparsity", sparsity_));
    settings->addWidget(sparsity_);
    settings->addWidget(labelFor("bits", bits_));
    settings->addWidget(bits_);
    settings->addSpacing(12);
    settings->addWidget(sequential_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(files);
    layout->addLayout(tokens);
    layout->addLayout(settings);
    updateCustomFields();
}

QLineEdit* ModelRunForm::pathField(const QString& placeholder, const QString& toolTip) {
    auto* field = new QLineEdit;
    field->setPlaceholderText(placeholder);
    field->setToolTip(toolTip);
    field->setClearButtonEnabled(true);
    return field;
}

void ModelRunForm::updateCustomFields() {
    const bool custom = plan_->currentData().toInt() == int(Plan::CustomMethods);
    for (QWidget* field : {static_cast<QWidget*>(methods_), static_cast<QWidget*>(sparsity_), static_cast<QWidget*>(bits_)})
        field->setEnabled(custom);
}

void ModelRunForm::browseModel() {
    const QString path = QFileDialog::getOpenFileName(this, "Choose a model", QFileInfo(model_->text()).path(),
                                                      "Models (*.bin config.json);;llama2.c checkpoints (*.bin);;"
                                                      "Hugging Face config (config.json);;All files (*)");
    if (!path.isEmpty()) model_->setText(path);
}

void ModelRunForm::browseTokenizer() {
    const QString start = QFileInfo(tokenizer_->text().isEmpty() ? model_->text() : tokenizer_->text()).path();
    const QString path = QFileDialog::getOpenFileName(this, "Choose the llama2.c tokenizer", start, "Tokenizers (*.bin);;All files (*)");
    if (!path.isEmpty()) tokenizer_->setText(path);
}

void ModelRunForm::browseTokens(QLineEdit* field, const QString& title) {
    const QString start = QFileInfo(field->text().isEmpty() ? model_->text() : field->text()).path();
    const QString path = QFileDialog::getOpenFileName(this, title, start, "Token ids (*.npy);;Text (*.txt);;All files (*)");
    if (!path.isEmpty()) field->setText(path);
}

namespace {

// A .npy holds ids; anything else is text for the tokenizer.
void setTokenSource(TokenSetSpec& spec, const QLineEdit* field) {
    const QString path = field->text().trimmed();
    if (path.isEmpty()) return;
    (path.endsWith(".npy", Qt::CaseInsensitive) ? spec.npy_path : spec.text_path) = path.toStdString();
}

}  // namespace

ModelEvalRequest ModelRunForm::request() const {
    ModelEvalRequest request;
    request.model_path = model_->text().trimmed().toStdString();
    if (request.model_path.empty())
        throw ParameterError("Choose a model first: a llama2.c .bin checkpoint or a Hugging Face directory (config.json).");
    request.tokenizer_path = tokenizer_->text().trimmed().toStdString();
    request.calibration.sequences = calibration_->value();
    request.evaluation.sequences = evaluation_->value();
    setTokenSource(request.calibration, calibrationTokens_);
    setTokenSource(request.evaluation, evaluationTokens_);
    request.seq_len = seqLen_->value();
    request.seed = static_cast<std::uint64_t>(seed_->value());
    request.sequential = sequential_->isChecked();
    const CompressionParams defaults;
    switch (static_cast<Plan>(plan_->currentData().toInt())) {
    case Plan::PruningTable: request.points = table_points(ModelTable::Pruning, defaults); break;
    case Plan::QuantizationTable: request.points = table_points(ModelTable::Quantization, defaults); break;
    case Plan::JointTable: request.points = table_points(ModelTable::Joint, defaults); break;
    case Plan::CustomMethods: {
        std::vector<std::string> methods;
        for (const QString& name : methods_->text().split(',', Qt::SkipEmptyParts))
            if (!name.trimmed().isEmpty()) methods.push_back(name.trimmed().toStdString());
        CompressionParams base;
        if (bits_->value() > 0) base.bits = bits_->value();
        std::vector<double> sparsities;
        const std::string sparsity = sparsity_->text().trimmed().toStdString();
        if (!sparsity.empty()) sparsities = parse_sweep_values(sparsity, "Sparsity");
        // One sparsity is the budget of every method (as `--sparsity`); several are swept, and a
        // method without a sparsity budget is skipped (as `--sparsities`).
        if (sparsities.size() == 1) base.sparsity = sparsities.front(), sparsities.clear();
        request.points = method_points(methods, base, sparsities);
        break;
    }
    }
    return request;
}

void ModelRunForm::setModelPath(const QString& path) { model_->setText(path); }
void ModelRunForm::setTokenizerPath(const QString& path) { tokenizer_->setText(path); }

void ModelRunForm::setTokenFiles(const QString& calibration, const QString& evaluation) {
    calibrationTokens_->setText(calibration);
    evaluationTokens_->setText(evaluation);
}
QString ModelRunForm::modelPath() const { return model_->text(); }

void ModelRunForm::setSequences(int calibration, int evaluation, int length) {
    calibration_->setValue(calibration);
    evaluation_->setValue(evaluation);
    seqLen_->setValue(length);
}

void ModelRunForm::setSeed(int seed) { seed_->setValue(seed); }
void ModelRunForm::setPlan(Plan plan) { plan_->setCurrentIndex(plan_->findData(int(plan))); }
void ModelRunForm::setSequential(bool on) { sequential_->setChecked(on); }

void ModelRunForm::setCustomMethods(const QString& methods, const QString& sparsity, int bits) {
    setPlan(Plan::CustomMethods);
    methods_->setText(methods);
    sparsity_->setText(sparsity);
    bits_->setValue(bits);
}

}  // namespace layerlens::ui
