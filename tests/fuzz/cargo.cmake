# Fuzz targets of the cargo and vehicle checks (firmware/cargo, firmware/risk).
checkpoint_fuzz_target(NAME container_code
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_container_code.cpp LINKS checkpoint::cargo)
checkpoint_fuzz_target(NAME plate
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_plate.cpp LINKS checkpoint::risk)
checkpoint_fuzz_target(NAME declarations
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_declarations.cpp LINKS checkpoint::inspection)
