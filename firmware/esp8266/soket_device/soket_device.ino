// soket_device: an ESP8266 (NodeMCU, Wemos D1 mini) device for a soket server.
//
// Connects to Wi-Fi and to the server's device port (TCP 2004), introduces itself with HELLO,
// sends a DHT11 temperature/humidity reading and a light reading every few seconds, waits for the
// server's OK after each message, obeys lamp commands and reconnects by itself (with a growing,
// randomised pause) when Wi-Fi or the server goes away. Protocol: see README.md next to this
// folder and docs/hub-protocol.md in the soket repository.
//
// Libraries (Arduino IDE: Tools > Manage Libraries): "DHT sensor library" by Adafruit (and the
// "Adafruit Unified Sensor" it asks for). Board: the ESP8266 core (Boards Manager: esp8266).

#include <Arduino.h>
#include <DHT.h>
#include <ESP8266WiFi.h>

// ----------------------------------------------------------------------------------------------
// Settings: change these for your network, server and device.

const char* WIFI_SSID = "your-wifi";
const char* WIFI_PASSWORD = "your-password";

const char* SERVER_HOST = "192.168.1.10";  // the machine running `soket serve` (IP or name)
const uint16_t SERVER_PORT = 2004;         // soket's device port

const char* DEVICE_ID = "greenhouse-1";    // 1-64 characters: A-Z a-z 0-9 _ . : -
const char* DEVICE_TOKEN = "";             // the server's device token, if it requires one
const char* DEVICE_GROUP = "greenhouses";  // for `group:<name>` commands ("" for none)
const char* DEVICE_KIND = "greenhouse";    // lamp, light, greenhouse or sensor

const uint8_t DHT_PIN = D2;  // DHT11 data pin
#define DHT_TYPE DHT11
const uint8_t LIGHT_PIN = A0;  // light-dependent resistor divider (see README)
const bool LIGHT_RAW = false;  // true: send the raw 0..1023 value instead of approximate lux
const uint8_t LAMP_PIN = D1;   // the lamp: an LED with a resistor, or a relay module input
const bool LAMP_ACTIVE_LOW = false;  // true for relay modules that switch on a LOW input

const unsigned long READING_INTERVAL_MS = 5000;  // a reading every 5 s (DHT11: at most 1 per s)
const unsigned long REPLY_TIMEOUT_MS = 3000;     // how long to wait for the server's OK
const int MAX_MISSED_REPLIES = 3;                // then the connection counts as dead
const unsigned long BACKOFF_MIN_MS = 1000;       // first pause before reconnecting
const unsigned long BACKOFF_MAX_MS = 30000;      // longest pause before reconnecting

// ----------------------------------------------------------------------------------------------

const size_t MAX_LINE = 128;  // longer lines from the server are discarded

DHT dht(DHT_PIN, DHT_TYPE);
WiFiClient client;

enum Awaiting { AWAIT_NOTHING, AWAIT_HELLO, AWAIT_READING };

bool lamp_on = false;
bool online = false;  // connected and the server answered OK to our HELLO
Awaiting awaiting = AWAIT_NOTHING;
unsigned long sent_at = 0;          // when the message we wait for was sent
unsigned long last_reading_at = 0;  // when the last reading was sent
bool report_now = false;            // a command changed the lamp: report it right away
int missed_replies = 0;

unsigned long backoff_ms = BACKOFF_MIN_MS;
unsigned long next_attempt_at = 0;
bool wifi_reported = false;

char line[MAX_LINE + 1];
size_t line_length = 0;
bool line_overflow = false;

// ---- lamp

void set_lamp(bool on) {
  lamp_on = on;
  digitalWrite(LAMP_PIN, (on != LAMP_ACTIVE_LOW) ? HIGH : LOW);
  digitalWrite(LED_BUILTIN, on ? LOW : HIGH);  // the built-in LED is active low; it mirrors
}

// ---- sending

// One write per line, so the line leaves in one piece.
void send_line(const char* text) {
  char buffer[400];
  int n = snprintf(buffer, sizeof buffer, "%s\n", text);
  if (n <= 0 || (size_t)n >= sizeof buffer) {
    Serial.println("[Line too long, not sent]");
    return;
  }
  client.write((const uint8_t*)buffer, (size_t)n);
  Serial.printf("> %s", buffer);
}

// Appends to a 0-terminated buffer; never writes past its end (a long value is cut).
void append(char* out, size_t size, const char* a, const char* b) {
  size_t used = strlen(out);
  snprintf(out + used, size - used, "%s%s", a, b);
}

void send_hello() {
  char hello[360] = "";  // id (64) + token (up to 256) + attributes
  append(hello, sizeof hello, "HELLO ", DEVICE_ID);
  if (DEVICE_TOKEN[0] != '\0') append(hello, sizeof hello, " ", DEVICE_TOKEN);
  if (DEVICE_GROUP[0] != '\0') append(hello, sizeof hello, " group=", DEVICE_GROUP);
  append(hello, sizeof hello, " kind=", DEVICE_KIND);
  send_line(hello);
  awaiting = AWAIT_HELLO;
  sent_at = millis();
}

// Approximate lux from a GL5528-type LDR between 3.3 V and A0, with 10 kOhm from A0 to ground.
float read_light() {
  int raw = analogRead(LIGHT_PIN);
  if (LIGHT_RAW) return raw;
  if (raw <= 0) return 0;
  if (raw >= 1023) raw = 1022;
  float ldr_ohms = 10000.0f * (1023.0f - raw) / raw;
  // GL5528: about 10 kOhm at 10 lux, gamma 0.7.
  float lux = 10.0f * powf(10000.0f / ldr_ohms, 1.0f / 0.7f);
  return lux > 100000.0f ? 100000.0f : lux;
}

void append_value(char* out, size_t size, const char* key, float value) {
  char number[16];
  dtostrf(value, 1, 1, number);
  size_t used = strlen(out);
  snprintf(out + used, size - used, "%s%s=%s", used ? " " : "", key, number);
}

void send_reading() {
  char reading[96] = "";
  float temp = dht.readTemperature();
  float hum = dht.readHumidity();
  if (!isnan(temp) && !isnan(hum)) {
    append_value(reading, sizeof reading, "temp", temp);
    append_value(reading, sizeof reading, "hum", hum);
  } else {
    Serial.println("[DHT11: no reading; check the wiring]");
  }
  append_value(reading, sizeof reading, "light", read_light());
  size_t used = strlen(reading);
  snprintf(reading + used, sizeof reading - used, " lamp=%d", lamp_on ? 1 : 0);
  send_line(reading);
  awaiting = AWAIT_READING;
  sent_at = millis();
  last_reading_at = sent_at;
  report_now = false;
}

// ---- connection

void disconnect(const char* why) {
  Serial.printf("[Disconnected: %s; next try in %lu ms]\n", why, backoff_ms);
  client.stop();
  online = false;
  awaiting = AWAIT_NOTHING;
  line_length = 0;
  line_overflow = false;
  next_attempt_at = millis() + backoff_ms;
  // Double the pause for next time, randomised so many devices do not return at once.
  unsigned long doubled = backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms * 2;
  backoff_ms = doubled / 2 + random(doubled / 2 + 1);
}

void connect_server() {
  Serial.printf("[Connecting to %s:%u ... ", SERVER_HOST, SERVER_PORT);
  if (!client.connect(SERVER_HOST, SERVER_PORT)) {
    Serial.println("failed]");
    disconnect("connection failed");
    return;
  }
  Serial.println("connected]");
  client.setNoDelay(true);
  missed_replies = 0;
  send_hello();
}

// ---- receiving

bool equals_ignore_case(const char* a, const char* b) { return strcasecmp(a, b) == 0; }

void on_reply(bool ok, const char* text) {
  if (awaiting == AWAIT_NOTHING) return;  // not ours (e.g. a late OK)
  Awaiting was = awaiting;
  awaiting = AWAIT_NOTHING;
  missed_replies = 0;
  if (was == AWAIT_HELLO) {
    if (!ok) {
      Serial.printf("[The server refused our HELLO: %s]\n", text);
      disconnect("HELLO refused");
      return;
    }
    online = true;
    backoff_ms = BACKOFF_MIN_MS;
    send_reading();  // the first values right away
    return;
  }
  if (!ok) Serial.printf("[The server refused the reading: %s]\n", text);
}

void on_command(const char* command) {
  bool known = true;
  bool was_on = lamp_on;
  if (equals_ignore_case(command, "lamp-on") || equals_ignore_case(command, "led-on")) {
    set_lamp(true);
  } else if (equals_ignore_case(command, "lamp-off") || equals_ignore_case(command, "led-off")) {
    set_lamp(false);
  } else {
    known = false;
  }
  if (known) {
    send_line("OK");
  } else {
    char reply[MAX_LINE + 32];
    snprintf(reply, sizeof reply, "ERR unknown command: %s", command);
    send_line(reply);
  }
  if (lamp_on != was_on) report_now = true;
}

void on_line(char* text) {
  // Trim surrounding blanks (and the '\r' of "\r\n").
  while (*text == ' ' || *text == '\t') ++text;
  size_t n = strlen(text);
  while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t')) text[--n] = '\0';
  if (n == 0) return;
  Serial.printf("< %s\n", text);
  if (strcmp(text, "OK") == 0 || strncmp(text, "OK ", 3) == 0) {
    on_reply(true, text);
  } else if (strcmp(text, "ERR") == 0 || strncmp(text, "ERR ", 4) == 0) {
    on_reply(false, text);
  } else {
    on_command(text);
  }
}

void read_lines() {
  while (client.available() > 0) {
    char c = (char)client.read();
    if (c == '\n') {
      if (line_overflow) {
        Serial.println("[Ignored an over-long line from the server]");
      } else {
        line[line_length] = '\0';
        on_line(line);
      }
      line_length = 0;
      line_overflow = false;
      if (!client.connected() && client.available() == 0) return;
    } else if (line_length < MAX_LINE) {
      line[line_length++] = c;
    } else {
      line_overflow = true;
    }
  }
}

// ---- Arduino entry points

void setup() {
  Serial.begin(115200);
  Serial.println();
  Serial.printf("soket device %s\n", DEVICE_ID);
  pinMode(LAMP_PIN, OUTPUT);
  pinMode(LED_BUILTIN, OUTPUT);
  set_lamp(false);
  dht.begin();
  randomSeed(ESP.getChipId() ^ micros());
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  Serial.printf("[Connecting to Wi-Fi %s]\n", WIFI_SSID);
}

void loop() {
  if (WiFi.status() != WL_CONNECTED) {
    // The ESP8266 reconnects to Wi-Fi by itself; the server connection is redone afterwards.
    if (wifi_reported) {
      Serial.println("[Wi-Fi lost]");
      wifi_reported = false;
    }
    if (online || client.connected()) disconnect("Wi-Fi lost");
    delay(100);
    return;
  }
  if (!wifi_reported) {
    Serial.printf("[Wi-Fi connected, IP %s]\n", WiFi.localIP().toString().c_str());
    wifi_reported = true;
  }

  if (!client.connected()) {
    if (online || awaiting != AWAIT_NOTHING) disconnect("closed by the server");
    if ((long)(millis() - next_attempt_at) >= 0) connect_server();
    delay(10);
    return;
  }

  read_lines();
  if (!client.connected()) return;  // handled on the next pass

  unsigned long now = millis();
  if (awaiting != AWAIT_NOTHING && now - sent_at >= REPLY_TIMEOUT_MS) {
    Serial.println("[No reply from the server]");
    Awaiting was = awaiting;
    awaiting = AWAIT_NOTHING;
    if (was == AWAIT_HELLO || ++missed_replies >= MAX_MISSED_REPLIES) {
      disconnect("no replies");
      return;
    }
  }
  if (online && awaiting == AWAIT_NOTHING &&
      (report_now || now - last_reading_at >= READING_INTERVAL_MS)) {
    send_reading();
  }
  delay(10);
}
