#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "Client.h"

unsigned long millis() {
  static const auto start = std::chrono::steady_clock::now();
  return static_cast<unsigned long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - start)
                                        .count());
}

long random(long howbig) {
  return howbig <= 0 ? 0 : std::rand() % howbig;
}

char* dtostrf(double value, signed char width, unsigned char precision, char* out) {
  std::sprintf(out, "%*.*f", width, precision, value);
  return out;
}

size_t Print::print(const char* text) {
  return write(reinterpret_cast<const uint8_t*>(text), std::strlen(text));
}

size_t Print::println(const char* text) {
  return print(text) + print("\n");
}

size_t StdoutPrint::write(const uint8_t* data, size_t size) {
  return std::fwrite(data, 1, size, stdout);
}

int PosixClient::connect(const char* host, uint16_t port) {
  stop();
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host, std::to_string(port).c_str(), &hints, &found) != 0) return 0;
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int ok = fd_ >= 0 && ::connect(fd_, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!ok) stop();
  peer_closed_ = false;
  begin_ = end_ = 0;
  return ok;
}

size_t PosixClient::write(const uint8_t* data, size_t size) {
  if (fd_ < 0) return 0;
  ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

void PosixClient::fill() {
  if (fd_ < 0 || begin_ < end_ || peer_closed_) return;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return;
  ssize_t n = ::recv(fd_, buffer_, sizeof buffer_, 0);
  if (n <= 0) {
    peer_closed_ = true;
    return;
  }
  begin_ = 0;
  end_ = static_cast<size_t>(n);
}

int PosixClient::available() {
  fill();
  return static_cast<int>(end_ - begin_);
}

int PosixClient::read() {
  fill();
  return begin_ < end_ ? buffer_[begin_++] : -1;
}

uint8_t PosixClient::connected() {
  fill();
  return fd_ >= 0 && (!peer_closed_ || begin_ < end_);
}

void PosixClient::stop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  begin_ = end_ = 0;
}
