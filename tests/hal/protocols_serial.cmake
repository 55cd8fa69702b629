# Tests of the serial-line protocol decoders.
checkpoint_test(NAME hal_serial_protocol_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/line_splitter_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/mrz_framer_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/weight_frame_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/mettler_toledo_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/ascii_weight_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/seal_line_test.cpp
  LINKS checkpoint::hal_protocols)
