// client_main.cpp — main() of the sync client tests. With SAMVAD_TEST_BACKEND=postgresql it
// starts the throwaway PostgreSQL cluster first; if that truly cannot start here it says so in
// capitals and exits 77, which ctest shows as Skipped (SKIP_RETURN_CODE), never as Passed.
#define CATCH_CONFIG_RUNNER
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "client_rig.h"

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (samvad::testing::client::UsingPostgres()) {
    std::string why;
    if (!samvad::testing::client::StartPostgres(&why)) {
      std::fprintf(stderr,
                   "\n"
                   "######################################################################\n"
                   "## WARNING: POSTGRESQL COULD NOT START; THE SYNC CLIENT TESTS ON IT ARE SKIPPED\n"
                   "######################################################################\n"
                   "%s\n\n",
                   why.c_str());
      return 77;
    }
  }
  return Catch::Session().run(argc, argv);
}
