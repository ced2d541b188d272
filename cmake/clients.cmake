# The device clients shipped next to the server (docs/devices.md): the Arduino library as a ZIP
# the Arduino IDE installs (Sketch > Include Library > Add .ZIP Library): target arduino-zip, out
# in the build directory as Soket-<version>.zip, with the library's folder at its top.
file(STRINGS ${PROJECT_SOURCE_DIR}/clients/arduino/Soket/library.properties SOKET_ARDUINO_VERSION
     REGEX "^version=")
string(REPLACE "version=" "" SOKET_ARDUINO_VERSION "${SOKET_ARDUINO_VERSION}")
set(SOKET_ARDUINO_ZIP ${PROJECT_BINARY_DIR}/Soket-${SOKET_ARDUINO_VERSION}.zip)
file(GLOB_RECURSE SOKET_ARDUINO_FILES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/clients/arduino/Soket/*)
add_custom_command(
  OUTPUT ${SOKET_ARDUINO_ZIP}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${SOKET_ARDUINO_ZIP}
  COMMAND ${CMAKE_COMMAND} -E tar cf ${SOKET_ARDUINO_ZIP} --format=zip Soket
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/clients/arduino
  DEPENDS ${SOKET_ARDUINO_FILES}
  COMMENT "Arduino library ZIP: ${SOKET_ARDUINO_ZIP}"
  VERBATIM)
add_custom_target(arduino-zip DEPENDS ${SOKET_ARDUINO_ZIP})
