// `trailhound replay`: resends recorded CloudTrail records — read with
// OpenInputs, so any framing `run` accepts — in input order, one Kafka message
// or one NDJSON line each, at a chosen pace (--rate, --speed, or as fast as
// possible), optionally K times over, for load-testing a detection pipeline.
// A status line on stderr every second and a summary at the end; with
// --measure-alerts, the end-to-end latency from sending a record to seeing its
// alert on the alert topic (matched by the alert's source topic/partition/
// offset). Exit status 0 only when every record was sent (and, for Kafka,
// acknowledged by the brokers).
#pragma once

namespace trailhound {

// argv excludes "trailhound replay". Exit status: 0 every record sent, 1 a
// record failed or an input could not be read to its end, 2 bad usage, a
// missing input or a Kafka client that could not be set up.
int ReplayCommand(int argc, char** argv);

}  // namespace trailhound
