# `cmake --install`: the soket program, the library (static archives, headers, a CMake config
# package with targets soket::<layer>, a pkg-config file). See docs/library.md.
include(CMakePackageConfigHelpers)

# Library targets in link order (each needs only those after it): the exported name drops the
# soket_ prefix, so soket_socketio is soket::socketio, and the same alias exists in the tree.
set(SOKET_LIBRARIES
  soket_hub soket_hub_config soket_simulator soket_store soket_gateway soket_gateway_text
  soket_admin soket_cluster soket_cluster_codec soket_socketio soket_socketio_codec
  soket_engineio soket_http soket_net soket_util)
foreach(target IN LISTS SOKET_LIBRARIES)
  string(REGEX REPLACE "^soket_" "" short ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${short})
  add_library(soket::${short} ALIAS ${target})
endforeach()
set_target_properties(soket_boost PROPERTIES EXPORT_NAME boost)

# Components: server (the program; the Debian package soket) and dev (the library; libsoket-dev).
install(TARGETS soket RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(TARGETS ${SOKET_LIBRARIES} soket_boost EXPORT soketTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/soket DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/soket/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/soket COMPONENT dev)

set(SOKET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/soket)
install(EXPORT soketTargets NAMESPACE soket:: DESTINATION ${SOKET_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/soketConfig.cmake.in
  ${PROJECT_BINARY_DIR}/soketConfig.cmake INSTALL_DESTINATION ${SOKET_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/soketConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/soketConfig.cmake ${PROJECT_BINARY_DIR}/soketConfigVersion.cmake
        DESTINATION ${SOKET_CMAKE_DIR} COMPONENT dev)

# pkg-config: every archive in link order and what they need from the system. The prefix is found
# from the .pc file's place, so `cmake --install --prefix X` works wherever X is.
file(RELATIVE_PATH SOKET_PC_UP /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(SOKET_PC_LIBS "")
foreach(target IN LISTS SOKET_LIBRARIES)
  string(APPEND SOKET_PC_LIBS " -l${target}")
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/soket.pc.in ${PROJECT_BINARY_DIR}/soket.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/soket.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)

# The Debian packages, the man page, the service (the fuzz build has no use for them).
if(NOT SOKET_FUZZ)
  include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
endif()
