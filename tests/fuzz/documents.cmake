# Fuzz targets of the travel-document parsers (firmware/documents).
checkpoint_fuzz_target(NAME mrz_parse
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mrz_parse.cpp LINKS checkpoint::documents)
checkpoint_fuzz_target(NAME transliterate
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_transliterate.cpp LINKS checkpoint::documents)
checkpoint_fuzz_target(NAME sod
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_sod.cpp LINKS checkpoint::documents)
# Writes the sod seed corpus (run by hand, output committed; docs/fuzzing.md).
add_executable(make_sod_seeds EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/make_sod_seeds.cpp)
target_link_libraries(make_sod_seeds PRIVATE test_pki checkpoint_warnings)
