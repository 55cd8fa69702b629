# Fuzz target of the officer console (firmware/console).
checkpoint_fuzz_target(NAME console_request
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_console_request.cpp LINKS checkpoint::console)
