// The method panel is built from the declarations: every declared parameter of every registered
// method has an editor with the declared default, range, choices and help; each method's job
// carries its own fold's values; validation says each distinct refusal once, marks the editor
// and clears when the value is corrected.
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QMap>

#include <QToolButton>

#include "file_filters.h"
#include "fold_section.h"
#include "gui_test_support.h"
#include "io/layer_format.h"
#include "progress.h"

namespace layerlens::ui::test {
namespace {

QString editorName(const MethodInfo& info, const ParamSpec& spec) {
    return QString::fromStdString(spec.axis == BudgetAxis::None ? "param_" + info.name + "_" + spec.name
                                                                : "budget_" + spec.name);
}

double number(const ParamValue& value) {
    return std::holds_alternative<long long>(value) ? static_cast<double>(std::get<long long>(value)) : std::get<double>(value);
}

void expectNumberEditor(const ParamSpec& spec, QWidget* editor) {
    const double low = spec.special_value ? std::min<double>(spec.min, static_cast<double>(*spec.special_value)) : spec.min;
    const double initial = number(spec.default_value());
    if (auto* box = qobject_cast<QSpinBox*>(editor)) {
        ASSERT_EQ(spec.type, ParamType::Integer);
        EXPECT_EQ(box->minimum(), low);
        EXPECT_EQ(box->maximum(), spec.max);
        EXPECT_EQ(box->value(), initial);
        if (spec.special_value) {
            EXPECT_EQ(box->specialValueText().toStdString(), spec.special_name);
        }
        return;
    }
    auto* box = qobject_cast<QDoubleSpinBox*>(editor);
    ASSERT_NE(box, nullptr) << "a number needs a spin box";
    EXPECT_EQ(box->minimum(), low);
    EXPECT_EQ(box->maximum(), spec.max);
    EXPECT_EQ(box->value(), initial);
    // The text shows the default itself, not a rounded 0.000000 for a tolerance of 1e-6.
    EXPECT_EQ(box->text().toDouble(), initial) << box->text().toStdString();
    if (spec.type == ParamType::Integer) {
        EXPECT_EQ(box->decimals(), 0);
    }
}

void expectEditorMatchesSpec(const ParamSpec& spec, QWidget* editor) {
    EXPECT_TRUE(editor->toolTip().contains(QString::fromStdString(spec.help))) << editor->toolTip().toStdString();
    EXPECT_TRUE(editor->toolTip().contains(QString::fromStdString(spec.range_text())));
    switch (spec.type) {
    case ParamType::Integer:
    case ParamType::Real: expectNumberEditor(spec, editor); break;
    case ParamType::Flag: {
        auto* box = qobject_cast<QCheckBox*>(editor);
        ASSERT_NE(box, nullptr);
        EXPECT_EQ(box->isChecked(), std::get<bool>(spec.default_value()));
        EXPECT_EQ(box->text().toStdString(), spec.label);
        break;
    }
    case ParamType::Choice:
    case ParamType::Pattern: {
        auto* box = qobject_cast<QComboBox*>(editor);
        ASSERT_NE(box, nullptr);
        std::vector<std::string> items;
        for (int k = 0; k < box->count(); ++k) items.push_back(box->itemText(k).toStdString());
        std::vector<std::string> expected = spec.choices;
        if (spec.type == ParamType::Pattern) expected.insert(expected.begin(), "unstructured");
        EXPECT_EQ(items, expected);
        EXPECT_EQ(box->currentText().toStdString(), param_text(spec, spec.default_value()));
        break;
    }
    }
}

TEST(GuiPanel, EveryDeclaredParameterHasAnEditorWithTheDeclaredDefaultAndRange) {
    MethodPanel panel;
    int editors = 0;
    for (const MethodInfo& info : all_methods()) {
        bool ownSettings = false;
        for (const ParamSpec* spec : info.params) {
            SCOPED_TRACE(info.name + " " + spec->name);
            QWidget* editor = panel.findChild<QWidget*>(editorName(info, *spec));
            ASSERT_NE(editor, nullptr) << editorName(info, *spec).toStdString();
            expectEditorMatchesSpec(*spec, editor);
            ownSettings = ownSettings || spec->axis == BudgetAxis::None;
            ++editors;
        }
        // A closed fold, named after the method, exactly when it has settings of its own.
        FoldSection* fold = panel.fold(info.name);
        EXPECT_EQ(fold != nullptr, ownSettings) << info.name;
        if (fold) {
            EXPECT_FALSE(fold->isOpen());
            EXPECT_EQ(fold->button()->text().toStdString(), info.label);
            EXPECT_EQ(fold->objectName().toStdString(), "fold_" + info.name);
        }
    }
    EXPECT_GT(editors, 20);
    // Untouched, every job carries the declared defaults of what its method reads.
    for (const MethodJob& job : panel.jobs())
        for (const ParamSpec* spec : find_method(job.method).params) {
            const auto value = spec->get(job.params);
            if (spec->optional && !value) continue;   // "not given": the method's default
            ASSERT_TRUE(value) << job.method << " " << spec->name;
            EXPECT_EQ(param_text(*spec, *value), param_text(*spec, spec->default_value())) << job.method << " " << spec->name;
        }
}

const MethodJob& jobOf(const std::vector<MethodJob>& jobs, const std::string& method) {
    for (const MethodJob& job : jobs)
        if (job.method == method) return job;
    throw std::runtime_error("no job for " + method);
}

TEST(GuiPanel, EachMethodGetsItsOwnFoldsValuesAndItsKindsBudget) {
    MethodPanel panel;
    panel.findChild<QDoubleSpinBox*>("param_gptq_damp")->setValue(0.05);
    panel.findChild<QDoubleSpinBox*>("param_sparsegpt_damp")->setValue(0.2);
    panel.findChild<QDoubleSpinBox*>("param_awp_tol")->setValue(1e-4);
    panel.findChild<QSpinBox*>("budget_bits")->setValue(3);
    panel.findChild<QDoubleSpinBox*>("budget_sparsity")->setValue(0.6);
    std::vector<MethodJob> jobs = panel.jobs();
    EXPECT_EQ(jobOf(jobs, "gptq").params.damp, 0.05);
    EXPECT_EQ(jobOf(jobs, "sparsegpt").params.damp, 0.2);
    EXPECT_EQ(jobOf(jobs, "awp").params.damp, CompressionParams{}.damp);
    EXPECT_EQ(jobOf(jobs, "awp").params.tol, 1e-4);
    EXPECT_EQ(jobOf(jobs, "rtn").params.bits, 3);
    EXPECT_FALSE(jobOf(jobs, "rtn").params.sparsity);
    EXPECT_EQ(jobOf(jobs, "wanda").params.sparsity, 0.6);
    EXPECT_FALSE(jobOf(jobs, "wanda").params.bits);
    // Joint methods: sparsity by default, bits or both on request.
    auto* joint = panel.findChild<QComboBox*>("budget_joint");
    ASSERT_NE(joint, nullptr);
    EXPECT_EQ(jobOf(jobs, "awp").params.sparsity, 0.6);
    EXPECT_FALSE(jobOf(jobs, "awp").params.bits);
    joint->setCurrentIndex(1);
    jobs = panel.jobs();
    EXPECT_EQ(jobOf(jobs, "awp").params.bits, 3);
    EXPECT_FALSE(jobOf(jobs, "awp").params.sparsity);
    joint->setCurrentIndex(2);
    jobs = panel.jobs();
    EXPECT_EQ(jobOf(jobs, "awp").params.bits, 3);
    EXPECT_EQ(jobOf(jobs, "awp").params.sparsity, 0.6);
    // An N:M pattern replaces the unstructured sparsity.
    panel.findChild<QComboBox*>("budget_nm")->setCurrentText("2:4");
    jobs = panel.jobs();
    EXPECT_EQ(jobOf(jobs, "wanda").params.nm.n_keep, 2);
    EXPECT_EQ(jobOf(jobs, "wanda").params.nm.m, 4);
    EXPECT_FALSE(jobOf(jobs, "wanda").params.sparsity);
}

std::shared_ptr<const LoadedLayer> demoLoaded(Eigen::Index d_out, Eigen::Index d_in) {
    Progress progress;
    return std::make_shared<const LoadedLayer>(load_layer(demoSource(d_out, d_in, 256), progress));
}

// Every refusal the panel shows: the notes under the fields, then the panel's own message.
QStringList shownLines(const MethodPanel& panel) {
    QStringList lines;
    for (const QLabel* note : panel.findChildren<QLabel*>())
        if (note->objectName().endsWith("_note") && !note->isHidden())
            lines << note->text().split('\n', Qt::SkipEmptyParts);
    auto* message = panel.findChild<QLabel*>("panel_message");
    if (message && !message->isHidden()) {
        QStringList own = message->text().split('\n', Qt::SkipEmptyParts);
        for (QString& line : own)
            if (line.startsWith("• ")) line.remove(0, 2);
        lines << own;
    }
    return lines;
}

// The notes under the fields that are shown, by the object name of their editor.
QMap<QString, QString> shownNotes(const MethodPanel& panel) {
    QMap<QString, QString> notes;
    for (const QLabel* note : panel.findChildren<QLabel*>())
        if (note->objectName().endsWith("_note") && !note->isHidden()) notes[note->objectName().chopped(5)] = note->text();
    return notes;
}

TEST(GuiPanel, ARefusalIsSaidOnceMarksItsEditorAndClearsWhenCorrected) {
    const auto loaded = demoLoaded(64, 128);
    MethodPanel panel;
    panel.setLayer(loaded);
    EXPECT_TRUE(panel.validate(loaded->layer).isEmpty());
    EXPECT_TRUE(shownLines(panel).isEmpty());
    // Group 100 does not divide d_in 128: every quantiser refuses it with the same words.
    auto* group = panel.findChild<QSpinBox*>("budget_group");
    group->setValue(100);
    const QStringList lines = panel.validate(loaded->layer).split('\n');
    ASSERT_EQ(lines.size(), 1) << lines.join(" | ").toStdString();
    EXPECT_TRUE(lines[0].contains("100"));
    for (const char* label : {"RTN", "AWQ", "GPTQ"}) EXPECT_TRUE(lines[0].contains(label)) << lines[0].toStdString();
    EXPECT_EQ(shownLines(panel), lines);
    EXPECT_TRUE(group->property("invalid").toBool());
    EXPECT_TRUE(group->toolTip().contains("100"));
    // Corrected: the message and the mark go as the value changes, before any run.
    group->setValue(64);
    EXPECT_TRUE(shownLines(panel).isEmpty());
    EXPECT_FALSE(group->property("invalid").toBool());

    // A method's own setting: the refusal names that method only, and its closed fold opens.
    auto* fraction = panel.findChild<QDoubleSpinBox*>("param_awq-keep_keep-fraction");
    ASSERT_NE(fraction, nullptr);
    ASSERT_FALSE(panel.fold("awq-keep")->isOpen());
    fraction->setValue(1.0);   // [0, 1): the excluded end
    ASSERT_EQ(shownLines(panel).size(), 1);
    EXPECT_TRUE(shownLines(panel)[0].contains("keep-fraction"));
    EXPECT_TRUE(shownLines(panel)[0].endsWith("(" + QString::fromStdString(find_method("awq-keep").label) + ")"))
        << shownLines(panel)[0].toStdString();
    EXPECT_TRUE(fraction->property("invalid").toBool());
    EXPECT_TRUE(panel.fold("awq-keep")->isOpen());
    fraction->setValue(0.01);
    EXPECT_TRUE(shownLines(panel).isEmpty());

    // An impossible pattern typed by hand: once, on the pattern box.
    auto* nm = panel.findChild<QComboBox*>("budget_nm");
    nm->setCurrentText("4:2");
    ASSERT_EQ(shownLines(panel).size(), 1) << shownLines(panel).join(" | ").toStdString();
    EXPECT_TRUE(nm->property("invalid").toBool());
    nm->setCurrentText("2:4");
    EXPECT_TRUE(shownLines(panel).isEmpty());
    EXPECT_FALSE(nm->property("invalid").toBool());
}

TEST(GuiPanel, ABadGroupIsOneMessageUnderItsFieldNamingEveryMethodItBlocks) {
    const auto loaded = demoLoaded(64, 128);
    MethodPanel panel;
    panel.resize(260, 1100);
    panel.show();
    panel.setLayer(loaded);
    auto* group = panel.findChild<QSpinBox*>("budget_group");
    ASSERT_NE(group, nullptr);
    group->setValue(7);   // does not divide d_in = 128
    const QMap<QString, QString> notes = shownNotes(panel);
    ASSERT_EQ(notes.size(), 1) << QStringList(notes.keys()).join(", ").toStdString();
    ASSERT_TRUE(notes.contains("budget_group"));
    EXPECT_EQ(shownLines(panel).size(), 1);
    // Every selected method that reads the group, the pipelines through their AWQ step as well,
    // listed in the parentheses that end the note.
    const QString text = notes["budget_group"];
    ASSERT_TRUE(text.endsWith(")")) << text.toStdString();
    const QStringList blocked = text.mid(text.lastIndexOf('(') + 1).chopped(1).split(", ");
    for (const MethodInfo& info : all_methods()) {
        const bool readsGroup = std::any_of(info.params.begin(), info.params.end(),
                                            [](const ParamSpec* spec) { return spec->name == "group"; });
        EXPECT_EQ(blocked.contains(QString::fromStdString(info.label)), readsGroup) << info.name << ": " << text.toStdString();
    }
    for (const char* pipeline : {"wanda+awq", "awq+wanda"})
        EXPECT_TRUE(blocked.contains(QString::fromStdString(find_method(pipeline).label))) << pipeline;
    // The note sits right under the field, not at the bottom of the panel.
    QLabel* note = panel.findChild<QLabel*>("budget_group_note");
    ASSERT_NE(note, nullptr);
    const int below = note->mapTo(&panel, QPoint(0, 0)).y() - group->mapTo(&panel, QPoint(0, group->height())).y();
    EXPECT_GE(below, 0);
    EXPECT_LT(below, 12);
    EXPECT_LE(note->width(), panel.width());
    // Corrected: gone at once, before any run.
    group->setValue(64);
    EXPECT_TRUE(shownNotes(panel).isEmpty());
    EXPECT_TRUE(shownLines(panel).isEmpty());
    // 0 is valid and means one group per row: said under the field, not as a refusal.
    QLabel* meaning = panel.findChild<QLabel*>("budget_group_meaning");
    ASSERT_NE(meaning, nullptr);
    EXPECT_TRUE(meaning->isHidden());
    group->setValue(0);
    EXPECT_TRUE(shownLines(panel).isEmpty());
    EXPECT_FALSE(meaning->isHidden());
    EXPECT_TRUE(meaning->text().contains("one group per row")) << meaning->text().toStdString();
    group->setValue(64);
    EXPECT_TRUE(meaning->isHidden());
}

TEST(GuiPanel, ScreenshotOfARefusal) {
    const auto loaded = demoLoaded(64, 128);
    MethodPanel panel;
    panel.resize(260, 1100);
    panel.show();
    panel.setLayer(loaded);
    panel.fold("gptq")->setOpen(true);
    panel.findChild<QSpinBox*>("budget_group")->setValue(100);
    panel.findChild<QDoubleSpinBox*>("param_awp_step-scale")->setValue(0.0);
    QTest::qWait(50);
    EXPECT_TRUE(panel.fold("awp")->isOpen());
    EXPECT_EQ(shownLines(panel).size(), 2) << shownLines(panel).join(" | ").toStdString();
    EXPECT_TRUE(panel.grab().save(screenshotDir() + "/panel_refusal.png"));
}

TEST(GuiPanel, TheOpenDialogOffersEveryRegisteredFormatAndAllFiles) {
    const QString filter = layerFileFilter();
    EXPECT_TRUE(filter.endsWith(";;All files (*)")) << filter.toStdString();
    EXPECT_TRUE(filter.startsWith("Layer files (")) << filter.toStdString();
    for (const LayerFormat* format : layer_formats()) {
        EXPECT_TRUE(filter.contains(QString::fromStdString(format->name()) + " (")) << format->name();
        for (const std::string& extension : format->extensions())
            EXPECT_TRUE(filter.contains(QString::fromStdString("*." + extension))) << extension;
    }
}

}  // namespace
}  // namespace layerlens::ui::test
