#pragma once
// The Model tab's Perplexity view: a whole model compressed and evaluated, as `layerlens-cli
// eval-model` does it (core/model/model_evaluation.h). The form says what to run; the evaluation
// runs in the view's own worker and its rows appear as they finish, in a chart of perplexity
// against the budget and a table like the AWP paper's. An evaluation JSON (the CLI's --json, or
// Save JSON) opens into the same views. Every failure — a bad file, a refused request, a failed
// run — is a message in the view; the chart and the table keep what they showed.
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;

namespace layerlens {
struct ModelEvaluation;
struct ModelEvalRow;
}  // namespace layerlens

namespace layerlens::ui {

class ModelChartView;
class ModelEvalModel;
class ModelEvalRunner;
class ModelRunForm;

class PerplexityView : public QWidget {
    Q_OBJECT
public:
    explicit PerplexityView(QWidget* parent = nullptr);
    ~PerplexityView() override;

    // Starts the form's evaluation; false (and the reason shown) when the form is refused.
    bool run();
    void cancel();
    bool isRunning() const;
    // Opens an evaluation JSON; false, with the message shown and the view kept, when it is bad.
    bool openJson(const QString& path);
    // Writes the evaluation shown; the error message, or "" on success.
    QString saveJson(const QString& path);

    ModelRunForm* form() const { return form_; }
    ModelEvalModel* model() const { return model_; }
    ModelChartView* chartView() const { return chart_; }
    QTableView* tableView() const { return table_; }
    QPushButton* runButton() const { return run_; }
    QPushButton* cancelButton() const { return cancel_; }
    QString statusText() const;
    bool statusIsError() const { return statusIsError_; }

signals:
    void rowAdded(int rows);
    void runFinished();
    void runCanceled();
    void runFailed(const QString& message);
    void jsonOpened(const QString& path);
    void jsonFailed(const QString& message);

private:
    QLayout* buildButtons();
    void setRunning(bool running);
    void showStatus(const QString& text);
    void showError(const QString& text);
    void onRow(const ModelEvaluation& header, const ModelEvalRow& row);
    void onFinished(const ModelEvaluation& evaluation);
    void onProgress(double fraction, const QString& stage);
    void chooseAndOpen();
    void chooseAndSave();
    void fitTable();
    QString describe(const ModelEvaluation& evaluation) const;

    ModelRunForm* form_;
    ModelEvalRunner* runner_;
    ModelEvalModel* model_;
    ModelChartView* chart_;
    QTableView* table_;
    QPushButton* run_;
    QPushButton* cancel_;
    QPushButton* save_;
    QProgressBar* progress_;
    QLabel* status_;
    bool statusIsError_ = false;
    int expectedRows_ = 0;
};

}  // namespace layerlens::ui
