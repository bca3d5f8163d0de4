// SHA-256 through OpenSSL's libcrypto (EVP digest API); see sha256.h.
#include "ops/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

#include "tradestore/error.h"

namespace tradestore::ops {
namespace {

// One EVP digest context, freed on every path.
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw Error(ErrorKind::kInternal, "SHA-256: OpenSSL could not initialise a digest");
    }
  }
  void Update(const void* data, std::size_t n) {
    if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) {
      throw Error(ErrorKind::kInternal, "SHA-256: OpenSSL digest update failed");
    }
  }
  std::string HexDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1 || len != 32) {
      throw Error(ErrorKind::kInternal, "SHA-256: OpenSSL digest final failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
      out.push_back(kHex[md[i] >> 4]);
      out.push_back(kHex[md[i] & 0x0f]);
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  Digest d;
  d.Update(bytes.data(), bytes.size());
  return d.HexDigest();
}

std::string Sha256File(const std::string& path, std::int64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kStorage, "cannot read " + path);
  Digest d;
  std::vector<char> buf(1 << 16);
  std::int64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    d.Update(buf.data(), static_cast<std::size_t>(n));
    total += n;
  }
  if (in.bad()) throw Error(ErrorKind::kStorage, "cannot read " + path);
  if (size != nullptr) *size = total;
  return d.HexDigest();
}

}  // namespace tradestore::ops
