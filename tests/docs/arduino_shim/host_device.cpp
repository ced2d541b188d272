// The Soket Arduino library on a PC, over PosixClient: the device a test drives against a real
// hub. Usage: soket_arduino_host_device PORT ID TOKEN SECONDS
// Sends "n=<i> lamp=<0|1>" every 50 ms while ready, runs lamp-on / lamp-off, and prints
// "confirmed=<n> rejected=<n> refused=<0|1> lamp=<0|1>" when SECONDS are up.
#include <Soket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {
bool lamp = false;

const char* on_command(const char* command) {
  if (std::strcmp(command, "lamp-on") == 0) {
    lamp = true;
    return nullptr;
  }
  if (std::strcmp(command, "lamp-off") == 0) {
    lamp = false;
    return nullptr;
  }
  return "unknown command";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s PORT ID TOKEN SECONDS\n", argv[0]);
    return 2;
  }
  PosixClient client;
  StdoutPrint log;
  SoketDevice device(client, "127.0.0.1", static_cast<uint16_t>(std::atoi(argv[1])), argv[2]);
  device.setToken(argv[3]);
  device.setKind("lamp");
  device.setGroup("host-test");
  device.onCommand(on_command);
  device.setLog(&log);
  device.setTimeouts(3000, 50, 400);
  const unsigned long until = millis() + 1000UL * std::strtoul(argv[4], nullptr, 10);
  unsigned long last = 0;
  long n = 0;
  while (millis() < until) {
    device.loop();
    if (device.ready() && millis() - last >= 50) {
      SoketReading reading;
      reading.add("n", ++n).add("lamp", static_cast<long>(lamp)).add("temp", 21.25f, 2);
      device.send(reading);
      last = millis();
    }
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("confirmed=%lu rejected=%lu refused=%d lamp=%d\n", device.confirmed(),
              device.rejected(), device.refused() ? 1 : 0, lamp ? 1 : 0);
  return 0;
}
