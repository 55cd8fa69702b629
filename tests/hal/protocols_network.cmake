# Tests of the network and binary protocol decoders.
checkpoint_test(NAME hal_network_protocol_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/n42_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/n42_framer_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/camera_json_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/chip_frame_test.cpp
  LINKS checkpoint::hal_protocols)
