# The API reference (Doxygen, Debian's doxygen): target `docs` writes build/<preset>/docs/api/html
# from every public header (what cmake/install.cmake installs: src/soket/**/*.hpp and version.hpp)
# and docs/api.dox, the main page.
# Test docs.api builds the reference of SOKET_API_CHECKED and fails on any Doxygen warning, an
# undocumented public name included: the library API a user builds a server on (docs/library.md).
# The other headers (the hub, the store, the gateways, adapters' internals) are documented as they
# are and their warnings stay in docs/api/warnings.log.
find_program(SOKET_DOXYGEN doxygen)
if(NOT SOKET_DOXYGEN)
  message(STATUS "doxygen not found: no `docs` target, no docs.api test (scripts/install-deps.sh)")
  return()
endif()

set(SOKET_API_CHECKED
  socketio/server.hpp socketio/namespace.hpp socketio/parent_namespace.hpp socketio/socket.hpp
  socketio/broadcast_operator.hpp socketio/remote_socket.hpp socketio/message.hpp
  socketio/types.hpp socketio/options.hpp socketio/shard_group.hpp socketio/ack_error.hpp
  socketio/ack_completion.hpp socketio/typed_events.hpp socketio/typed_socket.hpp
  http/server.hpp net/endpoint.hpp cluster/redis_link.hpp cluster/redis_url.hpp
  socketio/observer.hpp engineio/options.hpp engineio/handshake.hpp engineio/hooks.hpp
  engineio/server.hpp engineio/cookie.hpp engineio/request.hpp http/router.hpp http/exchange.hpp
  http/cors.hpp net/tls.hpp admin/options.hpp util/bytes.hpp util/field_list.hpp)

# soket_doxyfile(<file> <output dir> <inputs...>)
function(soket_doxyfile file out)
  set(SOKET_DOXYGEN_OUT ${out})
  list(JOIN ARGN " " SOKET_DOXYGEN_INPUT)
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${file} @ONLY)
endfunction()

soket_doxyfile(${PROJECT_BINARY_DIR}/docs/Doxyfile ${PROJECT_BINARY_DIR}/docs/api
               ${PROJECT_SOURCE_DIR}/src/soket ${PROJECT_BINARY_DIR}/include/soket/version.hpp
               ${PROJECT_SOURCE_DIR}/docs/api.dox)
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/docs/api
  COMMAND ${SOKET_DOXYGEN} ${PROJECT_BINARY_DIR}/docs/Doxyfile
  COMMAND ${CMAKE_COMMAND} -E echo "API reference: ${PROJECT_BINARY_DIR}/docs/api/html/index.html"
  WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
  COMMENT "Doxygen: the API reference"
  VERBATIM)

list(TRANSFORM SOKET_API_CHECKED PREPEND ${PROJECT_SOURCE_DIR}/src/soket/)
soket_doxyfile(${PROJECT_BINARY_DIR}/docs/Doxyfile.checked ${PROJECT_BINARY_DIR}/docs/api-checked
               ${SOKET_API_CHECKED})
if(SOKET_BUILD_TESTS)
  add_test(NAME docs.api
    COMMAND ${CMAKE_COMMAND} -DDOXYGEN=${SOKET_DOXYGEN}
            -DDOXYFILE=${PROJECT_BINARY_DIR}/docs/Doxyfile.checked
            -DOUT=${PROJECT_BINARY_DIR}/docs/api-checked
            -P ${PROJECT_SOURCE_DIR}/cmake/run_doxygen_check.cmake)
  set_tests_properties(docs.api PROPERTIES TIMEOUT 300 LABELS docs)
endif()
