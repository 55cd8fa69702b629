#pragma once
// ISO 6346 freight container identification: owner code (3 letters), equipment
// category identifier (U, J or Z), serial number (6 digits) and check digit.
// The algorithm, letter values and OCR tolerance are described in
// docs/cargo/iso6346.md.
//
// Pure: no I/O, no global state; every function is safe to call from any thread.
// No function throws on any input (other than std::bad_alloc), and none echoes
// bytes that are not printable ASCII in a message.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::cargo {

// Input longer than this (in bytes, separators included) is refused unread: the
// longest sensible writing of a code ("MSCU - 123456 - 7" and the like) is far shorter.
inline constexpr std::size_t kMaxContainerInput = 64;

// The value of a character in the check-digit sum: digits as such, A=10, B=12 … Z=38
// (multiples of 11 skipped); nullopt for anything else. Lowercase is not accepted.
std::optional<int> Iso6346Value(char c) noexcept;

// The check digit of the first 10 characters (owner code, category, serial): the
// sum of value × 2^position (position 0 … 9, left to right) mod 11, remainder 10
// written 0 (ISO 6346 recommends not issuing serials with remainder 10, which then
// share the digit 0 with remainder 0; they still occur and verify). nullopt unless
// positions 1-4 are letters A-Z and 5-10 digits. The category letter is not checked
// here (any letter has a value).
std::optional<int> Iso6346CheckDigit(std::string_view first10) noexcept;

// The equipment category identifier (position 4).
enum class EquipmentCategory {
  kFreightContainer,  // U: all freight containers
  kDetachable,        // J: detachable freight-container-related equipment
  kTrailerChassis,    // Z: trailers and chassis
};
std::optional<EquipmentCategory> ParseCategory(char c) noexcept;
std::string_view CategoryName(EquipmentCategory c) noexcept;  // "freight container", ...

// A container code as read, checked field by field.
struct ContainerCode {
  // The input with ASCII spaces, tabs, '-', '.' and '/' removed and a-z uppercased.
  // 11 characters for a code of the right length; empty when the input was over
  // kMaxContainerInput. May hold any other bytes the input held.
  std::string code;
  // The fields cut from `code` by position (1-3, 4, 5-10), whatever they hold;
  // shorter or empty when `code` is short.
  std::string owner, category, serial;
  // Position 11 when it is a digit.
  std::optional<int> check_digit;
  // The check digit computed from positions 1-10, when they have the right shape.
  std::optional<int> expected_check_digit;
  // 11 characters, every field well-formed and check_digit == expected_check_digit.
  bool valid = false;
  // One entry per problem, each starting with the field it concerns: "length: ",
  // "owner: ", "category: ", "serial: ", "checkDigit: ". Empty when valid.
  std::vector<std::string> errors;
};

// Parses and validates a code as cameras and people write it: "CSQU3054383",
// "csqu 305438 3", "CSQU-305438-3". Never fails: problems are listed in errors.
ContainerCode ParseContainerCode(std::string_view text);

// Readings of `text` that differ from it only by the OCR confusions O/0/Q, I/1,
// B/8, S/5, Z/2 resolved by position type (letters in positions 1-4, digits in
// 5-11), kept only when the result is a valid code (category U/J/Z, check digit
// verifies). The reading itself is included when valid. Sorted, distinct, at most
// 16 (only O and Q are letter-letter alternatives, in at most 4 positions).
// Empty when `text` does not normalise to 11 characters.
std::vector<std::string> OcrVariants(std::string_view text);

// A key equal for readings that differ only by the confusions above, whatever the
// position: O, Q → 0; I → 1; B → 8; S → 5; Z → 2, after normalisation as in
// ParseContainerCode. Empty when the input does not normalise to 11 characters of
// A-Z 0-9.
std::string ContainerMatchKey(std::string_view text);

// Whether two readings may be the same container: both give a non-empty
// ContainerMatchKey and the keys are equal. Symmetric; not a proof of identity
// (a misread check digit may still coincide), a reason to compare.
bool SameContainer(std::string_view a, std::string_view b);

}  // namespace checkpoint::cargo
