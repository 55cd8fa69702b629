# Fuzz targets of the sync protocol (agent/protocol): messages and batches; signed
# bundle manifests, bundle lists and pinned key lists.
checkpoint_fuzz_target(NAME sync_protocol
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_sync_protocol.cpp LINKS checkpoint::protocol)
checkpoint_fuzz_target(NAME bundle_manifest
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_bundle_manifest.cpp LINKS checkpoint::protocol)
# HQ's query API: the query string and the page cursor (hq/core).
checkpoint_fuzz_target(NAME hq_query
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_hq_query.cpp LINKS checkpoint::hq)
