// SHA-256 (FIPS 180-4) of files, for backup manifests, computed by OpenSSL's
// libcrypto (EVP API). Internal to ops.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tradestore::ops {

// 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);
// Of a file's content, streamed; `size` receives its length in bytes.
// Throws Error(kStorage) if it cannot be read.
std::string Sha256File(const std::string& path, std::int64_t* size = nullptr);

}  // namespace tradestore::ops
