#include "param_field.h"

#include "wrapped_label.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QLocale>
#include <QRegularExpression>
#include <QLabel>
#include <QSpinBox>
#include <climits>
#include <cmath>

namespace layerlens::ui {

namespace {

const char* kBaseTip = "baseToolTip";
const char* kInvalid = "invalid";

QString shortestText(double value) {
    QString text = QString::fromStdString(exact_number(value));
    // "1e-06" → "1e-6", "1e+06" → "1e6": as people write them.
    static const QRegularExpression exponent("e([+-])0*(\\d)");
    return text.replace(exponent, "e\\1\\2").replace("e+", "e");
}

// An integer whose declared range a QSpinBox (int) cannot hold, such as a 32-bit seed.
bool fitsInt(const ParamSpec& spec) {
    const double low = spec.special_value ? std::min<double>(spec.min, static_cast<double>(*spec.special_value)) : spec.min;
    return low >= INT_MIN && spec.max <= INT_MAX;
}

// One step of the arrows: the default's leading decimal (0.01 → 0.01, 0.5 → 0.1, 1e-6 → 1e-6).
double realStep(const ParamSpec& spec, double value) {
    if (value > 0) {
        const double step = std::pow(10.0, std::floor(std::log10(value)));
        return step == value && value >= 1 ? step / 10 : step;
    }
    const double span = spec.max - spec.min;
    return std::isfinite(span) && span < 10 ? span / 20 : 1.0;
}

QWidget* makeNumberEditor(const ParamSpec& spec, const ParamValue& initial) {
    if (spec.type == ParamType::Integer && fitsInt(spec)) {
        auto* box = new QSpinBox;
        int low = static_cast<int>(spec.min);
        if (spec.special_value && *spec.special_value < low) {
            low = static_cast<int>(*spec.special_value);
            box->setSpecialValueText(QString::fromStdString(spec.special_name));
        }
        box->setRange(low, static_cast<int>(spec.max));
        box->setKeyboardTracking(false);   // judge the number once typed, not every digit
        box->setValue(static_cast<int>(std::get<long long>(initial)));
        return box;
    }
    auto* box = new RealSpinBox;
    const double value = std::holds_alternative<long long>(initial) ? static_cast<double>(std::get<long long>(initial))
                                                                    : std::get<double>(initial);
    if (spec.type == ParamType::Integer) box->setDecimals(0);
    // Exclusive bounds stay reachable: the validation then says why the value is refused.
    box->setRange(spec.min, spec.max);
    box->setSingleStep(spec.type == ParamType::Integer ? 1.0 : realStep(spec, value));
    box->setValue(value);
    return box;
}

QWidget* makeEditor(const ParamSpec& spec) {
    const ParamValue initial = spec.default_value();
    switch (spec.type) {
    case ParamType::Integer:
    case ParamType::Real: return makeNumberEditor(spec, initial);
    case ParamType::Flag: {
        auto* box = new QCheckBox(QString::fromStdString(spec.label));
        box->setChecked(std::get<bool>(initial));
        return box;
    }
    case ParamType::Choice:
    case ParamType::Pattern: {
        auto* box = new QComboBox;
        if (spec.type == ParamType::Pattern) {
            // Any N:M may be typed; the list offers the usual ones.
            box->setEditable(true);
            box->setInsertPolicy(QComboBox::NoInsert);
            box->addItem(kUnstructured);
        }
        for (const std::string& choice : spec.choices) box->addItem(QString::fromStdString(choice));
        box->setCurrentText(QString::fromStdString(param_text(spec, initial)));
        return box;
    }
    }
    return nullptr;
}

}  // namespace

RealSpinBox::RealSpinBox(QWidget* parent) : QDoubleSpinBox(parent) {
    setDecimals(12);
    setLocale(QLocale::c());
    setKeyboardTracking(false);
}

QString RealSpinBox::textFromValue(double value) const { return shortestText(value); }

double RealSpinBox::valueFromText(const QString& text) const { return QLocale::c().toDouble(text.trimmed()); }

QValidator::State RealSpinBox::validate(QString& text, int&) const {
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (ok) return v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
    static const QRegularExpression partial("^\\s*[+-]?\\d*\\.?\\d*([eE][+-]?\\d*)?\\s*$");
    return partial.match(text).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
}

QString paramToolTip(const ParamSpec& spec) {
    // The help verbatim, as the CLI's --help prints it.
    return QString::fromStdString(spec.help + "\nAllowed: " + spec.range_text() + "; default " +
                                  param_text(spec, spec.default_value()) + ".");
}

ParamField makeParamField(const ParamSpec& spec, const QString& objectName, const QString& extraTip, QWidget* parent) {
    ParamField field{&spec, makeEditor(spec)};
    field.editor->setParent(parent);
    field.editor->setObjectName(objectName);
    const QString tip = paramToolTip(spec) + (extraTip.isEmpty() ? QString() : "\n" + extraTip);
    field.editor->setToolTip(tip);
    field.editor->setProperty(kBaseTip, tip);
    field.note = new QLabel(parent);
    field.note->setObjectName(objectName + "_note");
    field.note->setWordWrap(true);
    field.note->setTextFormat(Qt::PlainText);
    // Wrap to the panel's width, never widen it (a long refusal was clipped at its right edge).
    field.note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    QFont small = field.note->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    field.note->setFont(small);
    field.note->setStyleSheet("color: #e0533d");   // red that reads on light and dark palettes
    field.note->setVisible(false);
    keepWrappedHeight(field.note);
    field.meaning = new QLabel(parent);
    field.meaning->setObjectName(objectName + "_meaning");
    field.meaning->setWordWrap(true);
    field.meaning->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    QFont muted = small;
    muted.setItalic(true);
    field.meaning->setFont(muted);
    field.meaning->setVisible(false);
    keepWrappedHeight(field.meaning);
    if (spec.type == ParamType::Integer) {
        const ParamField copy = field;
        copy.onChanged(field.meaning, [copy] { copy.showMeaning(); });
    }
    return field;
}

void ParamField::showMeaning() const {
    if (!meaning) return;
    const std::optional<ParamValue> v = value();
    QString text;
    if (v && std::holds_alternative<long long>(*v)) {
        const long long n = std::get<long long>(*v);
        const bool special = spec->special_value && *spec->special_value == n;   // already shown by name
        if (!special) text = QString::fromStdString(spec->value_meaning(n));
        if (!text.isEmpty()) text = QString::number(n) + " = " + text;
    }
    meaning->setText(text);
    meaning->setVisible(!text.isEmpty());
}

void ParamField::showNote(const QString& text) const {
    if (!note) return;
    note->setText(text);
    // Shown already, it has its width: fit the new text now. Hidden, its width is stale; being
    // laid out when shown resizes it, and the resize fits it.
    if (note->isVisible()) fitWrappedHeight(note);
    note->setVisible(!text.isEmpty());
}

std::optional<ParamValue> ParamField::value() const {
    if (const auto* box = qobject_cast<QSpinBox*>(editor)) return static_cast<long long>(box->value());
    if (const auto* box = qobject_cast<QDoubleSpinBox*>(editor)) {
        if (spec->type == ParamType::Integer) return static_cast<long long>(std::llround(box->value()));
        return box->value();
    }
    if (const auto* box = qobject_cast<QCheckBox*>(editor)) return box->isChecked();
    if (const auto* box = qobject_cast<QComboBox*>(editor)) {
        const QString text = box->currentText().trimmed();
        if (spec->type == ParamType::Pattern && spec->optional && (text.isEmpty() || text == kUnstructured)) return std::nullopt;
        return text.toStdString();
    }
    return std::nullopt;
}

void ParamField::setValue(const ParamValue& value) const {
    auto number = [&] {
        return std::holds_alternative<long long>(value) ? static_cast<double>(std::get<long long>(value)) : std::get<double>(value);
    };
    if (auto* box = qobject_cast<QSpinBox*>(editor)) box->setValue(static_cast<int>(number()));
    else if (auto* box = qobject_cast<QDoubleSpinBox*>(editor)) box->setValue(number());
    else if (auto* box = qobject_cast<QCheckBox*>(editor)) box->setChecked(std::get<bool>(value));
    else if (auto* box = qobject_cast<QComboBox*>(editor)) box->setCurrentText(QString::fromStdString(param_text(*spec, value)));
}

QString ParamField::label() const {
    return spec->type == ParamType::Flag ? QString() : QString::fromStdString(spec->label);
}

void ParamField::onChanged(QObject* context, std::function<void()> changed) const {
    if (auto* box = qobject_cast<QSpinBox*>(editor)) QObject::connect(box, &QSpinBox::valueChanged, context, changed);
    else if (auto* box = qobject_cast<QDoubleSpinBox*>(editor)) QObject::connect(box, &QDoubleSpinBox::valueChanged, context, changed);
    else if (auto* box = qobject_cast<QCheckBox*>(editor)) QObject::connect(box, &QCheckBox::toggled, context, changed);
    else if (auto* box = qobject_cast<QComboBox*>(editor)) QObject::connect(box, &QComboBox::currentTextChanged, context, changed);
}

void ParamField::markInvalid(const QString& reason) const {
    const bool invalid = !reason.isEmpty();
    const QString base = editor->property(kBaseTip).toString();
    const QString tip = invalid ? base + "\n\nRefused: " + reason : base;
    if (editor->property(kInvalid).toBool() == invalid && editor->toolTip() == tip) return;
    editor->setProperty(kInvalid, invalid);
    editor->setToolTip(tip);
    // A red tint through the palette, not a style sheet, so the spin arrows keep their style; the
    // tint is mixed into the current colours, so it reads on a dark palette too.
    if (!invalid) {
        editor->setPalette(QPalette());   // no role of its own: inherits the parent's again
        return;
    }
    // From the parent's colours, so a second reason does not tint twice.
    QPalette palette = editor->parentWidget() ? editor->parentWidget()->palette() : editor->palette();
    const QColor red(192, 57, 43);
    auto tint = [&](QPalette::ColorRole role, double amount) {
        const QColor c = palette.color(role);
        palette.setColor(role, QColor::fromRgbF(c.redF() + (red.redF() - c.redF()) * amount,
                                                c.greenF() + (red.greenF() - c.greenF()) * amount,
                                                c.blueF() + (red.blueF() - c.blueF()) * amount));
    };
    tint(QPalette::Base, 0.3);
    tint(QPalette::Button, 0.3);
    palette.setColor(QPalette::WindowText, red);
    editor->setPalette(palette);
}

bool ParamField::isMarkedInvalid() const { return editor->property(kInvalid).toBool(); }

}  // namespace layerlens::ui
