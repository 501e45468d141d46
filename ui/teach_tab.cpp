#include "teach_tab.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "teach_awp_layer_lesson.h"
#include "teach_calibration_lesson.h"
#include "teach_channel_error_lesson.h"
#include "teach_intro_lesson.h"
#include "teach_low_rank_lesson.h"
#include "teach_pgd_lesson.h"
#include "teach_quiz_lesson.h"
#include "teach_text.h"

namespace layerlens::ui {

TeachTab::TeachTab(QWidget* parent) : QWidget(parent) {
    auto* header = new QHBoxLayout;
    title_ = new QLabel;
    title_->setWordWrap(true);
    textSize_ = new QSpinBox;
    textSize_->setRange(8, 40);
    // A classroom default: a little larger than the desktop's text.
    textSize_->setValue(std::max(12, font().pointSize()));
    textSize_->setSuffix(" pt");
    textSize_->setToolTip("Text size of every lesson, so it reads from the back of a room.");
    header->addWidget(title_, 1);
    header->addWidget(new QLabel("text size"));
    header->addWidget(textSize_);

    list_ = new QListWidget;
    list_->setToolTip("The lessons, in the order of the two sources: the AWQ lesson, then the AWP paper.");
    list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    pages_ = new QWidget;
    auto* pageLayout = new QVBoxLayout(pages_);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    intro_ = new TeachIntroLesson;
    channelError_ = new TeachChannelErrorLesson;
    calibration_ = new TeachCalibrationLesson;
    quiz_ = new TeachQuizLesson;
    pgd_ = new TeachPgdLesson;
    awpLayer_ = new TeachAwpLayerLesson;
    lowRank_ = new TeachLowRankLesson;
    addLesson("The AWQ intuition", "A small weight on a busy channel can matter more", intro_);
    addLesson("AWQ or GPTQ", "AWQ or GPTQ: two questions, two places for the error", channelError_);
    addLesson("Fake calibration", "Fake calibration traffic protects the wrong channels", calibration_);
    addLesson("Check yourself", "Check yourself: recall and interview questions", quiz_);
    addLesson("AWP step by step", "AWP: pruning with gradient steps, on five weights", pgd_);
    addLesson("AWP on the layer", "AWP on the loaded layer: the real loss curve", awpLayer_);
    addLesson("Activation-aware SVD", "Rank 1: plain SVD against activation-aware SVD", lowRank_);

    auto* body = new QHBoxLayout;
    body->addWidget(list_);
    body->addWidget(pages_, 1);
    auto* outer = new QVBoxLayout(this);
    outer->addLayout(header);
    outer->addLayout(body, 1);

    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0) return;
        // Hide the old page first, so the new one gets all the room when it is shown.
        for (int page = 0; page < pageList_.size(); ++page)
            if (page != row) pageList_[page]->hide();
        pageList_[row]->show();
        title_->setText("<h2>" + titles_.value(row).toHtmlEscaped() + "</h2>");
    });
    list_->setCurrentRow(0);
    connect(intro_, &TeachIntroLesson::carryToLayerRequested, this, &TeachTab::carryToLayerRequested);
    connect(textSize_, &QSpinBox::valueChanged, this, &TeachTab::setTextSize);
    setTextSize(textSize_->value());
}

void TeachTab::addLesson(const QString& name, const QString& title, QWidget* lesson) {
    list_->addItem(QString("%1. %2").arg(list_->count() + 1).arg(name));
    titles_ << title;
    QWidget* page = teachScrollPage(lesson);
    page->hide();
    pages_->layout()->addWidget(page);
    pageList_.append(page);
}

void TeachTab::fitLessonList() {
    // Wide enough for the longest name at the current size, so no lesson's name is cut.
    const QFontMetrics metrics(list_->font());
    int widest = 0;
    for (int row = 0; row < list_->count(); ++row) widest = std::max(widest, metrics.horizontalAdvance(list_->item(row)->text()));
    list_->setFixedWidth(widest + 2 * list_->frameWidth() + metrics.height() + 12);
}

void TeachTab::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) fitLessonList();
}

void TeachTab::setTextSize(int points) {
    if (textSize_->value() != points) textSize_->setValue(points);
    QFont f = font();
    f.setPointSize(points);
    setFont(f);
    fitLessonList();
}

int TeachTab::textSize() const { return textSize_->value(); }

void TeachTab::showLesson(Lesson lesson) { list_->setCurrentRow(static_cast<int>(lesson)); }

TeachTab::Lesson TeachTab::currentLesson() const { return static_cast<Lesson>(std::max(0, list_->currentRow())); }

QString TeachTab::lessonTitle(Lesson lesson) const { return titles_.value(static_cast<int>(lesson)); }

QString TeachTab::shownTitle() const { return title_->text(); }

void TeachTab::setLayer(const LayerViewPtr& layer) {
    intro_->setLayer(layer);
    channelError_->setLayer(layer);
    awpLayer_->setLayer(layer);
}

double TeachTab::damage(int channel) const { return intro_->damage(channel); }
TeachBarsWidget* TeachTab::bars() const { return intro_->bars(); }
void TeachTab::chooseExerciseAnswer(int channel) { intro_->chooseExerciseAnswer(channel); }
void TeachTab::revealAnswer() { intro_->revealAnswer(); }
QString TeachTab::answerText() const { return intro_->answerText(); }

}  // namespace layerlens::ui
