#pragma once
// CP_TRY(status-or-expected): returns its error from the enclosing function (which
// returns a Status or an Expected) when it failed. HQ's sources only.
#include <utility>

#define CP_TRY(expr)                                         \
  do {                                                       \
    if (auto s_ = (expr); !s_) return std::move(s_).error(); \
  } while (0)
