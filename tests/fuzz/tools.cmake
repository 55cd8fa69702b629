# Fuzz targets of checkpointctl's outside text (tools/checkpointctl).
checkpoint_fuzz_target(NAME support_text
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_support_text.cpp
          ${PROJECT_SOURCE_DIR}/tools/checkpointctl/redact.cpp
          ${PROJECT_SOURCE_DIR}/tools/checkpointctl/site_file.cpp
  LINKS checkpoint::config)
