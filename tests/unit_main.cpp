// The doctest runner for every unit test in tests/ (one binary, registered with ctest).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
