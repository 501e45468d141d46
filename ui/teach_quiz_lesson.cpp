#include "teach_quiz_lesson.h"

#include <QAbstractButton>
#include <QButtonGroup>
#include <QEvent>
#include <QHBoxLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include "teach_text.h"

namespace layerlens::ui {

TeachQuizLesson::TeachQuizLesson(QWidget* parent) : QWidget(parent), questions_(teachQuizQuestions()) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(teachParagraph("Pick an answer; it tells you at once why it is right or wrong. The first four "
                                     "are the lesson's <i>pause and recall</i>, the last four its interview questions."));
    QString part;
    for (int q = 0; q < questions_.size(); ++q) {
        const TeachQuizQuestion& question = questions_[q];
        if (question.part != part) {
            part = question.part;
            layout->addWidget(teachParagraph("<h3>" + part.toHtmlEscaped() + "</h3>"));
        }
        auto* box = new QGroupBox;
        auto* boxLayout = new QVBoxLayout(box);
        boxLayout->addWidget(teachParagraph(QString("<b>%1. %2</b>").arg(q + 1).arg(question.question.toHtmlEscaped())));
        auto* group = new QButtonGroup(this);
        for (int o = 0; o < question.options.size(); ++o) {
            // A label beside the button wraps long answers; a radio button's own text does not.
            auto* row = new QHBoxLayout;
            auto* button = new QRadioButton;
            button->setObjectName(QString("teach_quiz_%1_%2").arg(q).arg(o));
            button->setAccessibleName(question.options[o].text);
            auto* text = new QLabel(question.options[o].text.toHtmlEscaped());
            text->setWordWrap(true);
            group->addButton(button, o);
            row->addWidget(button, 0, Qt::AlignTop);
            row->addWidget(text, 1);
            boxLayout->addLayout(row);
            // Clicking the words picks the answer too.
            text->installEventFilter(this);
            text->setProperty("teachQuizButton", QVariant::fromValue(static_cast<QObject*>(button)));
        }
        auto* feedback = teachParagraph();
        feedback->setObjectName(QString("teach_quiz_feedback_%1").arg(q));
        feedback->hide();   // no blank line under a question not yet answered
        boxLayout->addWidget(feedback);
        connect(group, &QButtonGroup::idClicked, this, [this, q](int o) { showFeedback(q, o); });
        groups_.append(group);
        feedback_.append(feedback);
        firstTry_.append(-1);
        layout->addWidget(box);
    }
    auto* bottom = new QHBoxLayout;
    score_ = teachParagraph();
    auto* again = new QPushButton("Start again");
    again->setToolTip("Clear every answer.");
    connect(again, &QPushButton::clicked, this, &TeachQuizLesson::reset);
    bottom->addWidget(score_, 1);
    bottom->addWidget(again);
    layout->addLayout(bottom);
    layout->addStretch();
    updateScore();
}

void TeachQuizLesson::choose(int question, int option) {
    groups_[question]->button(option)->setChecked(true);
    showFeedback(question, option);
}

QString TeachQuizLesson::feedback(int question) const { return feedback_[question]->text(); }

void TeachQuizLesson::showFeedback(int question, int option) {
    const TeachQuizOption& chosen = questions_[question].options[option];
    QString text = chosen.feedback;
    if (!chosen.right)
        for (const TeachQuizOption& o : questions_[question].options)
            if (o.right) text += "<br>The answer: <i>" + o.text.toHtmlEscaped() + "</i>";
    // Green for right, the theme's text colour otherwise: the words carry the verdict. Coloured
    // in the text, not by a style sheet, which would pin the label's font against the size control.
    if (chosen.right) text = "<span style='color: #2e7d32'>" + text + "</span>";
    feedback_[question]->setText(text);
    feedback_[question]->show();
    if (firstTry_[question] < 0) firstTry_[question] = option;
    updateScore();
    emit answered(question, chosen.right);
}

bool TeachQuizLesson::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonRelease)
        if (auto* button = qobject_cast<QAbstractButton*>(watched->property("teachQuizButton").value<QObject*>())) {
            button->click();
            return true;
        }
    return QWidget::eventFilter(watched, event);
}

int TeachQuizLesson::score() const {
    int right = 0;
    for (int q = 0; q < questions_.size(); ++q)
        if (firstTry_[q] >= 0 && questions_[q].options[firstTry_[q]].right) ++right;
    return right;
}

void TeachQuizLesson::updateScore() {
    int answered = 0;
    for (int option : firstTry_) answered += option >= 0;
    score_->setText(QString("Right at the first try: <b>%1 of %2</b> answered (%3 questions).")
                        .arg(score())
                        .arg(answered)
                        .arg(questions_.size()));
}

void TeachQuizLesson::reset() {
    for (int q = 0; q < questions_.size(); ++q) {
        groups_[q]->setExclusive(false);
        for (QAbstractButton* button : groups_[q]->buttons()) button->setChecked(false);
        groups_[q]->setExclusive(true);
        feedback_[q]->clear();
        feedback_[q]->hide();
        firstTry_[q] = -1;
    }
    updateScore();
}

}  // namespace layerlens::ui
