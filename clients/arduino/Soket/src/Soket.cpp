#include "Soket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- SoketReading

bool SoketReading::append(const char* key, const char* value) {
  int n =
      snprintf(text_ + length_, sizeof text_ - length_, "%s%s=%s", length_ ? " " : "", key, value);
  if (n < 0 || (size_t)n >= sizeof text_ - length_) {
    text_[length_] = '\0';  // did not fit: leave the line as it was
    return false;
  }
  length_ += (size_t)n;
  return true;
}

SoketReading& SoketReading::add(const char* key, float value, unsigned char decimals) {
  char number[24];
  dtostrf(value, 1, decimals, number);  // AVR's printf has no %f
  append(key, number);
  return *this;
}

SoketReading& SoketReading::add(const char* key, long value) {
  char number[24];
  snprintf(number, sizeof number, "%ld", value);
  append(key, number);
  return *this;
}

// ---- SoketDevice

SoketDevice::SoketDevice(Client& client, const char* host, uint16_t port, const char* id)
    : client_(client), host_(host), port_(port), id_(id) {}

void SoketDevice::setTimeouts(unsigned long replyMs, unsigned long backoffMinMs,
                              unsigned long backoffMaxMs) {
  replyTimeoutMs_ = replyMs;
  backoffMinMs_ = backoffMs_ = backoffMinMs;
  backoffMaxMs_ = backoffMaxMs;
}

void SoketDevice::log(const char* a, const char* b, const char* c) {
  if (!log_) return;
  log_->print(a);
  log_->print(b);
  log_->println(c);
}

void SoketDevice::writeLine(const char* text) {
  // One write per line, so the line leaves in one piece.
  char buffer[kMaxLine + 300];
  int n = snprintf(buffer, sizeof buffer, "%s\n", text);
  if (n <= 0 || (size_t)n >= sizeof buffer) {
    log("[line too long, not sent]");
    return;
  }
  client_.write((const uint8_t*)buffer, (size_t)n);
  log("> ", text);
}

void SoketDevice::connect() {
  if (!client_.connect(host_, port_)) {
    disconnect("connection failed");
    return;
  }
  missedReplies_ = 0;
  lineLength_ = 0;
  lineOverflow_ = false;
  char hello[360];
  snprintf(hello, sizeof hello, "HELLO %s%s%s%s%s kind=%s cmdid=1", id_, token_[0] ? " " : "",
           token_, group_[0] ? " group=" : "", group_, kind_);
  writeLine(hello);
  awaiting_ = kHello;
  sentAt_ = millis();
}

void SoketDevice::disconnect(const char* why) {
  log("[disconnected: ", why, "]");
  client_.stop();
  online_ = false;
  awaiting_ = kNothing;
  nextAttemptAt_ = millis() + backoffMs_;
  // Double the pause for next time, randomised so many devices do not come back at once.
  unsigned long doubled = backoffMs_ * 2 > backoffMaxMs_ ? backoffMaxMs_ : backoffMs_ * 2;
  backoffMs_ = doubled / 2 + (unsigned long)random((long)(doubled / 2 + 1));
}

bool SoketDevice::send(const char* line) {
  if (!ready() || !line || !line[0]) return false;
  writeLine(line);
  awaiting_ = kReply;
  sentAt_ = millis();
  return true;
}

bool SoketDevice::loop() {
  if (!client_.connected()) {
    if (online_ || awaiting_ != kNothing) disconnect("closed by the hub");
    if (!refused_ && (long)(millis() - nextAttemptAt_) >= 0) connect();
    return online_;
  }
  readLines();
  if (awaiting_ != kNothing && millis() - sentAt_ >= replyTimeoutMs_) {
    Awaiting was = awaiting_;
    awaiting_ = kNothing;
    if (was == kHello || ++missedReplies_ >= kMaxMissedReplies) disconnect("no replies");
  }
  return online_;
}

void SoketDevice::readLines() {
  while (client_.available() > 0) {
    int c = client_.read();
    if (c < 0) return;
    if (c == '\n') {
      if (!lineOverflow_) {
        line_[lineLength_] = '\0';
        onLine(line_);
      }
      lineLength_ = 0;
      lineOverflow_ = false;
      if (!client_.connected()) return;
    } else if (lineLength_ < kMaxLine) {
      line_[lineLength_++] = (char)c;
    } else {
      lineOverflow_ = true;  // an over-long line is skipped whole
    }
  }
}

void SoketDevice::onLine(char* text) {
  while (*text == ' ' || *text == '\t')
    ++text;
  size_t n = strlen(text);
  while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t'))
    text[--n] = 0;
  if (n == 0) return;
  log("< ", text);
  if (strcmp(text, "OK") == 0 || strncmp(text, "OK ", 3) == 0) {
    onReply(true, text);
  } else if (strcmp(text, "ERR") == 0 || strncmp(text, "ERR ", 4) == 0) {
    onReply(false, text);
  } else {
    onCommandLine(text);
  }
}

void SoketDevice::onReply(bool ok, const char* text) {
  if (awaiting_ == kNothing) return;  // a late answer to a line already given up on
  Awaiting was = awaiting_;
  awaiting_ = kNothing;
  missedReplies_ = 0;
  if (was == kHello) {
    if (!ok) {
      log("[the hub refused our HELLO: ", text, "]");
      refused_ = true;
      disconnect("HELLO refused");
      return;
    }
    online_ = true;
    backoffMs_ = backoffMinMs_;
    return;
  }
  if (ok) {
    ++confirmed_;
  } else {
    ++rejected_;
  }
}

void SoketDevice::onCommandLine(char* text) {
  // With cmdid=1 a command ends in " #<id>": answer by id, and do not run a repeat twice.
  unsigned long id = 0;
  char* hash = strrchr(text, '#');
  if (hash && hash > text && hash[-1] == ' ' && hash[1] >= '0' && hash[1] <= '9') {
    id = strtoul(hash + 1, nullptr, 10);
    hash[-1] = '\0';
  }
  char reply[kMaxLine + 48];
  const char* error = nullptr;
  if (id != 0 && id == lastDoneId_) {
    error = nullptr;  // already done: confirm again
  } else if (handler_) {
    error = handler_(text);
  } else {
    error = "no command handler";
  }
  if (id != 0) {
    if (!error) lastDoneId_ = id;
    if (error)
      snprintf(reply, sizeof reply, "ERR #%lu %s", id, error);
    else
      snprintf(reply, sizeof reply, "OK #%lu", id);
  } else if (error) {
    snprintf(reply, sizeof reply, "ERR %s", error);
  } else {
    snprintf(reply, sizeof reply, "OK");
  }
  writeLine(reply);
}
