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
