#include "cli/stop_signals.h"

#include <signal.h>

namespace trailhound {
namespace {

volatile sig_atomic_t g_stop_signal = 0;

void OnStopSignal(int signal) {
  g_stop_signal = signal;
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigaction(SIGINT, &fallback, nullptr);
  sigaction(SIGTERM, &fallback, nullptr);
}

}  // namespace

void InstallStopSignalHandlers() {
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  action.sa_handler = OnStopSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int StopSignal() { return g_stop_signal; }

}  // namespace trailhound
