# checkpoint_module(NAME <target> SOURCES ... [PUBLIC_LINKS ...] [PRIVATE_LINKS ...])
# One static library per module: public headers under include/, sources under src/.
function(checkpoint_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;PUBLIC_LINKS;PRIVATE_LINKS" ${ARGN})
  add_library(${M_NAME} STATIC ${M_SOURCES})
  add_library(checkpoint::${M_NAME} ALIAS ${M_NAME})
  target_include_directories(${M_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${M_NAME} PUBLIC ${M_PUBLIC_LINKS}
                                  PRIVATE checkpoint_warnings ${M_PRIVATE_LINKS})
endfunction()
