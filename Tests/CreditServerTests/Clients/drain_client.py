"""Keep-alive load on the score service while it shuts down: counts every request that was sent
in full and got no answer (a reset or an end of stream instead of a response).

Each worker keeps one connection and sends POSTs back to back (a new event id each); after a
response with `Connection: close` it reconnects; a refused connection (the listener is closed)
ends the worker. Once every worker has had an answer on its connection, "ready" goes to standard
error (the test shuts the server down after it, so no connection is still waiting in the kernel's
accept queue, which the kernel resets when the listener closes). Prints one JSON object: answered
statuses, dropped count, refused count.
usage: drain_client.py PORT KEY BODY_FILE WORKERS SECONDS
"""
import json
import socket
import sys
import threading
import time

port, key, body_file, workers, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
template = open(body_file, encoding="utf-8").read()
lock = threading.Lock()
result = {"statuses": {}, "dropped": 0, "refused": 0, "answered_201": 0}
counter = [0]
established = [0]


def next_body():
    with lock:
        counter[0] += 1
        number = counter[0]
    return template.replace("EVENT_ID", "evt-drain-%d" % number).encode()


def read_response(conn):
    """(status, close) of one response, or None when the stream ended or was reset first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip() for line in lines[1:]}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return status, headers.get("connection", "").lower() == "close"


def worker():
    deadline = time.time() + seconds
    conn = None
    first = True
    while time.time() < deadline:
        if conn is None:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            except (ConnectionRefusedError, OSError):
                with lock:
                    result["refused"] += 1
                return
        body = next_body()
        request = (
            "POST /api/v1/scores HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (key, len(body))
        ).encode() + body
        try:
            conn.sendall(request)
            response = read_response(conn)
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            response = None
        if response is None:
            with lock:
                result["dropped"] += 1
            conn.close()
            conn = None
            continue
        status, close = response
        with lock:
            result["statuses"][str(status)] = result["statuses"].get(str(status), 0) + 1
            if status == 201:
                result["answered_201"] += 1
            if first:
                first = False
                established[0] += 1
                if established[0] == workers:
                    sys.stderr.write("ready\n")
                    sys.stderr.flush()
        if close:
            conn.close()
            conn = None


threads = [threading.Thread(target=worker) for _ in range(workers)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(result, sort_keys=True))
