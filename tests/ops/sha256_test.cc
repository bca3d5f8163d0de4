// SHA-256 against the FIPS 180-4 / NIST example vectors.
#include "ops/sha256.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ops/ops_test_util.h"
#include "tradestore/error.h"

namespace tradestore::ops {
namespace {

TEST(Sha256, NistVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FilesHashAsTheirBytes) {
  testing::OpsTempDir dir;
  const std::string path = dir.Sub("a.bin");
  std::string content;
  for (int i = 0; i < 200000; ++i) content += static_cast<char>(i * 7 % 256);
  std::ofstream(path, std::ios::binary) << content;
  std::int64_t size = 0;
  EXPECT_EQ(Sha256File(path, &size), Sha256Hex(content));
  EXPECT_EQ(size, 200000);
  EXPECT_THROW(Sha256File(dir.Sub("missing")), Error);
}

}  // namespace
}  // namespace tradestore::ops
