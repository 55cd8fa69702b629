# The declarative rules engine (firmware/risk: facts, rule bundles, RuleEngine).
checkpoint_test(NAME risk_rules_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rules_facts_test.cpp ${CMAKE_CURRENT_LIST_DIR}/rules_ops_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/rules_bundle_test.cpp ${CMAKE_CURRENT_LIST_DIR}/rules_engine_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/rules_default_test.cpp
  LINKS checkpoint::risk)
target_compile_definitions(risk_rules_tests PRIVATE
  CHECKPOINT_DEFAULT_RULES="${CMAKE_SOURCE_DIR}/config/rules/default.json")
