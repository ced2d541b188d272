// SoketDevice: an ESP8266 or ESP32 board as a soket device. Sends a DHT11's temperature and
// humidity and a light sensor's level every 5 s, switches a lamp on the hub's commands
// (lamp-on / lamp-off), and reconnects by itself. Wiring and settings: docs/devices.md.
//
// Libraries: Soket (this one), "DHT sensor library" by Adafruit.

#include <Arduino.h>
#include <DHT.h>
#include <Soket.h>
#if defined(ESP32)
#include <WiFi.h>
#else
#include <ESP8266WiFi.h>
#endif

// ---- settings
const char* WIFI_SSID = "your-wifi";
const char* WIFI_PASSWORD = "your-password";
const char* SERVER_HOST = "192.168.1.10";  // the machine running `soket serve`
const uint16_t SERVER_PORT = 2004;         // its device port
const char* DEVICE_ID = "greenhouse-1";    // 1-64 characters: A-Z a-z 0-9 _ . : -
const char* DEVICE_TOKEN = "";             // the hub's device token, if it requires one
const uint8_t DHT_PIN = 4;                 // GPIO4 = D2 on a NodeMCU
const uint8_t LAMP_PIN = 5;                // GPIO5 = D1 on a NodeMCU
const uint8_t LIGHT_PIN = A0;
const unsigned long READING_INTERVAL_MS = 5000;
// ----

WiFiClient wifi;
SoketDevice device(wifi, SERVER_HOST, SERVER_PORT, DEVICE_ID);
DHT dht(DHT_PIN, DHT11);
bool lampOn = false;
unsigned long lastReadingAt = 0;

const char* onCommand(const char* command) {
  if (strcmp(command, "lamp-on") == 0 || strcmp(command, "led-on") == 0) {
    lampOn = true;
  } else if (strcmp(command, "lamp-off") == 0 || strcmp(command, "led-off") == 0) {
    lampOn = false;
  } else {
    return "unknown command";  // answered ERR #<id> unknown command
  }
  digitalWrite(LAMP_PIN, lampOn ? HIGH : LOW);
  lastReadingAt = 0;  // report the new lamp state right away
  return nullptr;     // answered OK #<id>
}

void setup() {
  Serial.begin(115200);
  pinMode(LAMP_PIN, OUTPUT);
  dht.begin();
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  device.setToken(DEVICE_TOKEN);
  device.setGroup("greenhouses");
  device.setKind("greenhouse");
  device.onCommand(onCommand);
  device.setLog(&Serial);
}

void loop() {
  if (WiFi.status() != WL_CONNECTED) {
    delay(100);
    return;
  }
  device.loop();
  if (device.ready() && (lastReadingAt == 0 || millis() - lastReadingAt >= READING_INTERVAL_MS)) {
    SoketReading reading;
    float temp = dht.readTemperature(), hum = dht.readHumidity();
    if (!isnan(temp) && !isnan(hum)) reading.add("temp", temp).add("hum", hum);
    reading.add("light", (long)analogRead(LIGHT_PIN)).add("lamp", (long)lampOn);
    device.send(reading);
    lastReadingAt = millis();
  }
  delay(10);
}
