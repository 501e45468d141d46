// The Teach tab's lessons, driven as a class would: the lesson list and the text size reach every
// lesson; the PGD toy's slider changes the iteration shown and its loss never rises; the
// self-check explains the common wrong answer; AWQ-versus-GPTQ, AWP-on-the-layer and the
// calibration lesson get their pictures from background runs on the loaded (or demo) layer.
#include <QLabel>
#include <QListWidget>
#include <QSlider>

#include "gui_test_support.h"
#include "output_error.h"
#include "teach/pgd_toy.h"
#include "teach_awp_layer_lesson.h"
#include "teach_calibration_lesson.h"
#include "teach_channel_error_chart.h"
#include "teach_channel_error_lesson.h"
#include "teach_intro_lesson.h"
#include "teach_loss_plot.h"
#include "teach_low_rank_lesson.h"
#include "teach_low_rank_picture.h"
#include "teach_pgd_lesson.h"
#include "teach_pgd_step_widget.h"
#include "teach_quiz_lesson.h"
#include "teach_tab.h"
#include "teach_text.h"
#include "teach_traffic_strip.h"

namespace layerlens::ui::test {
namespace {

void expectNeverRises(const QVector<QPointF>& points) {
    ASSERT_FALSE(points.isEmpty());
    for (int i = 1; i < points.size(); ++i) {
        EXPECT_EQ(points[i].x(), points[i - 1].x() + 1) << "iterations are consecutive";
        EXPECT_LE(points[i].y(), points[i - 1].y()) << "the loss rose at iteration " << points[i].x();
    }
}

TEST(GuiTeach, EveryLessonIsListedAndFollowsTheTextSize) {
    auto window = makeWindow();
    window->tabs()->setCurrentWidget(window->teachTab());
    TeachTab* teach = window->teachTab();
    auto* list = teach->findChild<QListWidget*>();
    ASSERT_NE(list, nullptr);
    EXPECT_EQ(list->count(), TeachTab::kLessonCount);
    EXPECT_EQ(teach->currentLesson(), TeachTab::Lesson::Intuition);
    // Answered questions (coloured feedback) and the toy's table too.
    for (int q = 0; q < 2; ++q)
        for (int o = 0; o < teach->selfCheck()->question(q).options.size(); ++o)
            if (teach->selfCheck()->question(q).options[o].right == (q == 0)) {
                teach->selfCheck()->choose(q, o);
                break;
            }
    teach->setTextSize(19);
    QWidget* lessons[] = {teach->intuition(), teach->awqVersusGptq(), teach->calibration(), teach->selfCheck(),
                          teach->pgdToy(),    teach->awpOnLayer(),    teach->lowRank()};
    for (int l = 0; l < TeachTab::kLessonCount; ++l) {
        teach->showLesson(static_cast<TeachTab::Lesson>(l));
        QTest::qWait(20);
        EXPECT_EQ(list->currentRow(), l);
        EXPECT_TRUE(lessons[l]->isVisible()) << "lesson " << l;
        // Every widget of the lesson draws with the chosen size.
        for (QWidget* child : lessons[l]->findChildren<QWidget*>()) {
            if (child->isWindow()) continue;   // popups (a combo box's list) take the desktop's font
            EXPECT_EQ(child->font().pointSize(), 19) << "lesson " << l << ": " << child->metaObject()->className();
        }
        EXPECT_TRUE(teach->shownTitle().contains(teach->lessonTitle(static_cast<TeachTab::Lesson>(l)).toHtmlEscaped()));
    }
    // The lesson names fit the list at this size.
    const QFontMetrics metrics(list->font());
    for (int row = 0; row < list->count(); ++row)
        EXPECT_LE(metrics.horizontalAdvance(list->item(row)->text()), list->viewport()->width()) << row;
    teach->setTextSize(12);
}

TEST(GuiTeach, PgdToySliderChangesTheIterationShownAndTheLossNeverRises) {
    auto window = makeWindow();
    window->tabs()->setCurrentWidget(window->teachTab());
    TeachTab* teach = window->teachTab();
    teach->showLesson(TeachTab::Lesson::PgdToy);
    TeachPgdLesson* pgd = teach->pgdToy();
    const teach::PgdToyRun& run = pgd->run();
    expectNeverRises(pgd->plot()->points());
    ASSERT_EQ(pgd->plot()->points().size(), static_cast<int>(run.E.size()));
    // The swap of the classroom row: the first iteration whose kept channels differ from the start.
    int swap = 0;
    for (size_t t = 0; t < run.steps.size() && !swap; ++t)
        if (run.steps[t].kept != run.start_kept) swap = static_cast<int>(t) + 1;
    ASSERT_GT(swap, 1);
    for (int iteration : {1, 4, swap, static_cast<int>(run.steps.size())}) {
        SCOPED_TRACE("iteration " + std::to_string(iteration));
        pgd->slider()->setValue(iteration);
        EXPECT_EQ(pgd->shownIteration(), iteration);
        EXPECT_EQ(pgd->plot()->current(), iteration);
        const TeachPgdStepData& data = pgd->stepView()->data();
        ASSERT_EQ(data.rows.size(), 5);
        const teach::PgdToyStep& step = run.steps[static_cast<size_t>(iteration - 1)];
        for (int j = 0; j < 5; ++j) {
            EXPECT_EQ(data.rows[1][j], step.Theta(j));
            EXPECT_EQ(data.rows[4][j], step.Theta_next(j));
        }
        EXPECT_EQ(std::count(data.kept[4].begin(), data.kept[4].end(), 1), 2);
        EXPECT_TRUE(pgd->stepText().contains(QString("Iteration %1:").arg(iteration))) << pgd->stepText().toStdString();
        // Every cell is inside the table widget.
        for (const TeachPgdStepWidget::Cell& cell : pgd->stepView()->cells())
            EXPECT_TRUE(pgd->stepView()->rect().contains(cell.rect)) << cell.text.toStdString();
    }
    pgd->slider()->setValue(swap);
    EXPECT_TRUE(pgd->stepText().contains("In comes channel 1")) << pgd->stepText().toStdString();
    EXPECT_TRUE(pgd->stepText().contains("out goes channel 2")) << pgd->stepText().toStdString();
    pgd->slider()->setValue(swap - 1);
    EXPECT_TRUE(pgd->stepText().contains("The same channels as before"));
}

TEST(GuiTeach, SelfCheckConfirmsTheRightAnswerAndExplainsTheCommonWrongOne) {
    auto window = makeWindow();
    window->tabs()->setCurrentWidget(window->teachTab());
    window->teachTab()->showLesson(TeachTab::Lesson::SelfCheck);
    TeachQuizLesson* quiz = window->teachTab()->selfCheck();
    ASSERT_EQ(quiz->questionCount(), 8);
    QSignalSpy answered(quiz, &TeachQuizLesson::answered);
    for (int q = 0; q < quiz->questionCount(); ++q) {
        SCOPED_TRACE("question " + std::to_string(q + 1));
        const TeachQuizQuestion& question = quiz->question(q);
        int right = -1, common = -1;
        for (int o = 0; o < question.options.size(); ++o) {
            if (question.options[o].right) right = o;
            if (question.options[o].commonMistake) common = o;
        }
        ASSERT_GE(right, 0);
        ASSERT_GE(common, 0) << "each question offers the document's common wrong answer";
        quiz->choose(q, common);
        const QString wrong = quiz->feedback(q);
        EXPECT_TRUE(wrong.contains("common wrong answer")) << wrong.toStdString();
        EXPECT_TRUE(wrong.contains(question.options[common].feedback.section("</b> ", 1).left(20).toHtmlEscaped()));
        EXPECT_TRUE(wrong.contains(question.options[right].text.toHtmlEscaped())) << "the right answer follows";
        quiz->choose(q, right);
        EXPECT_TRUE(quiz->feedback(q).contains("<b>Right.</b>")) << quiz->feedback(q).toStdString();
        EXPECT_FALSE(quiz->feedback(q).contains("Not quite"));
    }
    EXPECT_EQ(answered.count(), 16);
    EXPECT_EQ(quiz->score(), 0) << "the score counts first tries";
    quiz->reset();
    quiz->choose(0, 1);
    EXPECT_EQ(quiz->score(), quiz->question(0).options[1].right ? 1 : 0);
    // The seed's products are computed into the questions: 0.2 × 20 = 4 against 1.2 × 0.5 = 0.6.
    EXPECT_TRUE(quiz->question(1).question.contains("0.2 × 20 = 4")) << quiz->question(1).question.toStdString();
    EXPECT_TRUE(quiz->question(1).question.contains("1.2 × 0.5 = 0.6"));
}

TEST(GuiTeach, AwqVersusGptqPictureComesFromTheBackgroundRun) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 256, 512)));
    window->tabs()->setCurrentWidget(window->teachTab());
    TeachChannelErrorLesson* lesson = window->teachTab()->awqVersusGptq();
    QSignalSpy finished(lesson, &TeachChannelErrorLesson::comparisonFinished);
    QSignalSpy failed(lesson, &TeachChannelErrorLesson::comparisonFailed);
    window->teachTab()->showLesson(TeachTab::Lesson::AwqVersusGptq);
    // Shown: the run has started in the background and nothing is drawn yet.
    EXPECT_TRUE(lesson->isRunning());
    EXPECT_TRUE(lesson->chart()->data().series.isEmpty());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() + failed.count() > 0; }, 60000));
    ASSERT_EQ(failed.count(), 0) << failed.front().front().toString().toStdString();
    ASSERT_NE(lesson->result(), nullptr);
    const auto& result = *lesson->result();
    const TeachChannelErrorChartData& data = lesson->chart()->data();
    ASSERT_EQ(data.series.size(), 2);
    ASSERT_EQ(result.methods.size(), 2u);
    EXPECT_EQ(data.busiest.size(), static_cast<int>(result.groups.size()));
    EXPECT_TRUE(data.busiest.front());
    // The picture's bars are the run's per-channel split, on one scale for both methods.
    const auto& loaded = *window->loadedLayer();
    const OutputError judge(loaded.layer.W, loaded.stats.C_float);
    CompressionParams params;
    params.bits = 4;
    double unit = 0.0;
    for (size_t m = 0; m < 2; ++m) {
        Progress quiet;
        const MethodResult direct = run_method(find_method(result.methods[m].method), loaded.layer, loaded.stats, params, quiet);
        EXPECT_NEAR(result.methods[m].E, judge.relative(direct.W_hat), 1e-6 * direct.relative_output_error);
        unit += result.methods[m].E / 2.0 / loaded.layer.d_in();
    }
    for (int s = 0; s < 2; ++s) {
        ASSERT_EQ(data.series[s].values.size(), data.busiest.size());
        for (int g = 0; g < data.busiest.size(); ++g)
            EXPECT_NEAR(data.series[s].values[g], result.methods[static_cast<size_t>(s)].group_mean[static_cast<size_t>(g)] / unit, 1e-9);
    }
    for (const TeachChannelErrorChart::Bar& bar : lesson->chart()->bars())
        EXPECT_TRUE(lesson->chart()->plotRect().adjusted(0, 0, 1, 1).contains(bar.rect));
    EXPECT_TRUE(lesson->summaryText().contains("AWQ leaves")) << lesson->summaryText().toStdString();
    // Another bit width runs again, in the background.
    finished.clear();
    lesson->setBits(3);
    EXPECT_TRUE(lesson->isRunning());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    EXPECT_EQ(lesson->result()->budget, "INT3 g128");
}

TEST(GuiTeach, AwpOnTheLayerDrawsItsRealLossCurve) {
    auto window = makeWindow();
    ASSERT_TRUE(loadAndWait(*window, demoSource(64, 128, 512)));
    window->tabs()->setCurrentWidget(window->teachTab());
    TeachAwpLayerLesson* lesson = window->teachTab()->awpOnLayer();
    lesson->setIterations(40);
    QSignalSpy finished(lesson, &TeachAwpLayerLesson::awpFinished);
    window->teachTab()->showLesson(TeachTab::Lesson::AwpOnLayer);
    EXPECT_TRUE(lesson->isRunning());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    ASSERT_NE(lesson->result(), nullptr);
    const std::vector<double>& E = lesson->result()->loss_history;
    const QVector<QPointF>& points = lesson->plot()->points();
    ASSERT_EQ(points.size(), static_cast<int>(E.size()));
    for (size_t t = 0; t < E.size(); ++t) EXPECT_EQ(points[static_cast<int>(t)].y(), E[t]);
    expectNeverRises(points);
    EXPECT_GT(E.front(), E.back());
    EXPECT_TRUE(lesson->summaryText().contains("never rose")) << lesson->summaryText().toStdString();
    // The curve's points stay inside the plot.
    for (const QPointF& p : points) EXPECT_TRUE(QRectF(lesson->plot()->plotRect()).adjusted(-1, -1, 1, 1).contains(lesson->plot()->toPixel(p)));
    // A new layer cancels and clears; shown again it runs on the new layer.
    finished.clear();
    ASSERT_TRUE(loadAndWait(*window, demoSource(32, 64, 256)));
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    EXPECT_EQ(lesson->result()->W_hat.cols(), 64);
}

TEST(GuiTeach, CalibrationLessonShowsTheOverlapAndThePenalty) {
    auto window = makeWindow();
    window->tabs()->setCurrentWidget(window->teachTab());
    TeachCalibrationLesson* lesson = window->teachTab()->calibration();
    QSignalSpy finished(lesson, &TeachCalibrationLesson::lessonFinished);
    window->teachTab()->showLesson(TeachTab::Lesson::Calibration);
    EXPECT_TRUE(lesson->isRunning());
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    ASSERT_NE(lesson->result(), nullptr);
    const CalibrationCheck& shuffled = lesson->result()->check;
    EXPECT_LT(shuffled.overlap, 0.5);
    ASSERT_EQ(lesson->strip()->rows().size(), 2);
    EXPECT_EQ(lesson->strip()->rows()[0].top.size(), static_cast<int>(shuffled.top_b.size()));
    EXPECT_TRUE(lesson->resultText().contains("extra error")) << lesson->resultText().toStdString();
    const double shuffledPenalty = shuffled.methods.front().penalty;
    finished.clear();
    lesson->setKind(teach::CalibrationKind::Honest);
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    EXPECT_EQ(lesson->result()->check.overlap, 1.0);
    EXPECT_LT(lesson->result()->check.methods.front().penalty, shuffledPenalty);
    EXPECT_TRUE(lesson->resultText().contains("protect the right places")) << lesson->resultText().toStdString();
}

TEST(GuiTeach, LowRankSliderTurnsTheTraffic) {
    auto window = makeWindow();
    window->tabs()->setCurrentWidget(window->teachTab());
    window->teachTab()->showLesson(TeachTab::Lesson::LowRank);
    TeachLowRankLesson* lesson = window->teachTab()->lowRank();
    ASSERT_EQ(lesson->picture()->panels().size(), 3);
    const double before = lesson->comparison().svd.E;
    for (int degrees : {0, 45, 90, 135, 179}) {
        lesson->slider()->setValue(degrees);
        const auto& c = lesson->comparison();
        EXPECT_LE(c.asvd.E, c.svd.E + 1e-12);
        EXPECT_NEAR(c.asvd.E, c.eckart_young, 1e-12);
        EXPECT_TRUE(lesson->numbersText().contains(teachPercent(c.asvd.E)));
    }
    EXPECT_NE(lesson->comparison().svd.E, before);
}

}  // namespace
}  // namespace layerlens::ui::test
