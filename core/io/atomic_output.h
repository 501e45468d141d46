#pragma once
// Writing a file or a directory so that no reader ever sees a partial one, and a failure (disk
// full, an error half-way, a crash) never costs the earlier output: everything is written to
// OUT.tmp-<pid> beside OUT and renamed into place once complete. Shared by the model writers
// (a llama2.c .bin, a Hugging Face directory) and the token file writer.
#include <cstddef>
#include <string>
#include <vector>

#include "../layer.h"

namespace layerlens {

// OUT without trailing slashes ("out/" names the same thing as "out").
std::string output_path(const std::string& out);

// Before any work, so that a finished result is never refused after minutes: ParameterError when
// OUT (the value of `option`, e.g. "--export") is empty, is one of the files the command reads
// (replacing its own input even with --force loses the original), lies in a folder that is
// missing or not writable, exists and !replace, or exists as anything but a regular file (a
// folder only when `may_be_folder`: a Hugging Face model directory).
void check_output_target(const std::string& option, const std::string& out, bool replace,
                         const std::vector<std::string>& inputs, bool may_be_folder = false);

// The temporary beside OUT, created fresh (a leftover of a killed run with the same pid is
// removed), and removed again unless commit() moved it into place.
class TemporaryOutput {
public:
    explicit TemporaryOutput(const std::string& out);
    ~TemporaryOutput();
    TemporaryOutput(const TemporaryOutput&) = delete;
    TemporaryOutput& operator=(const TemporaryOutput&) = delete;

    const std::string& path() const { return temporary_; }   // "OUT.tmp-<pid>"
    // Renames the finished temporary to OUT. An existing OUT is replaced only when `replace`:
    // a file by a file in one atomic rename; a directory (or a symlink) is moved aside first, put
    // back if the rename fails, and removed only once the new one is in place. ParameterError
    // when OUT exists and !replace (also when it appeared while we wrote) or when a file would
    // replace a directory; InputError when a rename fails.
    void commit(bool replace);

private:
    std::string out_, temporary_;
    bool committed_ = false;
    int slot_ = -1;   // in the table a termination signal's handler removes temporaries from
};

// A new file written through a buffer; every failure (cannot create, disk full) is an
// InputError naming `path`. close() flushes and syncs the data before it returns, so a renamed
// file is a complete one even after a crash.
class FileWriter {
public:
    explicit FileWriter(std::string path);
    ~FileWriter();
    FileWriter(const FileWriter&) = delete;
    FileWriter& operator=(const FileWriter&) = delete;

    void write(const void* data, std::size_t bytes);
    void write(const std::string& bytes) { write(bytes.data(), bytes.size()); }
    void close();

private:
    void flush();
    std::string path_;
    int fd_ = -1;
    std::vector<char> buffer_;
};

// A matrix as float32 rows, little-endian: [d_out, d_in] as every checkpoint format stores it.
void write_row_major(FileWriter& out, const MatrixF& W);
void write_floats(FileWriter& out, const VectorF& v);

}  // namespace layerlens
