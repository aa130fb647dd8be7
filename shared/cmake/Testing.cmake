# waka_add_test(NAME n LABEL unit|integration|e2e SOURCES ... LIBS ... [TIMEOUT s])
# One GoogleTest executable registered with ctest under its label. Tests that need PostgreSQL read
# WAKA_TEST_PG_URL and fail (never skip) when it is missing.
function(waka_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE waka_flags ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
endfunction()

# Test code (tests/unit, integration, e2e, support) builds without optimisation: -O0 compiles it in
# about half the time of -O2 (measured: docs/benchmarks.md), and the code under test is unaffected,
# since its libraries are built once with the build type's flags. Benchmarks (tests/bench) keep
# the build type's flags. Call before waka_add_subdirectories() of such a folder.
function(waka_test_code_flags)
  add_compile_options(-O0)
endfunction()
