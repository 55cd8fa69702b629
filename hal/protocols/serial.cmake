# Serial-line protocols: MRZ reader framing, weighbridge indicators, seal readers.
list(APPEND HAL_PROTOCOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/src/line_splitter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/mrz_framer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/weight_frame.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/mettler_toledo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/ascii_weight.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/seal_line.cpp)
