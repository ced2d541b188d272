// Arduino's Client interface (what WiFiClient and WiFiClientSecure implement), and PosixClient:
// one over a real TCP socket, so the library can talk to a real hub in tests.
#pragma once

#include "Arduino.h"

class Client : public Print {
 public:
  virtual int connect(const char* host, uint16_t port) = 0;
  virtual int available() = 0;
  virtual int read() = 0;
  virtual uint8_t connected() = 0;
  virtual void stop() = 0;
};

class PosixClient : public Client {
 public:
  ~PosixClient() override { stop(); }
  int connect(const char* host, uint16_t port) override;
  size_t write(const uint8_t* data, size_t size) override;
  int available() override;
  int read() override;
  uint8_t connected() override;
  void stop() override;

 private:
  void fill();
  int fd_ = -1;
  bool peer_closed_ = false;
  uint8_t buffer_[512];
  size_t begin_ = 0, end_ = 0;
};
