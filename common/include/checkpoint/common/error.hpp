#pragma once
// Errors are values: every fallible call returns Expected<T>, which holds either a
// T or an Error. An Error carries a std::error_condition (one category per module,
// so callers can branch on the kind of failure) and a human-readable message to
// which context is prepended as the error travels up:
//
//   if (!r) return r.error().WithContext("while opening the store");
//
// Exceptions thrown by third-party code are caught at the module edge and turned
// into Errors; none cross a module interface.

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace checkpoint {

class [[nodiscard]] Error {
 public:
  Error() = default;
  Error(std::error_condition code, std::string message)
      : code_(code), message_(std::move(message)) {}

  const std::error_condition& code() const noexcept { return code_; }
  // The message with all context, outermost first: "while a: while b: root cause".
  const std::string& message() const noexcept { return message_; }
  // message() followed by the category and condition, for logs.
  std::string String() const;

  Error WithContext(std::string_view context) const&;
  Error WithContext(std::string_view context) &&;

  bool Is(std::error_condition other) const noexcept { return code_ == other; }

 private:
  std::error_condition code_;
  std::string message_;
};

// Conditions that any module may use for failures that are not its own.
enum class CommonErrc {
  kInvalidArgument = 1,
  kParse,
  kIo,
  kNotFound,
  kPermission,
  kTimeout,
  kCancelled,
  kUnavailable,
  kLimitExceeded,
  kInternal,
};
const std::error_category& CommonCategory() noexcept;
std::error_condition make_error_condition(CommonErrc e) noexcept;

inline Error MakeError(CommonErrc e, std::string message) {
  return Error(make_error_condition(e), std::move(message));
}
// An Error from errno (or another errno value), with the system's message appended.
Error ErrnoError(std::string_view what, int err);

// Wraps an Error so that Expected<Error>-like ambiguities cannot arise.
struct Unexpected {
  Error error;
};

template <typename T>
class Expected;
template <typename T>
inline constexpr bool kIsExpected = false;
template <typename T>
inline constexpr bool kIsExpected<Expected<T>> = true;

template <typename T>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Expected<Error> is ambiguous");
  static_assert(!std::is_reference_v<T>, "Expected<T&> is not supported");

 public:
  using value_type = T;

  Expected(const T& v) : v_(std::in_place_index<0>, v) {}
  Expected(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
           !std::is_same_v<std::remove_cvref_t<U>, Error> &&
           !std::is_same_v<std::remove_cvref_t<U>, Unexpected> &&
           // Never from another Expected: a failed Status would become the value
           // `false` of an Expected<bool> (through its explicit operator bool).
           !kIsExpected<std::remove_cvref_t<U>>) Expected(U&& v)
      : v_(std::in_place_index<0>, std::forward<U>(v)) {}
  Expected(Error e) : v_(std::in_place_index<1>, std::move(e)) {}
  Expected(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  // Precondition: has_value(). Checked: a violation is a programming error and aborts.
  T& value() & { return Check(), std::get<0>(v_); }
  const T& value() const& { return Check(), std::get<0>(v_); }
  T&& value() && { return Check(), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  // Precondition: !has_value().
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  void Check() const {
    if (!has_value()) BadAccess(std::get<1>(v_));
  }
  [[noreturn]] static void BadAccess(const Error& e);

  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Error e) : error_(std::move(e)) {}
  Expected(Unexpected u) : error_(std::move(u.error)) {}

  bool has_value() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Expected<void>;

namespace detail {
[[noreturn]] void AbortOnBadAccess(const Error& e);
}

template <typename T>
void Expected<T>::BadAccess(const Error& e) {
  detail::AbortOnBadAccess(e);
}

}  // namespace checkpoint

template <>
struct std::is_error_condition_enum<checkpoint::CommonErrc> : std::true_type {};
