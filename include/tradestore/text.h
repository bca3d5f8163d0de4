// The store's rule for text: every text value (names, symbols, ids, notes,
// JSON documents) is valid UTF-8 without NUL bytes, so that every output of
// the store (JSON, CSV, SQL, the HTTP API) can carry it. Checked where text
// enters: the CLI's arguments, every importer (naming file, line and field)
// and, as the last line, every text value bound to a statement.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace tradestore {

// The length (1 to 4) of the valid UTF-8 sequence starting at text[offset],
// or 0 when the bytes there are not one (RFC 3629: overlong forms,
// surrogates U+D800..U+DFFF, code points above U+10FFFF, stray continuation
// bytes and truncated sequences are not). ASCII bytes, NUL included, are 1.
// Requires offset < text.size().
std::size_t Utf8SequenceAt(std::string_view text, std::size_t offset) noexcept;

// The offset of the first byte that breaks the rule above (a NUL byte or
// the start of an invalid UTF-8 sequence), or nullopt when `text` is valid.
std::optional<std::size_t> FindInvalidText(std::string_view text) noexcept;

// Throws Error(kInvalidArgument) when `text` breaks the rule:
//   "FIELD: not valid UTF-8 text: byte 0xHH at offset K ('EXCERPT')" or
//   "FIELD: text holds a NUL byte at offset K ('EXCERPT')",
// EXCERPT being up to 32 bytes before the offending one with every non-ASCII
// or control byte written as \xHH. `field` names what was checked, e.g.
// "bot name" or "orders.csv:3: field 'client_order_id'".
void CheckText(std::string_view field, std::string_view text);

}  // namespace tradestore
