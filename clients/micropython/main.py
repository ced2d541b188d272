# main.py for a MicroPython board (ESP32 or ESP8266): joins Wi-Fi, then sends a DHT11's temperature
# and humidity every 5 s to a soket hub and switches a lamp (an LED or a relay) on its commands.
# Copy soket_device.py and this file to the board (mpremote cp soket_device.py main.py :), change
# the settings below, and reset the board. See docs/devices.md.

import time

import dht
import machine
import network

from soket_device import Refused, SoketDevice

# -- settings -------------------------------------------------------------------------------------
WIFI_SSID = "your-wifi"
WIFI_PASSWORD = "your-password"
SERVER_HOST = "192.168.1.10"  # the machine running `soket serve`
SERVER_PORT = 2004            # its device port
DEVICE_ID = "greenhouse-1"    # 1-64 characters: A-Z a-z 0-9 _ . : -
DEVICE_TOKEN = ""             # the hub's device token, if it requires one
DEVICE_GROUP = "greenhouses"  # for `group:<name>` commands ("" for none)
DEVICE_KIND = "greenhouse"    # lamp, light, greenhouse or sensor
DHT_PIN = 4                   # GPIO of the DHT11's data pin (D2 on a NodeMCU)
LAMP_PIN = 5                  # GPIO of the lamp (D1 on a NodeMCU)
INTERVAL_MS = 5000
# -------------------------------------------------------------------------------------------------


def join_wifi():
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        wlan.connect(WIFI_SSID, WIFI_PASSWORD)
        while not wlan.isconnected():
            time.sleep(0.2)
    print("Wi-Fi:", wlan.ifconfig()[0])


def main(rounds=None):
    lamp = machine.Pin(LAMP_PIN, machine.Pin.OUT, value=0)
    sensor = dht.DHT11(machine.Pin(DHT_PIN))

    def on_command(text):
        if text in ("lamp-on", "led-on"):
            lamp.value(1)
            return True
        if text in ("lamp-off", "led-off"):
            lamp.value(0)
            return True
        return "unknown command: " + text

    def read_values():
        values = {"lamp": lamp.value()}
        try:
            sensor.measure()
            values["temp"] = sensor.temperature()
            values["hum"] = sensor.humidity()
        except OSError:
            print("DHT11: no reading; check the wiring")
        return values

    join_wifi()
    device = SoketDevice(SERVER_HOST, DEVICE_ID, port=SERVER_PORT, token=DEVICE_TOKEN or None,
                         group=DEVICE_GROUP or None, kind=DEVICE_KIND, on_command=on_command)
    try:
        device.run(read_values, interval_ms=INTERVAL_MS, rounds=rounds)
    except Refused as e:
        print("the hub refused this device:", e)


if __name__ == "__main__":
    main()
