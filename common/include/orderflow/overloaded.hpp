#pragma once
// std::visit with one lambda per alternative: std::visit(overloaded{[](const A&) {}, ...}, v).
namespace orderflow {
template <typename... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
overloaded(Fs...) -> overloaded<Fs...>;
}  // namespace orderflow
