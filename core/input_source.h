#pragma once
// Calibration inputs X (n_tokens x d_in), delivered in row chunks so that statistics never
// need all of X in memory. An HDF5 dataset and an in-memory matrix both implement it.
#include <functional>
#include <memory>
#include <string>

#include "layer.h"

namespace layerlens {

class Progress;

class InputSource {
public:
    virtual ~InputSource() = default;
    virtual Eigen::Index n_tokens() const = 0;
    virtual Eigen::Index width() const = 0;
    // Where the inputs come from, for messages ("file.h5:/layers.0.wq/inputs").
    virtual std::string description() const = 0;
    // Calls visit(chunk, first_row) for consecutive chunks of at most max_rows rows (row-major
    // semantics: row t of the chunk is token first_row + t). Checks progress for cancellation.
    virtual void for_each_chunk(Eigen::Index max_rows,
                                const std::function<void(const MatrixF& chunk, Eigen::Index first_row)>& visit,
                                Progress& progress) const = 0;
};

// Inputs already in memory (the demo layer, tests).
class MatrixInputSource : public InputSource {
public:
    explicit MatrixInputSource(MatrixF X, std::string description = "in-memory inputs")
        : X_(std::move(X)), description_(std::move(description)) {}
    Eigen::Index n_tokens() const override { return X_.rows(); }
    Eigen::Index width() const override { return X_.cols(); }
    std::string description() const override { return description_; }
    void for_each_chunk(Eigen::Index max_rows,
                        const std::function<void(const MatrixF&, Eigen::Index)>& visit,
                        Progress& progress) const override;
    const MatrixF& X() const { return X_; }

private:
    MatrixF X_;
    std::string description_;
};

}  // namespace layerlens
