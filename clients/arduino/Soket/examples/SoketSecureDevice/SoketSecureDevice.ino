// SoketSecureDevice: the same device over TLS, for a hub started with `--tls-devices` (or
// `[tls] devices = true`): WiFiClientSecure checks the hub's certificate against the CA below.
// docs/devices.md ("TLS") says how to get that CA and what the hub needs.

#include <Arduino.h>
#include <Soket.h>
#include <WiFiClientSecure.h>
#if defined(ESP32)
#include <WiFi.h>
#else
#include <ESP8266WiFi.h>
#endif

const char* WIFI_SSID = "your-wifi";
const char* WIFI_PASSWORD = "your-password";
const char* SERVER_HOST = "hub.example.org";  // must be a name (or IP) in the certificate
const uint16_t SERVER_PORT = 2004;
const char* DEVICE_ID = "lamp-1";
const char* DEVICE_TOKEN = "device-secret";  // over TLS the token cannot be read on the way

// The CA that signed the hub's certificate (PEM), e.g. ISRG Root X1 for a Let's Encrypt one.
const char HUB_CA[] PROGMEM = R"PEM(
-----BEGIN CERTIFICATE-----
...paste the CA certificate here...
-----END CERTIFICATE-----
)PEM";

WiFiClientSecure tls;
SoketDevice device(tls, SERVER_HOST, SERVER_PORT, DEVICE_ID);
const uint8_t LAMP_PIN = 5;
unsigned long lastReadingAt = 0;

const char* onCommand(const char* command) {
  if (strcmp(command, "lamp-on") == 0) digitalWrite(LAMP_PIN, HIGH);
  else if (strcmp(command, "lamp-off") == 0) digitalWrite(LAMP_PIN, LOW);
  else return "unknown command";
  return nullptr;
}

void setup() {
  Serial.begin(115200);
  pinMode(LAMP_PIN, OUTPUT);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  while (WiFi.status() != WL_CONNECTED) delay(100);
  configTime(0, 0, "pool.ntp.org");  // certificates need the right time
  while (time(nullptr) < 1700000000) delay(100);
#if defined(ESP32)
  tls.setCACert(HUB_CA);
#else
  static BearSSL::X509List ca(HUB_CA);
  tls.setTrustAnchors(&ca);
#endif
  device.setToken(DEVICE_TOKEN);
  device.setKind("lamp");
  device.onCommand(onCommand);
  device.setLog(&Serial);
}

void loop() {
  device.loop();
  if (device.ready() && (lastReadingAt == 0 || millis() - lastReadingAt >= 10000)) {
    SoketReading reading;
    reading.add("lamp", (long)digitalRead(LAMP_PIN));
    device.send(reading);
    lastReadingAt = millis();
  }
  delay(10);
}
