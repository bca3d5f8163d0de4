#include "tradestore/text.h"

#include <string>

#include "tradestore/error.h"

namespace tradestore {

std::size_t Utf8SequenceAt(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

std::optional<std::size_t> FindInvalidText(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = Utf8SequenceAt(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

void CheckText(std::string_view field, std::string_view text) {
  const std::optional<std::size_t> bad = FindInvalidText(text);
  if (!bad) return;
  static constexpr char kHex[] = "0123456789abcdef";
  const auto hex = [](unsigned char c) {
    return std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
  };
  const std::size_t from = *bad > 32 ? *bad - 32 : 0;
  std::string excerpt;
  for (std::size_t i = from; i <= *bad; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    excerpt += c >= 0x20 && c < 0x7F ? std::string(1, static_cast<char>(c)) : hex(c);
  }
  const auto b = static_cast<unsigned char>(text[*bad]);
  const std::string where = std::to_string(*bad) + " ('" + excerpt + "')";
  throw InvalidArgument(std::string(field) +
                        (b == 0 ? ": text holds a NUL byte at offset " + where
                                : ": not valid UTF-8 text: byte " + hex(b).replace(0, 2, "0x") +
                                      " at offset " + where));
}

}  // namespace tradestore
