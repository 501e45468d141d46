#pragma once
// The left dock's method panel: one checkbox per registered method (never a hard-coded list),
// the shared budget (bits and group; sparsity or N:M; rank ratio; AWP iterations and step
// multiplier) and the per-method settings under an "advanced" fold. It builds one job per
// selected method, giving each method the part of the budget its kind uses, and refuses
// invalid values with the method's own reason before anything runs.
#include <QStringList>
#include <QWidget>
#include <map>
#include <vector>

#include "run_types.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace layerlens::ui {

class MethodPanel : public QWidget {
    Q_OBJECT
public:
    explicit MethodPanel(QWidget* parent = nullptr);

    QStringList selectedMethods() const;
    void setSelectedMethods(const QStringList& names);
    // The budget as the user set it; jobs() adapts it per method kind.
    CompressionParams baseParams() const;
    std::vector<MethodJob> jobs() const;
    // Empty when every job is valid for this layer, else one line per refusal.
    QString validate(const Layer& layer) const;
    void showMessage(const QString& message);

    // Direct access for tests and the screenshot tool.
    QSpinBox* bitsBox() const { return bits_; }
    QSpinBox* groupBox() const { return group_; }
    QDoubleSpinBox* sparsityBox() const { return sparsity_; }
    QComboBox* patternBox() const { return pattern_; }
    QSpinBox* itersBox() const { return iters_; }

signals:
    void runRequested();
    void budgetChanged();

private:
    std::map<std::string, QCheckBox*> checks_;
    QSpinBox* bits_;
    QSpinBox* group_;
    QDoubleSpinBox* sparsity_;
    QComboBox* pattern_;
    QDoubleSpinBox* rankRatio_;
    QSpinBox* iters_;
    QDoubleSpinBox* stepScale_;
    QComboBox* jointBudget_;
    QDoubleSpinBox* damp_;
    QSpinBox* blockSize_;
    QCheckBox* actOrder_;
    QCheckBox* awqDuo_;
    QCheckBox* awqClip_;
    QComboBox* keepBy_;
    QDoubleSpinBox* keepFraction_;
    QComboBox* init_;
    QComboBox* maskScope_;
    QCheckBox* accelerate_;
    QLabel* message_;
};

}  // namespace layerlens::ui
