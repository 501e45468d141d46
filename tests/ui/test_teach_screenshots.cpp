// Saves a picture of every Teach lesson the way a class sees it — the whole window at 1500 x 940
// on the offscreen platform, after the demo layer is loaded and each lesson's background run has
// finished — as teach_<lesson>.png in the screenshots folder, plus two at a large text size.
// The test checks they were written and that the runs finished; eyes judge the pictures.
#include <QSlider>

#include "gui_test_support.h"
#include "teach/pgd_toy.h"
#include "teach_awp_layer_lesson.h"
#include "teach_calibration_lesson.h"
#include "teach_channel_error_lesson.h"
#include "teach_pgd_lesson.h"
#include "teach_quiz_lesson.h"
#include "teach_tab.h"

namespace layerlens::ui::test {
namespace {

void save(QWidget* widget, const QString& name) {
    QTest::qWait(80);
    const QString path = screenshotDir() + "/" + name + ".png";
    EXPECT_TRUE(widget->grab().save(path)) << path.toStdString();
}

TEST(GuiTeachScreenshots, EveryLesson) {
    auto window = makeWindow();
    window->resize(1500, 940);
    ASSERT_TRUE(loadAndWait(*window, demoSource(512, 1024, 2048)));
    window->tabs()->setCurrentWidget(window->teachTab());
    TeachTab* teach = window->teachTab();

    QSignalSpy compared(teach->awqVersusGptq(), &TeachChannelErrorLesson::comparisonFinished);
    teach->showLesson(TeachTab::Lesson::AwqVersusGptq);
    ASSERT_TRUE(QTest::qWaitFor([&] { return compared.count() > 0; }, 120000));
    save(window.get(), "teach_awq_vs_gptq");

    QSignalSpy calibrated(teach->calibration(), &TeachCalibrationLesson::lessonFinished);
    teach->showLesson(TeachTab::Lesson::Calibration);
    ASSERT_TRUE(QTest::qWaitFor([&] { return calibrated.count() > 0; }, 120000));
    save(window.get(), "teach_calibration");

    teach->showLesson(TeachTab::Lesson::SelfCheck);
    TeachQuizLesson* quiz = teach->selfCheck();
    // One right answer and one common wrong answer, as a student would leave them.
    for (int o = 0; o < quiz->question(0).options.size(); ++o)
        if (quiz->question(0).options[o].right) quiz->choose(0, o);
    for (int o = 0; o < quiz->question(1).options.size(); ++o)
        if (quiz->question(1).options[o].commonMistake) quiz->choose(1, o);
    save(window.get(), "teach_quiz");

    teach->showLesson(TeachTab::Lesson::PgdToy);
    TeachPgdLesson* pgd = teach->pgdToy();
    int swap = 1;
    for (size_t t = 0; t < pgd->run().steps.size(); ++t)
        if (pgd->run().steps[t].kept != pgd->run().start_kept) {
            swap = static_cast<int>(t) + 1;
            break;
        }
    pgd->slider()->setValue(swap);
    save(window.get(), "teach_awp_toy");

    QSignalSpy pruned(teach->awpOnLayer(), &TeachAwpLayerLesson::awpFinished);
    teach->showLesson(TeachTab::Lesson::AwpOnLayer);
    ASSERT_TRUE(QTest::qWaitFor([&] { return pruned.count() > 0; }, 180000));
    save(window.get(), "teach_awp_layer");

    teach->showLesson(TeachTab::Lesson::LowRank);
    save(window.get(), "teach_asvd");

    // The classroom size: every lesson again at 18 pt.
    teach->setTextSize(18);
    const std::pair<TeachTab::Lesson, const char*> large[] = {
        {TeachTab::Lesson::AwqVersusGptq, "teach_awq_vs_gptq_large_text"},
        {TeachTab::Lesson::Calibration, "teach_calibration_large_text"},
        {TeachTab::Lesson::SelfCheck, "teach_quiz_large_text"},
        {TeachTab::Lesson::PgdToy, "teach_awp_toy_large_text"},
        {TeachTab::Lesson::AwpOnLayer, "teach_awp_layer_large_text"},
        {TeachTab::Lesson::LowRank, "teach_asvd_large_text"}};
    for (const auto& [lesson, name] : large) {
        teach->showLesson(lesson);
        save(window.get(), name);
    }
    teach->setTextSize(12);
}

}  // namespace
}  // namespace layerlens::ui::test
