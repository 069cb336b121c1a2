// `trailhound run`: reads CloudTrail records (files, folders, stdin, Kafka),
// matches them against the rules and writes alerts and dead letters to their
// sinks (stdout, files, Kafka topics). What a source commits (Kafka offsets)
// never runs ahead of what the sinks have delivered: at-least-once.
// SIGINT/SIGTERM stop a live run cleanly (flush, commit, exit 0); SIGHUP
// reloads the rules, keeping the old ones when the new set has errors.
#pragma once

namespace trailhound {

int RunCommand(int argc, char** argv);

}  // namespace trailhound
