"""MicroPython's `dht` module for tests: a DHT11 that reads 24 degrees and 55 % humidity."""


class DHT11:
    def __init__(self, pin):
        self.pin = pin

    def measure(self):
        pass

    def temperature(self):
        return 24

    def humidity(self):
        return 55
