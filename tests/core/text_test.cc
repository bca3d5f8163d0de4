// The store's text rule (tradestore/text.h): valid UTF-8 without NUL.
#include "tradestore/text.h"

#include <gtest/gtest.h>

#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using namespace std::string_literals;

std::string ErrorOf(std::string_view field, std::string_view text) {
  try {
    CheckText(field, text);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(Text, ValidUtf8PassesWhateverTheScript) {
  for (const std::string& ok :
       {""s, "BTCUSDC"s, "größe"s, "日本語"s, "emoji 🚀"s, "\t\r\n"s, "\x7f"s,
        "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "\xEF\xBF\xBD"s /* U+FFFD */}) {
    EXPECT_FALSE(FindInvalidText(ok)) << ok;
    EXPECT_EQ(ErrorOf("name", ok), "");
  }
}

TEST(Text, EveryKindOfBadSequenceIsFoundAtItsOffset) {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  for (const Case& c : {Case{"ab\xff"s, 2}, Case{"\x80"s, 0},  // stray continuation
                        Case{"\xC0\xAF"s, 0},                  // overlong '/'
                        Case{"\xE0\x80\xAF"s, 0},              // overlong, 3 bytes
                        Case{"\xF0\x80\x80\xAF"s, 0},          // overlong, 4 bytes
                        Case{"x\xED\xA0\x80"s, 1},             // surrogate U+D800
                        Case{"\xF4\x90\x80\x80"s, 0},          // above U+10FFFF
                        Case{"ok \xE6\x97"s, 3},               // truncated at the end
                        Case{"\xE6\x97z"s, 0},                 // truncated inside
                        Case{"nul\0inside"s, 3}, Case{"\0"s, 0}}) {
    const auto found = FindInvalidText(c.text);
    ASSERT_TRUE(found) << c.offset;
    EXPECT_EQ(*found, c.offset);
  }
  EXPECT_EQ(Utf8SequenceAt("é", 0), 2u);
  EXPECT_EQ(Utf8SequenceAt("🚀", 0), 4u);
  EXPECT_EQ(Utf8SequenceAt("\xff", 0), 0u);
}

TEST(Text, TheMessageNamesTheFieldTheByteAndWhereItIs) {
  EXPECT_EQ(ErrorOf("bot name", "alpha\xff"s),
            "bot name: not valid UTF-8 text: byte 0xff at offset 5 ('alpha\\xff')");
  EXPECT_EQ(ErrorOf("note", "a\0b"s), "note: text holds a NUL byte at offset 1 ('a\\x00')");
  // The excerpt is the 32 bytes before the offending one, never the rest.
  const std::string long_text = std::string(40, 'x') + "\xfe" + "tail";
  EXPECT_EQ(ErrorOf("f", long_text), "f: not valid UTF-8 text: byte 0xfe at offset 40 ('" +
                                         std::string(32, 'x') + "\\xfe')");
}

}  // namespace
}  // namespace tradestore
