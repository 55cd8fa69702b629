# Serial-line protocols: MRZ reader framing, weighbridge indicators, seal readers.
list(APPEND HAL_PROTOCOL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/src/line_splitter.cpp)
