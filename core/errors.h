#pragma once
// The three kinds of failure core code reports (see STYLE.md "Errors"):
// the user's file or data is bad, the user's parameter is bad, or the user cancelled.
// A numerical failure is a value the caller checks; a bug is an assert.
#include <stdexcept>
#include <string>

namespace layerlens {

// A file that cannot be read, a dataset of the wrong shape or type, NaN/Inf in the data.
// The message names the file, the dataset and what is wrong. CLI exit code 1.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An impossible parameter (bits 0, sparsity 1.2, N > M) or a bad command line. CLI exit code 2.
class ParameterError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Thrown from Progress::check() when the user cancelled; not an error to report.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override { return "cancelled"; }
};

}  // namespace layerlens
