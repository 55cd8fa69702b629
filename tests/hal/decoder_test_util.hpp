#pragma once
// Helpers shared by the protocol decoder tests.
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::testing {

// The output vector type of a decoder's Feed(std::string_view, std::vector<...>&).
template <typename F>
struct FeedOutput;
template <typename C, typename V>
struct FeedOutput<void (C::*)(std::string_view, V&)> {
  using type = V;
};

template <typename Decoder>
auto FeedAll(Decoder& d, std::string_view in) {
  typename FeedOutput<decltype(&Decoder::Feed)>::type out;
  d.Feed(in, out);
  return out;
}

// "ok" for a value, the error kind otherwise, comma separated: "ok,garbage,ok".
template <typename T>
std::string Kinds(const std::vector<hal::protocols::Decoded<T>>& out) {
  std::string s;
  for (const auto& d : out) {
    if (!s.empty()) s += ',';
    s += std::holds_alternative<T>(d) ? "ok" : std::get<hal::protocols::FrameError>(d).kind;
  }
  return s;
}

// Reproducible random bytes: line noise, as at a wrong baud rate.
inline std::string Noise(unsigned seed, std::size_t n) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(byte(gen));
  return s;
}

}  // namespace checkpoint::testing
