#pragma once
// The value of an Expected, or the test fails with the error's text.
#include <catch2/catch.hpp>
#include <utility>

#include "checkpoint/common/error.hpp"

namespace checkpoint::testing {

template <typename T>
T Must(Expected<T> e) {
  if (!e) FAIL(e.error().String());
  return std::move(e).value();
}
inline void Must(Status s) {
  if (!s) FAIL(s.error().String());
}

}  // namespace checkpoint::testing
