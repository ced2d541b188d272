# The API reference (Doxygen, Debian's doxygen): target `docs` writes build/<preset>/docs/api/html
# from every public header (what cmake/install.cmake installs: src/soket/**/*.hpp and version.hpp)
# and docs/api.dox, the main page. Test docs.api builds the same reference and fails on any Doxygen
# warning, an undocumented public name included, so no installed header goes undocumented.
find_program(SOKET_DOXYGEN doxygen)
if(NOT SOKET_DOXYGEN)
  message(STATUS "doxygen not found: no `docs` target, no docs.api test (scripts/install-deps.sh)")
  return()
endif()

set(SOKET_API_INPUT ${PROJECT_SOURCE_DIR}/src/soket ${PROJECT_BINARY_DIR}/include/soket/version.hpp
                     ${PROJECT_SOURCE_DIR}/docs/api.dox)

# soket_doxyfile(<file> <output dir> <inputs...>)
function(soket_doxyfile file out)
  set(SOKET_DOXYGEN_OUT ${out})
  list(JOIN ARGN " " SOKET_DOXYGEN_INPUT)
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${file} @ONLY)
endfunction()

soket_doxyfile(${PROJECT_BINARY_DIR}/docs/Doxyfile ${PROJECT_BINARY_DIR}/docs/api
               ${SOKET_API_INPUT})
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/docs/api
  COMMAND ${SOKET_DOXYGEN} ${PROJECT_BINARY_DIR}/docs/Doxyfile
  COMMAND ${CMAKE_COMMAND} -E echo "API reference: ${PROJECT_BINARY_DIR}/docs/api/html/index.html"
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
  COMMENT "Doxygen: the API reference"
  VERBATIM)

# docs.api writes its own copy (docs/api-checked, emptied first), leaving the `docs` output alone.
soket_doxyfile(${PROJECT_BINARY_DIR}/docs/Doxyfile.checked ${PROJECT_BINARY_DIR}/docs/api-checked
               ${SOKET_API_INPUT})
if(SOKET_BUILD_TESTS)
  add_test(NAME docs.api
    COMMAND ${CMAKE_COMMAND} -DDOXYGEN=${SOKET_DOXYGEN}
            -DDOXYFILE=${PROJECT_BINARY_DIR}/docs/Doxyfile.checked
            -DOUT=${PROJECT_BINARY_DIR}/docs/api-checked
            -P ${PROJECT_SOURCE_DIR}/cmake/run_doxygen_check.cmake)
  set_tests_properties(docs.api PROPERTIES TIMEOUT 300 LABELS docs)
endif()
