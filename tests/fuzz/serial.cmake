# Fuzz targets of the serial-line protocol decoders (hal/protocols/serial.cmake).
checkpoint_fuzz_target(NAME line_splitter
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_line_splitter.cpp LINKS checkpoint::hal_protocols)
