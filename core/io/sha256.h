#pragma once
// SHA-256 (FIPS 180-4) of a file, streamed: the checksum that ties a model sweep's rows to the
// exact input file they were computed from, so that shards of different inputs are never merged.
// The same digest `sha256sum FILE` prints, so a user can check it by hand.
#include <cstddef>
#include <cstdint>
#include <string>

namespace layerlens {

class Sha256 {
public:
    Sha256();
    // The portable rounds even where the CPU has SHA instructions (to test one against the other).
    static Sha256 portable();
    void update(const void* data, std::size_t bytes);
    // Lower-case hex of the digest; the object is finished after it.
    std::string hex_digest();

private:
    void compress(const unsigned char* block);
    std::uint32_t state_[8];
    unsigned char buffer_[64];
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
    bool portable_ = false;
};

std::string sha256_hex(const std::string& bytes);
// InputError naming the file when it cannot be read to its end.
std::string file_sha256(const std::string& path);

}  // namespace layerlens
