# Fuzz targets of the network and binary protocol decoders (hal/protocols/network.cmake).
foreach(name n42 n42_framer plate_event container_event chip_frame)
  checkpoint_fuzz_target(NAME ${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_${name}.cpp LINKS checkpoint::hal_protocols)
endforeach()
