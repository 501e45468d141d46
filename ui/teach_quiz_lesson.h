#pragma once
// "Check yourself": the self-check questions (teach_quiz_questions.h), one group of radio buttons
// each. Picking an option shows at once why it is right or wrong; the score counts the questions
// answered right at the first try, as a teacher would.
#include <QVector>
#include <QWidget>

#include "teach_quiz_questions.h"

class QButtonGroup;
class QLabel;

namespace layerlens::ui {

class TeachQuizLesson : public QWidget {
    Q_OBJECT
public:
    explicit TeachQuizLesson(QWidget* parent = nullptr);
    int questionCount() const { return static_cast<int>(questions_.size()); }
    const TeachQuizQuestion& question(int index) const { return questions_[index]; }
    // What a click does, for tests and the keyboard alike.
    void choose(int question, int option);
    QString feedback(int question) const;
    int score() const;   // right at the first try
    void reset();

signals:
    void answered(int question, bool right);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void showFeedback(int question, int option);
    void updateScore();

    QVector<TeachQuizQuestion> questions_;
    QVector<QButtonGroup*> groups_;
    QVector<QLabel*> feedback_;
    QVector<int> firstTry_;   // −1 unanswered, else the option first chosen
    QLabel* score_;
};

}  // namespace layerlens::ui
