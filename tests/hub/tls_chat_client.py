"""One python-socketio session over https:// or wss:// for test_tls.py, in a process of its own.

The Debian python-socketio 5.7 client has two faults of its own over TLS: disconnect() leaves its
threads running (a later connection in the same process may get the old descriptor number and a
leftover thread then writes into its TLS stream), and over wss:// it now and then drops its own
stream. So test_tls.py runs each session in this short-lived process: connect with the test CA,
call one event and wait for its ack, wait for the WebSocket upgrade when both transports are
allowed, print each result as a JSON line on stdout, and leave without waiting for the threads.

Exit status: 0 done; 75 (EX_TEMPFAIL) the stream dropped on the client's side (python-engineio's
transport failed after it had connected, or the connection attempt broke inside the TLS stream),
worth another try; 1 any other failure, said on stderr.
"""

import argparse
import json
import logging
import os
import ssl
import sys
import threading
import time

import requests
import socketio
import websocket

STREAM_DROPPED = 75
FAILED = 1

# python-engineio 4.3's log lines when its transport fails (read or write, polling or WebSocket).
TRANSPORT_FAILURES = ("failed with error", "Server has stopped communicating",
                      "WebSocket connection was closed", "Unexpected error receiving packet",
                      "Unexpected error decoding packet", "WebSocket upgrade failed: connection error",
                      "WebSocket upgrade failed: unexpected")
# What a connection attempt that broke inside the TLS stream says (requests only passes on text).
TLS_STREAM_ERRORS = ("SSLError", "SSLEOFError", "WRONG_VERSION_NUMBER", "UNEXPECTED_EOF",
                     "EOF occurred in violation of protocol", "BAD_RECORD_MAC", "DECRYPTION_FAILED",
                     "Connection reset by peer", "Connection aborted", "RemoteDisconnected")
STREAM_EXCEPTIONS = (ssl.SSLError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                     websocket.WebSocketConnectionClosedException)


class StreamDropped(Exception):
    """The client's own stream broke (exit 75)."""


class Failure(Exception):
    """Anything else (exit 1)."""


class TransportLog(logging.Handler):
    """Keeps python-engineio's log lines from the moment its transport connected."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.connected = False
        self.closing = False  # our own disconnect() makes the same warnings: not kept
        self.lines = []

    def emit(self, record):
        if self.connected and not self.closing:
            self.lines.append(record.getMessage())

    def failures(self):
        return [line for line in self.lines if any(m in line for m in TRANSPORT_FAILURES)]


class WatchedClient(socketio.Client):
    """socketio.Client that notes when its Engine.IO transport connects and drops."""

    def __init__(self, transport_log, **kwargs):
        super().__init__(**kwargs)
        self.transport_log = transport_log
        self.dropped = threading.Event()

    def _handle_eio_connect(self):
        self.transport_log.connected = True
        super()._handle_eio_connect()

    def _handle_eio_disconnect(self):
        if not self.transport_log.closing:
            self.dropped.set()
        super()._handle_eio_disconnect()


def causes(exc):
    """`exc` and the exceptions it was raised from (python-engineio hides the first one)."""
    chain = []
    while exc is not None and len(chain) < 10:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def describe(exc):
    """`exc` and, when python-engineio hid it, the exception underneath."""
    hidden = causes(exc)[-1]
    return f"{exc} ({hidden!r})" if str(hidden) != str(exc) else str(exc)


def broke_inside_tls(exc):
    """True when a failed connection attempt broke inside the TLS stream (not refused, not an
    untrusted certificate)."""
    chain = causes(exc)
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return False
    if any(isinstance(e, STREAM_EXCEPTIONS) for e in chain):
        return True
    text = " ".join(str(e) for e in chain)
    return "CERTIFICATE_VERIFY_FAILED" not in text and any(m in text for m in TLS_STREAM_ERRORS)


def print_result(**result):
    print(json.dumps(result), flush=True)


def run_session(client, args):
    """Connects, calls the event, waits for the upgrade; prints each result. Raises on failure."""
    transports = args.transports.split(",")
    try:
        client.connect(args.url, namespaces=[args.namespace], auth=json.loads(args.auth),
                       transports=transports, wait_timeout=args.timeout)
    except socketio.exceptions.ConnectionError as exc:
        if broke_inside_tls(exc):
            raise StreamDropped(f"connect broke inside the TLS stream: {describe(exc)}") from exc
        raise Failure(f"connect: {describe(exc)}") from exc
    print_result(connected=client.transport())

    acked = threading.Event()
    ack = []
    client.emit(args.event, json.loads(args.data), namespace=args.namespace,
                callback=lambda *values: (ack.extend(values), acked.set()))
    deadline = time.monotonic() + args.timeout
    while not acked.wait(0.05):
        if client.dropped.is_set():
            raise StreamDropped(f"dropped before the ack for {args.event!r}")
        if time.monotonic() > deadline:
            raise Failure(f"no ack for {args.event!r} within {args.timeout} s")
    print_result(ack=ack[0] if len(ack) == 1 else ack)

    if transports == ["polling", "websocket"]:
        deadline = time.monotonic() + args.timeout
        while client.transport() != "websocket" and time.monotonic() < deadline:
            if client.dropped.is_set():
                raise StreamDropped("dropped while waiting for the WebSocket upgrade")
            time.sleep(0.02)
        if client.transport() != "websocket" and client.transport_log.failures():
            raise StreamDropped("the WebSocket upgrade broke")
    print_result(transport=client.transport())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--ca", required=True, help="the CA file to trust (and only it)")
    parser.add_argument("--transports", default="polling,websocket")
    parser.add_argument("--namespace", default="/")
    parser.add_argument("--auth", default="null", help="JSON")
    parser.add_argument("--event", required=True)
    parser.add_argument("--data", default="null", help="JSON")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    transport_log = TransportLog()
    engineio_logger = logging.getLogger("tls_chat_client.engineio")
    engineio_logger.setLevel(logging.INFO)
    engineio_logger.propagate = False
    engineio_logger.addHandler(transport_log)
    session = requests.Session()
    session.verify = args.ca
    session.trust_env = False  # else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would win over `verify`
    client = WatchedClient(transport_log, http_session=session, reconnection=False,
                           engineio_logger=engineio_logger)
    code = 0
    try:
        run_session(client, args)
    except Exception as exc:  # noqa: BLE001 - every failure is sorted into 75 or 1 below
        dropped = client.dropped.is_set() or transport_log.failures()
        if dropped or isinstance(exc, StreamDropped):
            code = STREAM_DROPPED
            print(f"tls_chat_client: the client's stream dropped ({exc}); engine.io said: "
                  f"{transport_log.failures()}", file=sys.stderr)
        else:
            code = FAILED
            print(f"tls_chat_client: {type(exc).__name__}: {exc}; engine.io said: "
                  f"{transport_log.lines[-10:]}", file=sys.stderr)
    finally:
        transport_log.closing = True
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001 - the session is over either way
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # python-socketio's threads may still run: do not wait for them


if __name__ == "__main__":
    main()
