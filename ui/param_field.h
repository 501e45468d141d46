#pragma once
// One editor widget built from one ParamSpec (core/param_spec.h), so the method panel never
// names a parameter: Integer → QSpinBox (special value shown by name, "auto"), Real → a spin
// box that shows any double (1e-06 as well as 0.5), Flag → QCheckBox, Choice → QComboBox,
// Pattern → an editable QComboBox offering "unstructured" and the declared patterns. The widget
// carries the declared help as tooltip, the declared range and default, and the object name the
// caller gives ("param_gptq_damp", "budget_bits").
#include <QDoubleSpinBox>
#include <QString>
#include <functional>
#include <optional>

#include "param_spec.h"

class QLabel;
class QWidget;

namespace layerlens::ui {

// A double spin box that shows and accepts the shortest text of its value, including
// scientific notation, so a tolerance of 1e-6 and a scale of 1e6 both fit one widget type.
class RealSpinBox : public QDoubleSpinBox {
    Q_OBJECT
public:
    explicit RealSpinBox(QWidget* parent = nullptr);
    QString textFromValue(double value) const override;
    double valueFromText(const QString& text) const override;
    QValidator::State validate(QString& text, int& pos) const override;
};

// The text a pattern editor shows when no N:M pattern is given.
inline constexpr const char* kUnstructured = "unstructured";

struct ParamField {
    const ParamSpec* spec = nullptr;
    QWidget* editor = nullptr;
    // The refusal of this value, shown right under the editor (hidden while the value is fine);
    // the form puts it on the row after the editor's.
    QLabel* note = nullptr;
    // What the value typed means when its spec names it (group "0 = one group per row"): shown
    // under the editor, muted, while that value is set.
    QLabel* meaning = nullptr;

    // The value as typed; nullopt for an optional parameter left "not given" (the pattern
    // "unstructured"). A pattern is returned as typed, even when it does not parse: the
    // validation then names it.
    std::optional<ParamValue> value() const;
    void setValue(const ParamValue& value) const;
    // The form label ("damping"); empty for a flag, whose check box carries it.
    QString label() const;
    // Calls `changed` on every edit, in `context`'s lifetime.
    void onChanged(QObject* context, std::function<void()> changed) const;
    // A red frame and the reason in the tooltip, or back to normal with an empty reason.
    void markInvalid(const QString& reason) const;
    bool isMarkedInvalid() const;
    // The note under the editor: the refusals and the methods they block; empty hides it.
    void showNote(const QString& text) const;
    // Shows or hides `meaning` for the current value.
    void showMeaning() const;
};


// The editor for `spec`, set to its declared default; `extraTip` follows the help in the tooltip.
ParamField makeParamField(const ParamSpec& spec, const QString& objectName, const QString& extraTip, QWidget* parent);

// The tooltip text of a spec: its help, range and default.
QString paramToolTip(const ParamSpec& spec);

}  // namespace layerlens::ui
