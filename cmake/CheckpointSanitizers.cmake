# CHECKPOINT_SANITIZE=address,undefined builds everything (tests included) with
# those sanitizers; UBSan findings abort so that ctest sees them.
if(CHECKPOINT_SANITIZE)
  set(_san "-fsanitize=${CHECKPOINT_SANITIZE}")
  add_compile_options(${_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(${_san})
  message(STATUS "Sanitizers: ${CHECKPOINT_SANITIZE}")
endif()
