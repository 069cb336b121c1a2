// SIGINT/SIGTERM as a request to stop cleanly, for the long-running commands
// (run on live sources, replay): the first one is recorded and the command
// finishes what it must (deliver, commit, flush); the handlers then step
// aside, so a second SIGINT or SIGTERM ends the process at once (say, while a
// flush waits on a broker that is down).
#pragma once

namespace trailhound {

void InstallStopSignalHandlers();

// The signal that asked to stop, or 0.
int StopSignal();

}  // namespace trailhound
