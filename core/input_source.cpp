#include "input_source.h"

#include <algorithm>

#include "progress.h"

namespace layerlens {

void MatrixInputSource::for_each_chunk(Eigen::Index max_rows,
                                       const std::function<void(const MatrixF&, Eigen::Index)>& visit,
                                       Progress& progress) const {
    const Eigen::Index n = X_.rows();
    for (Eigen::Index first = 0; first < n; first += max_rows) {
        progress.check();
        const Eigen::Index rows = std::min(max_rows, n - first);
        const MatrixF chunk = X_.middleRows(first, rows);
        visit(chunk, first);
    }
}

}  // namespace layerlens
