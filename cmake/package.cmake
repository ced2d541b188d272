# The Debian packages (CPack): `soket` (the program, its systemd unit, the default configuration
# in /etc/soket, the dashboard's files, the man page) and `libsoket-dev` (the library: archives,
# headers, CMake and pkg-config files). `cpack -G DEB` in a build directory; see README.
include_guard(GLOBAL)

# soket(1), generated from the program's --help texts (cmake/man_page.cmake).
set(SOKET_MAN_PAGE ${PROJECT_BINARY_DIR}/man/soket.1.gz)
add_custom_command(OUTPUT ${SOKET_MAN_PAGE}
  COMMAND ${CMAKE_COMMAND} -DSOKET=$<TARGET_FILE:soket> -DOUT=${PROJECT_BINARY_DIR}/man/soket.1
          -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
  COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/man/soket.1
  DEPENDS soket ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
  COMMENT "Writing the soket(1) man page")
add_custom_target(soket_man ALL DEPENDS ${SOKET_MAN_PAGE})
install(FILES ${SOKET_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT server)
install(DIRECTORY ${PROJECT_BINARY_DIR}/web/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/soket/web
        COMPONENT server)
# What belongs to the system's soket service only: not part of a plain `cmake --install`.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/soket.service DESTINATION lib/systemd/system
        COMPONENT server EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/soket.toml DESTINATION /etc/soket
        COMPONENT server EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME soket)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "soket maintainers <maintainers@soket.invalid>")
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: each package's synopsis is the first line of its
# component's description below (CPack would otherwise put the same one on both).
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME soket)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_COMPONENT_SERVER_DESCRIPTION
"real-time socket server for IoT: Socket.IO, TCP/UDP devices, TCP chat, dashboard
soket speaks Socket.IO (every official client works unchanged), takes sensor
readings from microcontrollers over TCP and UDP lines, runs the course's TCP
chat, stores everything in SQLite or PostgreSQL and shows it on a live dashboard. It runs as
the soket service (its own user, data in /var/lib/soket, /etc/soket/soket.toml).")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsoket-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libssl-dev, libspdlog-dev, \
libsqlite3-dev, libpq-dev, libhiredis-dev, libmsgpuck-dev, libtomlplusplus-dev, zlib1g-dev, libcrypt-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
"Socket.IO server library for C++20 (soket): headers and static libraries
Engine.IO 4/3 and Socket.IO 5 server, the Redis adapters of Node socket.io,
and soket's hub; find_package(soket) and pkg-config soket.")
include(CPack)
