# include()d from tests/CMakeLists.txt: `make test` builds the libFuzzer
# targets with clang (in <repo>/build-fuzz, shared with `make fuzz`) and runs
# each over a fixed number of inputs (below). Fails with a clear message when
# clang / libFuzzer are missing (scripts/install-deps.sh installs clang and
# libclang-rt-14-dev).
#
# TRAILHOUND_FUZZ_SECONDS (cache, default 30): only sizes the timeout now;
# with -runs= in FUZZ_ARGS, run.sh does not stop on time.
set(TRAILHOUND_FUZZ_SECONDS 30 CACHE STRING "seconds each libFuzzer target runs under ctest")
add_test(NAME fuzz_smoke
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh ${TRAILHOUND_FUZZ_SECONDS})
# The build uses both cores and the fuzzers one each: keep other tests away.
# Budget: a first build (~3 min at -j2) plus the runs.
math(EXPR _trailhound_fuzz_timeout "600 + 4 * ${TRAILHOUND_FUZZ_SECONDS}")
# A fixed seed and a fixed number of inputs: the same mutations on every run,
# however fast the machine, so `make test` cannot pass or fail by luck;
# `make fuzz` explores with random seeds.
set_tests_properties(fuzz_smoke PROPERTIES
  ENVIRONMENT "FUZZ_ARGS=-seed=1 -runs=15000"
  PROCESSORS 2
  RUN_SERIAL TRUE
  TIMEOUT ${_trailhound_fuzz_timeout}
  LABELS fuzz)
