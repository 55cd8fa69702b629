#include "checkpoint/common/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace checkpoint {

std::string Error::String() const {
  std::string s = message_;
  s += " [";
  s += code_.category().name();
  s += ": ";
  s += code_.message();
  s += "]";
  return s;
}

Error Error::WithContext(std::string_view context) const& {
  Error copy = *this;
  return std::move(copy).WithContext(context);
}

Error Error::WithContext(std::string_view context) && {
  std::string m;
  m.reserve(context.size() + 2 + message_.size());
  m.append(context).append(": ").append(message_);
  message_ = std::move(m);
  return std::move(*this);
}

namespace {
class CommonCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "common"; }
  std::string message(int c) const override {
    switch (static_cast<CommonErrc>(c)) {
      case CommonErrc::kInvalidArgument:
        return "invalid argument";
      case CommonErrc::kParse:
        return "parse error";
      case CommonErrc::kIo:
        return "input/output error";
      case CommonErrc::kNotFound:
        return "not found";
      case CommonErrc::kPermission:
        return "permission denied";
      case CommonErrc::kTimeout:
        return "timed out";
      case CommonErrc::kCancelled:
        return "cancelled";
      case CommonErrc::kUnavailable:
        return "unavailable";
      case CommonErrc::kLimitExceeded:
        return "limit exceeded";
      case CommonErrc::kInternal:
        return "internal error";
    }
    return "unknown common error";
  }
};
}  // namespace

const std::error_category& CommonCategory() noexcept {
  static const CommonCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(CommonErrc e) noexcept {
  return {static_cast<int>(e), CommonCategory()};
}

Error ErrnoError(std::string_view what, int err) {
  CommonErrc kind = CommonErrc::kIo;
  if (err == ENOENT) kind = CommonErrc::kNotFound;
  if (err == EACCES || err == EPERM || err == EROFS) kind = CommonErrc::kPermission;
  if (err == ETIMEDOUT) kind = CommonErrc::kTimeout;
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  return MakeError(kind, std::move(m));
}

namespace detail {
void AbortOnBadAccess(const Error& e) {
  std::fprintf(stderr, "fatal: Expected::value() on an error: %s\n", e.String().c_str());
  std::abort();
}
}  // namespace detail

}  // namespace checkpoint
