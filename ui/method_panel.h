#pragma once
// The left dock's method panel, built from the declarations (core/method.h, param_spec.h) so it
// never names a method or a parameter: one check box per registered method; the shared budget
// (one editor per distinct budget ParamSpec across all methods, plus what the joint methods get);
// and one closed fold per method with settings of its own, one editor per declared spec. Each
// selected method's job gets the budget its kind reads and its own fold's values. Validation is
// core's (check_param per spec, then validate_method), live as values change: each distinct
// message is shown once with the methods it concerns, and the offending editor is marked.
//
// Editors are found by object name: "method_<method>" (check box), "budget_<name>",
// "budget_joint", "param_<method>_<name>", and "fold_<method>" for the fold.
#include <QStringList>
#include <QWidget>
#include <memory>
#include <vector>

#include "param_field.h"
#include "run_types.h"

class QCheckBox;
class QComboBox;
class QLabel;

namespace layerlens::ui {

class FoldSection;

class MethodPanel : public QWidget {
    Q_OBJECT
public:
    explicit MethodPanel(QWidget* parent = nullptr);

    QStringList selectedMethods() const;
    void setSelectedMethods(const QStringList& names);
    // Checks `method` and sets the shared budget it reads (bits and group, sparsity or N:M, rank
    // or ratio) to what `params` holds; a joint method is also given the parts `params` holds.
    // The iterations and every method's own settings stay as they are. False for an unknown method.
    bool setBudgetFor(const std::string& method, const CompressionParams& params);
    // One job per selected method, with the budget its kind uses and its own settings.
    std::vector<MethodJob> jobs() const;
    // The layer the live validation checks against (its width divides groups and N:M); without
    // one only the declared ranges are checked.
    void setLayer(std::shared_ptr<const LoadedLayer> loaded);
    // Empty when every job is valid for this layer, else one line per distinct refusal; marks
    // the offending editors and shows the lines in the panel.
    QString validate(const Layer& layer);
    void showMessage(const QString& message);

    // The editor of a budget parameter ("bits") or of a method's own ("gptq", "damp").
    QWidget* budgetEditor(const std::string& name) const;
    QWidget* paramEditor(const std::string& method, const std::string& name) const;
    FoldSection* fold(const std::string& method) const;

signals:
    void runRequested();
    void budgetChanged();

private:
    struct MethodRow {
        const MethodInfo* info = nullptr;
        QCheckBox* check = nullptr;
        std::vector<ParamField> own;   // the method's own settings, in declaration order
        FoldSection* fold = nullptr;   // null when the method has none
    };
    struct Issue {
        std::string message;
        QStringList methods;
        std::vector<const ParamField*> fields;
    };

    QWidget* buildMethodList();
    QWidget* buildBudget();
    QWidget* buildFolds();
    const ParamField* fieldFor(const MethodRow& row, const ParamSpec& spec) const;
    bool reads(const MethodRow& row, const ParamSpec& spec) const;
    CompressionParams paramsFor(const MethodRow& row) const;
    std::vector<Issue> collectIssues(const Layer* layer) const;
    void checkMethod(const MethodRow& row, const Layer* layer, std::vector<Issue>& issues) const;
    QString showIssues(const std::vector<Issue>& issues);
    void revalidate();

    std::vector<MethodRow> rows_;
    std::vector<ParamField> budget_;
    QComboBox* jointBudget_ = nullptr;
    QLabel* message_ = nullptr;
    std::weak_ptr<const LoadedLayer> layer_;
};

}  // namespace layerlens::ui
