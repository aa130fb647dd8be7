# Project-wide warning and sanitizer flags, applied through the interface target waka_flags.
add_library(waka_flags INTERFACE)
target_compile_options(waka_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                       -Wno-missing-field-initializers)
# g++ 12 reports a false -Wmismatched-new-delete inside Asio's coroutine frames at -O2 (GCC bug
# 109224 family); Asio pairs its own allocator and deallocator correctly.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(waka_flags INTERFACE -Wno-mismatched-new-delete)
endif()
if(WAKA_WERROR)
  target_compile_options(waka_flags INTERFACE -Werror)
endif()
if(WAKA_SANITIZE)
  target_compile_options(waka_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(waka_flags INTERFACE -fsanitize=address,undefined)
endif()
# Every project include is rooted at the repository root; generated protobuf headers at the build root.
target_include_directories(waka_flags INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
# Asio: coroutines, no deprecated API, and no Boost.Beast separate-compilation surprises.
target_compile_definitions(waka_flags INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_HAS_CO_AWAIT)
