#include "method_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "method_registry.h"

namespace layerlens::ui {

namespace {
template <class Box>
Box* tip(Box* box, const char* text) {
    box->setToolTip(text);
    return box;
}
}  // namespace

MethodPanel::MethodPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* methods = new QGroupBox("Methods", this);
    auto* methodsLayout = new QVBoxLayout(methods);
    methodsLayout->setSpacing(1);
    for (const MethodInfo& info : all_methods()) {
        auto* check = new QCheckBox(QString::fromStdString(info.label), methods);
        check->setObjectName(QString::fromStdString("method_" + info.name));
        check->setToolTip(QString::fromStdString(info.description));
        check->setChecked(true);
        methodsLayout->addWidget(check);
        checks_[info.name] = check;
    }
    layout->addWidget(methods);

    auto* budget = new QGroupBox("Budget", this);
    auto* form = new QFormLayout(budget);
    // Ranges are wide on purpose: an out-of-range value is refused with the method's reason.
    bits_ = tip(new QSpinBox, "Bits per quantised weight (2 to 8).");
    bits_->setRange(1, 16);
    bits_->setValue(4);
    group_ = tip(new QSpinBox, "Input channels sharing one scale and zero point; 0 = one group per row; "
                               "auto = 128 where it divides d_in, else one group per row (as the references).");
    group_->setRange(-1, 1 << 16);
    group_->setSpecialValueText("auto");
    group_->setValue(-1);
    sparsity_ = tip(new QDoubleSpinBox, "Fraction of weights pruned (unstructured).");
    sparsity_->setRange(0.0, 1.0);
    sparsity_->setSingleStep(0.05);
    sparsity_->setValue(0.5);
    pattern_ = tip(new QComboBox, "Unstructured sparsity, or N of every M consecutive input channels kept.");
    pattern_->addItems({"unstructured", "2:4", "4:8", "1:4"});
    rankRatio_ = tip(new QDoubleSpinBox, "Low rank: fraction of the parameters kept, r(d_out + d_in) ≤ P·d_out·d_in.");
    rankRatio_->setRange(0.01, 1.0);
    rankRatio_->setSingleStep(0.05);
    rankRatio_->setValue(0.5);
    iters_ = tip(new QSpinBox, "AWP: projected gradient iterations.");
    iters_->setRange(1, 100000);
    iters_->setValue(100);
    stepScale_ = tip(new QDoubleSpinBox, "AWP: step η as a multiple of 1/λ_max(C); above 1 the loss may rise.");
    stepScale_->setRange(0.01, 10.0);
    stepScale_->setSingleStep(0.1);
    stepScale_->setValue(1.0);
    form->addRow("bits", bits_);
    form->addRow("group", group_);
    form->addRow("sparsity", sparsity_);
    form->addRow("pattern", pattern_);
    form->addRow("rank ratio", rankRatio_);
    form->addRow("AWP iterations", iters_);
    form->addRow("AWP step ×", stepScale_);
    layout->addWidget(budget);

    auto* fold = new QToolButton(this);
    fold->setText("advanced");
    fold->setCheckable(true);
    fold->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    fold->setArrowType(Qt::RightArrow);
    fold->setAutoRaise(true);
    layout->addWidget(fold);
    auto* advanced = new QWidget(this);
    auto* adv = new QFormLayout(advanced);
    jointBudget_ = tip(new QComboBox, "What joint methods (AWP, pipelines) are given: the sparsity, the bits, or both.");
    jointBudget_->addItems({"sparsity", "bits", "sparsity + bits"});
    damp_ = tip(new QDoubleSpinBox, "GPTQ/SparseGPT: fraction of mean diag(H) added to the diagonal.");
    damp_->setDecimals(4);
    damp_->setRange(0.0, 1.0);
    damp_->setValue(0.01);
    blockSize_ = tip(new QSpinBox, "GPTQ/SparseGPT: columns per lazy block.");
    blockSize_->setRange(1, 4096);
    blockSize_->setValue(128);
    actOrder_ = tip(new QCheckBox("act-order"), "GPTQ: quantise columns by descending diag(H).");
    awqDuo_ = tip(new QCheckBox("duo scaling"), "AWQ: AutoAWQ's s = a^α / w̄^(1−α) instead of a^α.");
    awqClip_ = tip(new QCheckBox("clip search"), "AWQ: search a shrunk range per group after scaling.");
    awqClip_->setChecked(true);
    keepBy_ = tip(new QComboBox, "AWQ keep: how the kept channels are chosen.");
    keepBy_->addItems({"activation", "weight", "random"});
    keepFraction_ = tip(new QDoubleSpinBox, "AWQ keep: fraction of channels kept in full precision.");
    keepFraction_->setDecimals(3);
    keepFraction_->setRange(0.0, 1.0);
    keepFraction_->setSingleStep(0.005);
    keepFraction_->setValue(0.01);
    init_ = tip(new QComboBox, "AWP: the starting point (empty = Wanda for pruning, RTN for quantisation).");
    init_->addItems({"", "wanda", "magnitude", "sparsegpt", "rtn"});
    maskScope_ = tip(new QComboBox, "AWP: k nonzeros per row (the paper) or k·d_out over the layer.");
    maskScope_->addItems({"row", "layer"});
    accelerate_ = tip(new QCheckBox("Nesterov acceleration"), "AWP: momentum with adaptive restart.");
    adv->addRow("joint budget", jointBudget_);
    adv->addRow("damp", damp_);
    adv->addRow("block", blockSize_);
    adv->addRow(actOrder_);
    adv->addRow(awqDuo_);
    adv->addRow(awqClip_);
    adv->addRow("keep by", keepBy_);
    adv->addRow("keep fraction", keepFraction_);
    adv->addRow("AWP start", init_);
    adv->addRow("AWP mask scope", maskScope_);
    adv->addRow(accelerate_);
    advanced->setVisible(false);
    layout->addWidget(advanced);
    connect(fold, &QToolButton::toggled, this, [fold, advanced](bool open) {
        advanced->setVisible(open);
        fold->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    });

    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setStyleSheet("color: #c0392b");
    message_->setVisible(false);
    layout->addWidget(message_);
    auto* run = new QPushButton("Run ▶", this);
    run->setToolTip("Run the selected methods on the loaded layer (Ctrl+R).");
    layout->addWidget(run);
    layout->addStretch();
    connect(run, &QPushButton::clicked, this, &MethodPanel::runRequested);
    for (auto* box : {bits_, group_, iters_})
        connect(box, &QSpinBox::valueChanged, this, &MethodPanel::budgetChanged);
    connect(sparsity_, &QDoubleSpinBox::valueChanged, this, &MethodPanel::budgetChanged);
}

QStringList MethodPanel::selectedMethods() const {
    QStringList names;
    for (const MethodInfo& info : all_methods())
        if (checks_.at(info.name)->isChecked()) names << QString::fromStdString(info.name);
    return names;
}

void MethodPanel::setSelectedMethods(const QStringList& names) {
    for (auto& [name, check] : checks_) check->setChecked(names.contains(QString::fromStdString(name)));
}

CompressionParams MethodPanel::baseParams() const {
    CompressionParams p;
    p.bits = bits_->value();
    p.group_size = group_->value();
    p.sparsity = sparsity_->value();
    const QString pattern = pattern_->currentText();
    if (pattern != "unstructured") {
        const QStringList nm = pattern.split(':');
        p.nm = NMPattern{nm[0].toInt(), nm[1].toInt()};
    }
    p.param_ratio = rankRatio_->value();
    p.iters = iters_->value();
    p.step_scale = stepScale_->value();
    p.damp = damp_->value();
    p.block_size = blockSize_->value();
    p.act_order = actOrder_->isChecked();
    p.awq_duo_scaling = awqDuo_->isChecked();
    p.awq_clip = awqClip_->isChecked();
    p.keep_by = keepBy_->currentText().toStdString();
    p.keep_fraction = keepFraction_->value();
    p.init = init_->currentText().toStdString();
    p.mask_scope = maskScope_->currentText().toStdString();
    p.accelerate = accelerate_->isChecked();
    return p;
}

std::vector<MethodJob> MethodPanel::jobs() const {
    const CompressionParams base = baseParams();
    const int joint = jointBudget_->currentIndex();   // 0 sparsity, 1 bits, 2 both
    std::vector<MethodJob> jobs;
    for (const MethodInfo& info : all_methods()) {
        if (!checks_.at(info.name)->isChecked()) continue;
        CompressionParams p = base;
        // Each kind gets its part of the budget; "not given" lets a method use its default.
        const bool quantise = info.kind == MethodKind::Quantization || (info.kind == MethodKind::Joint && joint != 0);
        const bool prune = info.kind == MethodKind::Pruning || (info.kind == MethodKind::Joint && joint != 1);
        if (!quantise) p.bits.reset();
        if (!prune) {
            p.sparsity.reset();
            p.nm = {};
        } else if (p.nm.active()) {
            p.sparsity.reset();
        }
        jobs.push_back({info.name, p, 0.0});
    }
    return jobs;
}

QString MethodPanel::validate(const Layer& layer) const {
    QStringList problems;
    const std::vector<MethodJob> all = jobs();
    if (all.empty()) problems << "Select at least one method.";
    for (const MethodJob& job : all) {
        try {
            find_method(job.method).validate(layer, job.params);
        } catch (const std::exception& e) {
            problems << QString::fromStdString(find_method(job.method).label) + ": " + QString::fromUtf8(e.what());
        }
    }
    return problems.join("\n");
}

void MethodPanel::showMessage(const QString& message) {
    message_->setText(message);
    message_->setVisible(!message.isEmpty());
}

}  // namespace layerlens::ui
