#pragma once
// Graceful shutdown, written once: SIGINT/SIGTERM are blocked in every thread and received by one
// waiter, so no handler runs in an arbitrary thread. Call install() first thing in main(), before
// any thread starts, so the threads inherit the blocked mask.
#include <chrono>

namespace orderflow::shutdown {

void install();
bool requested();
// Blocks until a signal arrived or request() was called; returns true then, false on timeout.
bool wait_for(std::chrono::milliseconds timeout);
void request();

}  // namespace orderflow::shutdown
