"""The part of MicroPython's `machine` that clients/micropython/main.py uses, for running it on a
PC in tests: a Pin that remembers its value."""


class Pin:
    OUT = 1
    IN = 0
    pins = {}

    def __init__(self, number, mode=IN, value=None):
        self.number = number
        Pin.pins[number] = self
        self._value = 0 if value is None else value

    def value(self, v=None):
        if v is None:
            return self._value
        self._value = 1 if v else 0
        return None
