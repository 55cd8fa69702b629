# Network and binary protocols: N42.42 XML, camera JSON, chip reader frames.
list(APPEND HAL_PROTOCOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/src/n42.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/camera_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/chip_frame.cpp)
