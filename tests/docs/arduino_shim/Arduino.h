// The part of the Arduino core that clients/arduino/Soket uses, for building it on a PC in tests:
// millis(), random(), dtostrf() and Print (to stdout).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

unsigned long millis();
long random(long howbig);
char* dtostrf(double value, signed char width, unsigned char precision, char* out);

class Print {
 public:
  virtual ~Print() = default;
  virtual size_t write(const uint8_t* data, size_t size) = 0;
  size_t print(const char* text);
  size_t println(const char* text);
};

/// Print to the test's stdout, as Serial is on a board.
class StdoutPrint : public Print {
 public:
  size_t write(const uint8_t* data, size_t size) override;
};
