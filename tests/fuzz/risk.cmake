# Fuzz targets of the risk module (firmware/risk).
checkpoint_fuzz_target(NAME rule_bundle
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_rule_bundle.cpp LINKS checkpoint::risk)
checkpoint_fuzz_target(NAME watchlist_line
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_watchlist_line.cpp LINKS checkpoint::risk)
