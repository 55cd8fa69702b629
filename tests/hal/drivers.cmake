# Drivers against real peers (pseudo-terminals, loopback sockets).
checkpoint_test(NAME hal_driver_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/drivers/weight_stabiliser_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/drivers/serial_drivers_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/drivers/network_drivers_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/drivers/self_test_test.cpp
  LINKS checkpoint::hal_drivers util)
