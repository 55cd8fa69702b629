# Fuzz targets of the sync protocol (agent/protocol).
checkpoint_fuzz_target(NAME sync_protocol
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_sync_protocol.cpp LINKS checkpoint::protocol)
