// Soket: a device client for the soket IoT hub (docs/devices.md, docs/hub-protocol.md).
//
// It speaks the hub's line protocol over any Arduino `Client` (WiFiClient, WiFiClientSecure for
// TLS, EthernetClient): HELLO with an optional token, readings as `key=value` lines that the hub
// answers OK once stored, and commands from the hub answered OK / ERR by id. Call loop() often; it
// connects, reads, times out and reconnects (with a growing, randomised pause) by itself.
#pragma once

#include <Arduino.h>
#include <Client.h>

/// One reading line: add("temp", 21.5).add("hum", 40) gives "temp=21.5 hum=40.0".
class SoketReading {
 public:
  static const size_t kMaxLength = 200;

  /// Appends key=value with `decimals` digits after the point; ignored when the line is full.
  SoketReading& add(const char* key, float value, unsigned char decimals = 1);
  /// Appends key=value for a whole number (a lamp state 0/1, a count).
  SoketReading& add(const char* key, long value);
  const char* text() const { return text_; }
  bool empty() const { return length_ == 0; }

 private:
  bool append(const char* key, const char* value);
  char text_[kMaxLength + 1] = "";
  size_t length_ = 0;
};

class SoketDevice {
 public:
  /// What a command handler returns: nullptr when it was done (OK), else why not (ERR <why>).
  typedef const char* (*CommandHandler)(const char* command);

  /// The device `id` (1-64 characters of A-Z a-z 0-9 _ . : -) on the hub at host:port.
  SoketDevice(Client& client, const char* host, uint16_t port, const char* id);

  void setToken(const char* token) { token_ = token; }  ///< the hub's device token ("" for none)
  void setGroup(const char* group) { group_ = group; }  ///< for `group:<name>` commands
  void setKind(const char* kind) { kind_ = kind; }      ///< lamp, light, greenhouse or sensor
  void onCommand(CommandHandler handler) { handler_ = handler; }
  /// Where to write what happens (Serial), or nullptr for nothing.
  void setLog(Print* log) { log_ = log; }
  /// How long to wait for the hub's OK (3 s), and the pause before reconnecting (1 s doubling to
  /// 30 s).
  void setTimeouts(unsigned long replyMs, unsigned long backoffMinMs, unsigned long backoffMaxMs);

  /// Does the work: connects when it is time, reads what the hub sent, runs commands, notices a
  /// dead connection. Call it from the sketch's loop(); returns online().
  bool loop();
  /// Connected, and the hub accepted our HELLO.
  bool online() const { return online_; }
  /// Online and not waiting for the hub's answer to the last line: send() would go out now.
  bool ready() const { return online_ && awaiting_ == kNothing; }
  /// The hub refused our HELLO (a wrong token): it will not be tried again until resetRefused().
  bool refused() const { return refused_; }
  void resetRefused() { refused_ = false; }

  /// Sends a reading (or any text line) when ready(); false if not sent.
  bool send(const SoketReading& reading) { return send(reading.text()); }
  bool send(const char* line);
  /// Readings the hub confirmed (OK) and refused (ERR) since start.
  unsigned long confirmed() const { return confirmed_; }
  unsigned long rejected() const { return rejected_; }

  /// Closes the connection; loop() reconnects after the backoff pause.
  void disconnect(const char* why);

 private:
  enum Awaiting { kNothing, kHello, kReply };
  static const size_t kMaxLine = 128;
  static const int kMaxMissedReplies = 3;

  void connect();
  void writeLine(const char* text);
  void readLines();
  void onLine(char* text);
  void onReply(bool ok, const char* text);
  void onCommandLine(char* text);
  void log(const char* a, const char* b = "", const char* c = "");

  Client& client_;
  const char* host_;
  uint16_t port_;
  const char* id_;
  const char* token_ = "";
  const char* group_ = "";
  const char* kind_ = "sensor";
  CommandHandler handler_ = nullptr;
  Print* log_ = nullptr;

  unsigned long replyTimeoutMs_ = 3000;
  unsigned long backoffMinMs_ = 1000;
  unsigned long backoffMaxMs_ = 30000;
  unsigned long backoffMs_ = 1000;
  unsigned long nextAttemptAt_ = 0;
  unsigned long sentAt_ = 0;

  bool online_ = false;
  bool refused_ = false;
  Awaiting awaiting_ = kNothing;
  int missedReplies_ = 0;
  unsigned long confirmed_ = 0;
  unsigned long rejected_ = 0;
  unsigned long lastDoneId_ = 0;  // the last command id run, so a repeat is not run twice

  char line_[kMaxLine + 1];
  size_t lineLength_ = 0;
  bool lineOverflow_ = false;
};
