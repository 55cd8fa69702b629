# Fuzz targets of the serial-line protocol decoders (hal/protocols/serial.cmake).
checkpoint_fuzz_target(NAME line_splitter
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_line_splitter.cpp LINKS checkpoint::hal_protocols)
checkpoint_fuzz_target(NAME mrz_framer
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mrz_framer.cpp LINKS checkpoint::hal_protocols)
checkpoint_fuzz_target(NAME mettler_toledo
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mettler_toledo.cpp LINKS checkpoint::hal_protocols)
checkpoint_fuzz_target(NAME ascii_weight
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_ascii_weight.cpp LINKS checkpoint::hal_protocols)
checkpoint_fuzz_target(NAME seal_line
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_seal_line.cpp LINKS checkpoint::hal_protocols)
