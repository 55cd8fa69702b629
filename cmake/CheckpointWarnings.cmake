# checkpoint_warnings: an INTERFACE target every first-party target links PRIVATE.
add_library(checkpoint_warnings INTERFACE)
target_compile_options(checkpoint_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(checkpoint_warnings INTERFACE
    -Wmisleading-indentation -Wduplicated-cond -Wduplicated-branches -Wlogical-op
)
endif()
if(CHECKPOINT_WERROR)
  target_compile_options(checkpoint_warnings INTERFACE -Werror)
endif()
