// catch_main.cpp — Catch2 v2 (Debian's catch2 package) main, compiled once for all test files.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
