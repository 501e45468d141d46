#include "method_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "fold_section.h"
#include "method_registry.h"

namespace layerlens::ui {

namespace {

// What the joint methods (AWP, the pipelines) are given of the budget; GUI only: on the command
// line the options given decide.
enum JointBudget { JointSparsity, JointBits, JointBoth };

QString labelsOf(const std::vector<const MethodInfo*>& methods) {
    QStringList labels;
    for (const MethodInfo* info : methods) labels << QString::fromStdString(info->label);
    return labels.join(", ");
}

void addField(QFormLayout* form, const ParamField& field) {
    if (field.label().isEmpty()) form->addRow(field.editor);
    else form->addRow(field.label(), field.editor);
    // The refusal right under its field, across the whole row, and what a named value means.
    if (field.note) form->addRow(field.note);
    if (field.meaning) form->addRow(field.meaning);
}

QFormLayout* compactForm(QWidget* parent) {
    auto* form = new QFormLayout(parent);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    form->setVerticalSpacing(3);
    return form;
}

// The declared spec whose name the message names as a word ("group 100 does not divide …"),
// the longest when several do; null when none.
const ParamSpec* specNamedIn(const std::string& message, const std::vector<const ParamSpec*>& specs) {
    const ParamSpec* best = nullptr;
    for (const ParamSpec* spec : specs) {
        const QRegularExpression word("(^|[^\\w-])" + QRegularExpression::escape(QString::fromStdString(spec->name)) +
                                      "($|[^\\w-])");
        if (word.match(QString::fromStdString(message)).hasMatch() && (!best || spec->name.size() > best->name.size()))
            best = spec;
    }
    return best;
}

}  // namespace

MethodPanel::MethodPanel(QWidget* parent) : QWidget(parent) {
    for (const MethodInfo& info : all_methods()) {
        MethodRow row;
        row.info = &info;
        rows_.push_back(std::move(row));
    }
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(buildMethodList());
    layout->addWidget(buildBudget());

    message_ = new QLabel(this);
    message_->setObjectName("panel_message");
    message_->setWordWrap(true);
    message_->setTextFormat(Qt::PlainText);
    message_->setStyleSheet("color: #c0392b");
    message_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);   // wrap to the panel, never widen it
    message_->setVisible(false);
    layout->addWidget(message_);
    auto* run = new QPushButton("Run ▶", this);
    run->setObjectName("panel_run");
    run->setToolTip("Run the selected methods on the loaded layer (Ctrl+R).");
    layout->addWidget(run);
    // The folds last: Run stays above the fold of a 940-pixel window, under the budget it runs.
    if (QWidget* folds = buildFolds()) layout->addWidget(folds);
    layout->addStretch();
    connect(run, &QPushButton::clicked, this, &MethodPanel::runRequested);
}

QWidget* MethodPanel::buildMethodList() {
    auto* box = new QGroupBox("Methods", this);
    auto* list = new QVBoxLayout(box);
    list->setSpacing(1);
    for (MethodRow& row : rows_) {
        row.check = new QCheckBox(QString::fromStdString(row.info->label), box);
        row.check->setObjectName(QString::fromStdString("method_" + row.info->name));
        row.check->setToolTip(QString::fromStdString(row.info->description));
        row.check->setChecked(true);
        list->addWidget(row.check);
        connect(row.check, &QCheckBox::toggled, this, &MethodPanel::revalidate);
    }
    return box;
}

QWidget* MethodPanel::buildBudget() {
    // One editor per distinct budget parameter, in the order the registry first lists them.
    std::vector<std::pair<const ParamSpec*, std::vector<const MethodInfo*>>> shared;
    for (const MethodRow& row : rows_)
        for (const ParamSpec* spec : row.info->params) {
            if (spec->axis == BudgetAxis::None) continue;
            auto it = std::find_if(shared.begin(), shared.end(), [&](const auto& s) { return s.first->name == spec->name; });
            if (it == shared.end()) shared.push_back({spec, {row.info}});
            else it->second.push_back(row.info);
        }
    auto* box = new QGroupBox("Budget", this);
    box->setToolTip("Shared by every method that reads it; each method's own settings are in its fold below.");
    auto* form = compactForm(box);
    for (const auto& [spec, users] : shared) {
        budget_.push_back(makeParamField(*spec, QString::fromStdString("budget_" + spec->name), "Used by " + labelsOf(users) + ".", box));
        addField(form, budget_.back());
        budget_.back().onChanged(this, [this] {
            revalidate();
            emit budgetChanged();
        });
    }
    std::vector<const MethodInfo*> joint;
    for (const MethodRow& row : rows_)
        if (row.info->kind == MethodKind::Joint) joint.push_back(row.info);
    jointBudget_ = new QComboBox(box);
    jointBudget_->setObjectName("budget_joint");
    jointBudget_->addItems({"sparsity", "bits", "sparsity + bits"});
    jointBudget_->setToolTip("What the joint methods (" + labelsOf(joint) +
                             ") are given: the sparsity (they prune), the bits (they quantise), or both.");
    form->addRow("joint methods get", jointBudget_);
    connect(jointBudget_, &QComboBox::currentIndexChanged, this, [this] {
        revalidate();
        emit budgetChanged();
    });
    return box;
}

QWidget* MethodPanel::buildFolds() {
    auto* box = new QGroupBox("Method settings", this);
    box->setToolTip("Each method's own settings; a method run alone or in a sweep uses its own values.");
    auto* list = new QVBoxLayout(box);
    list->setContentsMargins(2, 2, 2, 2);
    list->setSpacing(0);
    for (MethodRow& row : rows_) {
        auto* body = new QWidget;
        auto* form = compactForm(body);
        for (const ParamSpec* spec : row.info->params) {
            if (spec->axis != BudgetAxis::None) continue;
            const QString name = QString::fromStdString("param_" + row.info->name + "_" + spec->name);
            row.own.push_back(makeParamField(*spec, name, QString::fromStdString(row.info->label) + " only.", body));
            addField(form, row.own.back());
            row.own.back().onChanged(this, [this] { revalidate(); });
        }
        if (row.own.empty()) {
            delete body;
            continue;
        }
        row.fold = new FoldSection(QString::fromStdString(row.info->label), body, box);
        row.fold->setObjectName(QString::fromStdString("fold_" + row.info->name));
        row.fold->button()->setToolTip(QString::fromStdString(row.info->description));
        list->addWidget(row.fold);
    }
    if (list->isEmpty()) {
        delete box;
        return nullptr;
    }
    return box;
}

QStringList MethodPanel::selectedMethods() const {
    QStringList names;
    for (const MethodRow& row : rows_)
        if (row.check->isChecked()) names << QString::fromStdString(row.info->name);
    return names;
}

void MethodPanel::setSelectedMethods(const QStringList& names) {
    for (const MethodRow& row : rows_) row.check->setChecked(names.contains(QString::fromStdString(row.info->name)));
}

bool MethodPanel::setBudgetFor(const std::string& method, const CompressionParams& params) {
    const auto row = std::find_if(rows_.begin(), rows_.end(), [&](const MethodRow& r) { return r.info->name == method; });
    if (row == rows_.end()) return false;
    row->check->setChecked(true);
    for (const ParamSpec* spec : row->info->params) {
        // The iterations are no part of a budget label; a sweep's points never vary them.
        if (spec->axis == BudgetAxis::None || spec->axis == BudgetAxis::Iterations) continue;
        const ParamField* field = fieldFor(*row, *spec);
        if (!field) continue;
        if (const std::optional<ParamValue> value = spec->get(params)) field->setValue(*value);
        // No pattern: unstructured, or the pattern left in the editor would replace the sparsity.
        else if (spec->type == ParamType::Pattern) field->setValue(std::string(kUnstructured));
    }
    if (row->info->kind == MethodKind::Joint) {
        const bool sparsity = params.sparsity || params.nm.active(), bits = params.bits.has_value();
        jointBudget_->setCurrentIndex(sparsity && bits ? JointBoth : bits ? JointBits : JointSparsity);
    }
    return true;
}

void MethodPanel::setLayer(std::shared_ptr<const LoadedLayer> loaded) {
    layer_ = loaded;
    revalidate();
}

QWidget* MethodPanel::budgetEditor(const std::string& name) const {
    for (const ParamField& field : budget_)
        if (field.spec->name == name) return field.editor;
    return name == "joint" ? jointBudget_ : nullptr;
}

QWidget* MethodPanel::paramEditor(const std::string& method, const std::string& name) const {
    for (const MethodRow& row : rows_)
        if (row.info->name == method)
            for (const ParamField& field : row.own)
                if (field.spec->name == name) return field.editor;
    return nullptr;
}

FoldSection* MethodPanel::fold(const std::string& method) const {
    for (const MethodRow& row : rows_)
        if (row.info->name == method) return row.fold;
    return nullptr;
}

const ParamField* MethodPanel::fieldFor(const MethodRow& row, const ParamSpec& spec) const {
    const std::vector<ParamField>& fields = spec.axis == BudgetAxis::None ? row.own : budget_;
    for (const ParamField& field : fields)
        if (field.spec->name == spec.name) return &field;
    return nullptr;
}

bool MethodPanel::reads(const MethodRow& row, const ParamSpec& spec) const {
    if (spec.axis == BudgetAxis::None || !spec.optional) return true;
    // Joint methods are given the part of the budget chosen for them; the rest is "not given".
    const int joint = jointBudget_->currentIndex();
    if (row.info->kind == MethodKind::Joint) {
        if (spec.axis == BudgetAxis::Bits && joint == JointSparsity) return false;
        if (spec.axis == BudgetAxis::Sparsity && joint == JointBits) return false;
    }
    // A pattern on the same axis replaces the unstructured amount (N:M instead of sparsity).
    if (spec.type != ParamType::Pattern)
        for (const ParamSpec* other : row.info->params)
            if (other->axis == spec.axis && other->type == ParamType::Pattern)
                if (const ParamField* field = fieldFor(row, *other); field && field->value()) return false;
    return true;
}

CompressionParams MethodPanel::paramsFor(const MethodRow& row) const {
    CompressionParams params;
    for (const ParamSpec* spec : row.info->params) {
        const ParamField* field = fieldFor(row, *spec);
        if (!field || !reads(row, *spec)) continue;
        try {
            spec->set(params, field->value());
        } catch (const std::exception&) {
            // An unparsable pattern stays at its default here; collectIssues names it.
        }
    }
    return params;
}

std::vector<MethodJob> MethodPanel::jobs() const {
    std::vector<MethodJob> jobs;
    for (const MethodRow& row : rows_)
        if (row.check->isChecked()) jobs.push_back({row.info->name, paramsFor(row), 0.0});
    return jobs;
}

void MethodPanel::checkMethod(const MethodRow& row, const Layer* layer, std::vector<Issue>& issues) const {
    auto add = [&](const std::string& message, const ParamField* field) {
        auto it = std::find_if(issues.begin(), issues.end(), [&](const Issue& i) { return i.message == message; });
        if (it == issues.end()) it = issues.insert(issues.end(), Issue{message, {}, {}});
        const QString label = QString::fromStdString(row.info->label);
        if (!it->methods.contains(label)) it->methods << label;
        if (field && std::find(it->fields.begin(), it->fields.end(), field) == it->fields.end()) it->fields.push_back(field);
    };
    // Each spec first, so the refusal lands on the editor that holds the value.
    bool refused = false;
    for (const ParamSpec* spec : row.info->params) {
        const ParamField* field = fieldFor(row, *spec);
        if (!field || !reads(row, *spec)) continue;
        const std::optional<ParamValue> value = field->value();
        if (!value) continue;
        try {
            check_param(*spec, *value, layer);
        } catch (const std::exception& e) {
            add(e.what(), field);
            refused = true;
        }
    }
    if (refused || !layer) return;
    // Then the method's own checks, which may join several values ("block must …").
    try {
        validate_method(*row.info, *layer, paramsFor(row));
    } catch (const std::exception& e) {
        const ParamSpec* named = specNamedIn(e.what(), row.info->params);
        add(e.what(), named ? fieldFor(row, *named) : nullptr);
    }
}

std::vector<MethodPanel::Issue> MethodPanel::collectIssues(const Layer* layer) const {
    std::vector<Issue> issues;
    for (const MethodRow& row : rows_)
        if (row.check->isChecked()) checkMethod(row, layer, issues);
    return issues;
}

QString MethodPanel::showIssues(const std::vector<Issue>& issues) {
    // Unmark everything, then mark each refused editor with its reasons.
    std::vector<std::pair<const ParamField*, QStringList>> marks;
    for (const Issue& issue : issues)
        for (const ParamField* field : issue.fields) {
            auto it = std::find_if(marks.begin(), marks.end(), [&](const auto& m) { return m.first == field; });
            if (it == marks.end()) it = marks.insert(marks.end(), std::make_pair(field, QStringList()));
            it->second << QString::fromStdString(issue.message);
        }
    // Each refusal once, under the first editor it concerns, with every method it blocks; a
    // refusal naming no editor goes to the panel's message above the Run button.
    std::vector<std::pair<const ParamField*, QStringList>> notes;
    QStringList unplaced;
    for (const Issue& issue : issues) {
        const QString line = QString::fromStdString(issue.message) + " (" + issue.methods.join(", ") + ")";
        if (issue.fields.empty()) {
            unplaced << line;
            continue;
        }
        auto it = std::find_if(notes.begin(), notes.end(), [&](const auto& n) { return n.first == issue.fields.front(); });
        if (it == notes.end()) it = notes.insert(notes.end(), std::make_pair(issue.fields.front(), QStringList()));
        it->second << line;
    }
    auto mark = [&](const ParamField& field) {
        auto it = std::find_if(marks.begin(), marks.end(), [&](const auto& m) { return m.first == &field; });
        field.markInvalid(it == marks.end() ? QString() : it->second.join("\n"));
        auto note = std::find_if(notes.begin(), notes.end(), [&](const auto& n) { return n.first == &field; });
        field.showNote(note == notes.end() ? QString() : note->second.join("\n"));
    };
    for (const ParamField& field : budget_) mark(field);
    for (const MethodRow& row : rows_) {
        bool foldRefused = false;
        for (const ParamField& field : row.own) {
            mark(field);
            foldRefused = foldRefused || field.isMarkedInvalid();
        }
        // A refused value inside a closed fold would be invisible: open it.
        if (row.fold && foldRefused) row.fold->setOpen(true);
    }
    QStringList lines;
    for (const Issue& issue : issues) lines << QString::fromStdString(issue.message) + " (" + issue.methods.join(", ") + ")";
    showMessage(unplaced.join("\n"));
    return lines.join("\n");
}

QString MethodPanel::validate(const Layer& layer) {
    const QString problems = showIssues(collectIssues(&layer));
    if (!selectedMethods().isEmpty()) return problems;
    showMessage("Select at least one method.");
    return "Select at least one method.";
}

void MethodPanel::revalidate() {
    const std::shared_ptr<const LoadedLayer> loaded = layer_.lock();
    showIssues(collectIssues(loaded ? &loaded->layer : nullptr));
}

void MethodPanel::showMessage(const QString& message) {
    // Several refusals read as a list; one as a sentence.
    const QStringList lines = message.split('\n', Qt::SkipEmptyParts);
    message_->setText(lines.size() > 1 ? "• " + lines.join("\n• ") : message);
    message_->setVisible(!message.isEmpty());
}

}  // namespace layerlens::ui
