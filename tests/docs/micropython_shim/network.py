"""MicroPython's `network`, as far as clients/micropython/main.py uses it: a station that is
connected at once (the PC's own network)."""

STA_IF = 0


class WLAN:
    def __init__(self, interface):
        self.connected = False

    def active(self, on=None):
        return True

    def connect(self, ssid, password):
        self.connected = True

    def isconnected(self):
        return self.connected

    def ifconfig(self):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
