# Tests of the serial-line protocol decoders.
checkpoint_test(NAME hal_serial_protocol_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/line_splitter_test.cpp
  LINKS checkpoint::hal_protocols)
