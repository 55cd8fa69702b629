# Person screening: name similarity and the person index.
checkpoint_test(NAME screening_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/name_match_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/person_index_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/watchlist_test.cpp
  LINKS checkpoint::risk)
