// central_main.cpp — main() of the central protocol tests. It starts the throwaway PostgreSQL
// cluster first when SAMVAD_TEST_BACKEND=postgresql, and if that truly cannot start here it says
// so in capitals and exits 77, which ctest shows as "Skipped" (SKIP_RETURN_CODE): Catch2 v2 has
// no SKIP, and a silent pass would hide that PostgreSQL was never tested.
#define CATCH_CONFIG_RUNNER
#include <signal.h>
#include <sodium.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "harness.h"

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  if (samvad::testing::UsingPostgres()) {
    std::string why;
    if (!samvad::testing::StartPostgres(&why)) {
      std::fprintf(stderr,
                   "\n"
                   "##################################################################\n"
                   "## WARNING: POSTGRESQL COULD NOT START; ITS PROTOCOL TESTS SKIPPED\n"
                   "##################################################################\n"
                   "%s\n\n",
                   why.c_str());
      return 77;
    }
  }
  return Catch::Session().run(argc, argv);
}
