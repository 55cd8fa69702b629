# Fuzz targets of the travel-document parsers (firmware/documents).
checkpoint_fuzz_target(NAME mrz_parse
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mrz_parse.cpp LINKS checkpoint::documents)
checkpoint_fuzz_target(NAME transliterate
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_transliterate.cpp LINKS checkpoint::documents)
