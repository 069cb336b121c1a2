#!/usr/bin/env python3
"""Small helpers for scripts/kafka/broker.sh, standard library only.

  kafka_probe.py free-ports N        N distinct free TCP ports on 127.0.0.1
  kafka_probe.py cluster-id          a random KRaft cluster id (base64url UUID)
  kafka_probe.py ready HOST:PORT     exit 0 when the broker answers a Metadata
                                     request listing at least one broker;
                                     prints why not on stderr otherwise
  kafka_probe.py wait-port-free PORT [SECONDS]
                                     exit 0 once nothing listens on PORT

"ready" speaks the Kafka wire protocol directly (ApiVersions v0, then
Metadata at a version the broker supports) so that readiness costs a few
milliseconds instead of a JVM start.
"""

import base64
import os
import socket
import struct
import sys
import time

API_METADATA = 3
API_VERSIONS = 18
CLIENT_ID = b"trailhound-probe"


class ProbeError(Exception):
    pass


def free_ports(n):
    # Hold every socket open until all are chosen so the ports are distinct.
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def cluster_id():
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")


# --- wire protocol -----------------------------------------------------------

def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProbeError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def _roundtrip(sock, api_key, version, corr, body, flexible_header=False):
    header = struct.pack(">hhih", api_key, version, corr, len(CLIENT_ID)) + CLIENT_ID
    if flexible_header:
        header += b"\x00"  # no tagged fields
    msg = header + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    if size < 4 or size > 64 << 20:
        raise ProbeError("implausible response size %d" % size)
    resp = _recv_exact(sock, size)
    (got,) = struct.unpack(">i", resp[:4])
    if got != corr:
        raise ProbeError("correlation id %d, expected %d" % (got, corr))
    return resp[4:]


class _Reader:
    def __init__(self, data):
        self.d, self.i = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.i)
        self.i += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def uvarint(self):
        shift = result = 0
        while True:
            b = self.d[self.i]
            self.i += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def string(self, compact):
        n = self.uvarint() - 1 if compact else self.take(">h")
        if n < 0:
            return None
        s = self.d[self.i:self.i + n].decode("utf-8", "replace")
        self.i += n
        return s

    def array_len(self, compact):
        return self.uvarint() - 1 if compact else self.take(">i")

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.i += self.uvarint()


def _api_versions(sock):
    r = _Reader(_roundtrip(sock, API_VERSIONS, 0, 1, b""))
    err = r.take(">h")
    if err != 0:
        raise ProbeError("ApiVersions error %d" % err)
    ranges = {}
    for _ in range(r.take(">i")):
        key, lo, hi = r.take(">hhh")
        ranges[key] = (lo, hi)
    return ranges


def _metadata(sock, version):
    """Metadata for no topics; returns (brokers, cluster_id, controller_id)."""
    flexible = version >= 9
    if flexible:
        body = b"\x01"  # compact array, empty: no topics
        body += b"\x00"  # allow_auto_topic_creation
        if version <= 10:
            body += b"\x00"  # include_cluster_authorized_operations
        body += b"\x00"  # include_topic_authorized_operations
        body += b"\x00"  # tagged fields
    else:
        body = struct.pack(">i", 0)  # empty array: no topics (v1+)
        if version >= 4:
            body += b"\x00"  # allow_auto_topic_creation
        if version >= 8:
            body += b"\x00\x00"  # include cluster/topic authorized operations
    data = _roundtrip(sock, API_METADATA, version, 2, body, flexible_header=flexible)
    r = _Reader(data)
    if flexible:
        r.skip_tags()  # response header v1
    if version >= 3:
        r.take(">i")  # throttle_time_ms
    brokers = []
    for _ in range(r.array_len(flexible)):
        node = r.take(">i")
        host = r.string(flexible)
        port = r.take(">i")
        r.string(flexible)  # rack
        if flexible:
            r.skip_tags()
        brokers.append((node, host, port))
    cid = r.string(flexible) if version >= 2 else None
    controller = r.take(">i")
    return brokers, cid, controller


def ready(host, port, timeout=3.0):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        ranges = _api_versions(sock)
        if API_METADATA not in ranges:
            raise ProbeError("broker lists no Metadata API")
        lo, hi = ranges[API_METADATA]
        if lo <= 8 <= hi:
            version = 8
        elif hi < 8:
            version = hi
        else:
            version = min(max(lo, 12), hi)
        if version < 1:
            raise ProbeError("broker supports only Metadata v0")
        brokers, cid, controller = _metadata(sock, version)
        if not brokers:
            raise ProbeError("Metadata v%d lists no broker yet" % version)
        return brokers, cid, controller


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "free-ports":
        print(" ".join(str(p) for p in free_ports(int(argv[2]))))
        return 0
    if cmd == "cluster-id":
        print(cluster_id())
        return 0
    if cmd == "ready":
        host, _, port = argv[2].rpartition(":")
        try:
            brokers, cid, controller = ready(host, int(port))
        except (OSError, ProbeError, struct.error, IndexError) as e:
            print("not ready: %s" % (e or type(e).__name__), file=sys.stderr)
            return 1
        print("ready: cluster %s, brokers %s" % (cid, ", ".join(
            "%d@%s:%d" % b for b in brokers)))
        return 0
    if cmd == "wait-port-free":
        port = int(argv[2])
        deadline = time.monotonic() + (float(argv[3]) if len(argv) > 3 else 10)
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            except OSError:
                return 0
            time.sleep(0.2)
        return 1
    print("unknown command %r" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
