#!/usr/bin/env python3
"""A fake Deezer API on 127.0.0.1 for tests, benchmarks and the embedded example.

    server.py --catalogue FILE --port-file FILE [--port 0] [--faults SPEC] [--log FILE]
              [--window SECONDS] [--quota N/SECONDS] [--preview-ttl SECONDS]
              [--connect-delay SECONDS]

Speaks the real API's format: /search (advanced syntax artist:"X" track:"Y" album:"Z" and
plain text) returns {"data": [track...], "total": N}; /track/<id> returns one track;
/preview/<id>.mp3 serves the catalogue's MP3; errors are the API's error objects sent with
HTTP 200.  /_stats (not counted) returns request counters as JSON.  Fault injection and the
request log are documented in docs/fake-deezer.md.  Python 3 standard library only.
"""

import argparse
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import unicodedata
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_ERRORS = {
    4: ("Exception", "Quota limit exceeded"),
    100: ("Exception", "An exception occurred"),
    500: ("Exception", "An exception occurred"),
    501: ("Exception", "No data"),
    600: ("InvalidQueryException", "Invalid query"),
    700: ("Exception", "The service is busy"),
    800: ("DataException", "no data"),
}

# Fault kinds, and the endpoint each applies to unless on= says otherwise.
FAULT_KINDS = {
    "quota": "search", "busy": "search", "nodata": "search", "badquery": "search",
    "badjson": "search", "notaudio": "preview", "http": "any", "slow": "any",
    "truncate": "any", "reset": "any", "oversize": "any",
}


def fold(s):
    """Case- and accent-insensitive form used for matching."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.casefold().split())


class Fault:
    def __init__(self, item):
        parts = item.split(":")
        kind = parts[0].strip()
        self.status = 0
        m = re.fullmatch(r"http(\d{3})", kind)
        if m:
            kind, self.status = "http", int(m.group(1))
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % kind)
        self.kind, self.on = kind, FAULT_KINDS[kind]
        self.p, self.n, self.match = 1.0, None, None
        self.delay, self.size, self.fired = 5.0, 16 << 20, 0
        for kv in parts[1:]:
            k, sep, v = kv.partition("=")
            if not sep:
                raise ValueError("fault parameter %r is not key=value" % kv)
            if k == "p":
                self.p = float(v)
            elif k == "n":
                self.n = int(v)
            elif k == "match":
                self.match = fold(v)
            elif k == "on":
                if v not in ("search", "preview", "api", "any"):
                    raise ValueError("on= must be search, preview, api or any")
                self.on = v
            elif k == "delay":
                self.delay = float(v)
            elif k == "size":
                self.size = int(v)
            elif k == "status":
                self.status = int(v)
            else:
                raise ValueError("unknown fault parameter %r" % k)
        if self.kind == "http" and not 100 <= self.status <= 599:
            raise ValueError("http fault needs a status (http503 or http:status=503)")

    def applies(self, endpoint, target, rng):
        if self.on == "search" and endpoint != "search":
            return False
        if self.on == "api" and endpoint not in ("search", "track"):
            return False
        if self.on == "preview" and endpoint != "preview":
            return False
        if self.match is not None and self.match not in fold(target):
            return False
        if self.n is not None and self.fired >= self.n:
            return False
        if self.p < 1.0 and rng.random() >= self.p:
            return False
        self.fired += 1
        return True


def parse_faults(spec):
    faults, seed = [], 1
    for item in filter(None, (s.strip() for s in (spec or "").split(","))):
        if item.startswith("seed="):
            seed = int(item[5:])
        else:
            faults.append(Fault(item))
    return faults, random.Random(seed)


class Catalogue:
    def __init__(self, path):
        self.tracks, self.by_id = [], {}
        base = os.path.dirname(os.path.abspath(path))
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n").rstrip("\r")
                if not line or line.startswith("#"):
                    continue
                cols = line.split("\t")
                if len(cols) != 6:
                    sys.exit("%s:%d: expected 6 tab-separated columns" % (path, lineno))
                did, artist, title, album, duration, mp3 = cols
                t = {
                    "id": int(did), "artist": artist, "title": title, "album": album,
                    "duration": int(duration or 0),
                    "mp3": os.path.join(base, mp3) if mp3 else "",
                }
                t["f_artist"], t["f_title"], t["f_album"] = fold(artist), fold(title), fold(album)
                t["f_all"] = " ".join((t["f_artist"], t["f_title"], t["f_album"]))
                self.tracks.append(t)
                self.by_id[t["id"]] = t

    def search(self, q):
        fields = {}
        rest = q
        for m in re.finditer(r'(artist|track|album|label)\s*:\s*"([^"]*)"', q, re.I):
            fields[m.group(1).lower()] = fold(m.group(2))
        rest = re.sub(r'(artist|track|album|label)\s*:\s*"[^"]*"', " ", q, flags=re.I)
        for m in re.finditer(r'(artist|track|album)\s*:\s*(\S+)', rest, re.I):
            fields[m.group(1).lower()] = fold(m.group(2))
        rest = re.sub(r'(artist|track|album)\s*:\s*\S+', " ", rest, flags=re.I)
        words = fold(rest.replace('"', " ")).split()
        out = []
        for t in self.tracks:
            if "artist" in fields and fields["artist"] not in t["f_artist"]:
                continue
            if "track" in fields and fields["track"] not in t["f_title"]:
                continue
            if "album" in fields and fields["album"] not in t["f_album"]:
                continue
            if any(w not in t["f_all"] for w in words):
                continue
            out.append(t)
        return out


class State:
    def __init__(self, args):
        self.catalogue = Catalogue(args.catalogue)
        self.faults, self.rng = parse_faults(args.faults)
        self.window = args.window
        self.quota = None
        if args.quota:
            n, _, s = args.quota.partition("/")
            self.quota = (int(n), float(s))
        self.preview_ttl = args.preview_ttl
        self.connect_delay = args.connect_delay
        self.secret = os.urandom(8).hex()
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1, encoding="utf-8") if args.log else None
        self.start = time.time()
        self.api_times = []          # arrival times of API requests (all of them)
        self.counts = {"api": 0, "search": 0, "track": 0, "preview": 0, "other": 0,
                       "connections": 0, "faults": 0, "quota_errors": 0}

    def pick_fault(self, endpoint, target):
        with self.lock:
            for f in self.faults:
                if f.applies(endpoint, target, self.rng):
                    self.counts["faults"] += 1
                    return f
        return None

    def count(self, endpoint, t):
        """Counts a request; returns True when --quota says it is over the limit."""
        with self.lock:
            self.counts[endpoint] = self.counts.get(endpoint, 0) + 1
            if endpoint not in ("search", "track"):
                return False
            self.counts["api"] += 1
            self.api_times.append(t)
            if self.quota is None:
                return False
            n, secs = self.quota
            recent = sum(1 for x in self.api_times[-(n + 1):] if x > t - secs)
            if recent > n:
                self.counts["quota_errors"] += 1
                return True
            return False

    def write_log(self, t, endpoint, target, status, fault):
        if self.log is None:
            return
        with self.lock:
            self.log.write("%.6f\t%s\t%s\t%d\t%s\n" % (t, endpoint, target.replace("\t", " "),
                                                        status, fault or "-"))

    def stats(self):
        with self.lock:
            times = list(self.api_times)
            out = dict(self.counts)
        w = self.window
        per = {}
        for x in times:
            k = int((x - self.start) // w)
            per[k] = per.get(k, 0) + 1
        out["window"] = w
        out["windows"] = [per.get(k, 0) for k in range(max(per) + 1)] if per else []
        out["max_per_window"] = max(per.values()) if per else 0
        best, j = 0, 0
        for i, x in enumerate(times):
            while times[j] <= x - w:
                j += 1
            best = max(best, i - j + 1)
        out["max_sliding_window"] = best
        out["uptime"] = time.time() - self.start
        return out

    def sign(self, did, exp):
        return hashlib.sha256(("%s:%d:%d" % (self.secret, did, exp)).encode()).hexdigest()[:32]


def track_json(t, base, state):
    exp = int(time.time()) + state.preview_ttl
    preview = ""
    if t["mp3"]:
        preview = "%s/preview/%d.mp3?hdnea=exp=%d~acl=/preview/%d.mp3~hmac=%s" % (
            base, t["id"], exp, t["id"], state.sign(t["id"], exp))
    title_short = re.sub(r"\s*[\(\[].*?[\)\]]", "", t["title"]).strip() or t["title"]
    aid = 1000 + (int(hashlib.md5(t["artist"].encode()).hexdigest()[:6], 16))
    alid = 2000 + (int(hashlib.md5(t["album"].encode()).hexdigest()[:6], 16))
    return {
        "id": t["id"], "readable": True, "title": t["title"], "title_short": title_short,
        "title_version": "", "link": "https://www.deezer.com/track/%d" % t["id"],
        "duration": t["duration"], "rank": 500000 - t["id"] % 1000, "explicit_lyrics": False,
        "explicit_content_lyrics": 0, "explicit_content_cover": 0, "preview": preview,
        "md5_image": "",
        "artist": {"id": aid, "name": t["artist"], "link": "https://www.deezer.com/artist/%d" % aid,
                   "type": "artist"},
        "album": {"id": alid, "title": t["album"], "type": "album"},
        "type": "track",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-deezer/1.0"
    state = None
    # Headers and body leave in one segment: no Nagle/delayed-ACK stalls.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def setup(self):
        super().setup()
        with self.state.lock:
            self.state.counts["connections"] += 1
        if self.state.connect_delay > 0:
            time.sleep(self.state.connect_delay)    # a TLS handshake over a real network

    # A client that hangs up (its timeout, an oversize body abandoned) is
    # normal here, not worth a traceback.
    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def finish(self):
        try:
            super().finish()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, fmt, *args):    # quiet: the --log file is the record
        pass

    def send_body(self, status, body, ctype="application/json; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.status = status

    def send_json(self, obj):
        self.send_body(200, json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def send_error_object(self, code):
        typ, msg = API_ERRORS[code]
        self.send_json({"error": {"type": typ, "message": msg, "code": code}})

    def do_GET(self):
        t = time.time()
        url = urllib.parse.urlsplit(self.path)
        target = urllib.parse.unquote_plus(url.path + ("?" + url.query if url.query else ""))
        if url.path == "/_stats":
            return self.send_json(self.state.stats())
        if url.path == "/search":
            endpoint = "search"
        elif re.fullmatch(r"/track/\d+", url.path):
            endpoint = "track"
        elif re.fullmatch(r"/preview/\d+\.mp3", url.path):
            endpoint = "preview"
        else:
            endpoint = "other"
        self.status = 0
        over = self.state.count(endpoint, t)
        fault = self.state.pick_fault(endpoint, target)
        try:
            if fault is not None:
                self.apply_fault(fault, endpoint, url)
            elif over:
                self.send_error_object(4)
            else:
                self.serve(endpoint, url)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True     # the client gave up (e.g. its timeout)
            self.status = -3
        finally:
            self.state.write_log(t, endpoint, target, self.status,
                                 fault.kind + (str(fault.status) if fault and fault.status else "")
                                 if fault else ("quota-enforced" if over else None))

    def base_url(self):
        return "http://%s" % (self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_port)

    def serve(self, endpoint, url):
        qs = urllib.parse.parse_qs(url.query)
        if endpoint == "search":
            q = qs.get("q", [""])[0]
            if not q.strip():
                return self.send_error_object(501)
            try:
                index = int(qs.get("index", ["0"])[0])
                limit = min(int(qs.get("limit", ["25"])[0]), 100)
            except ValueError:
                return self.send_error_object(600)
            hits = self.state.catalogue.search(q)
            base = self.base_url()
            data = [track_json(x, base, self.state) for x in hits[index:index + limit]]
            out = {"data": data, "total": len(hits)}
            if index + limit < len(hits):
                out["next"] = "%s/search?q=%s&index=%d" % (base, urllib.parse.quote(q), index + limit)
            return self.send_json(out)
        if endpoint == "track":
            tr = self.state.catalogue.by_id.get(int(url.path.split("/")[-1]))
            if tr is None:
                return self.send_error_object(800)
            return self.send_json(track_json(tr, self.base_url(), self.state))
        if endpoint == "preview":
            did = int(url.path.split("/")[-1].split(".")[0])
            tr = self.state.catalogue.by_id.get(did)
            m = re.search(r"exp=(\d+)~acl=[^~]*~hmac=([0-9a-f]+)", url.query)
            if tr is None or not tr["mp3"]:
                return self.send_body(404, b"Not Found", "text/plain")
            if m is None or int(m.group(1)) < time.time() or \
                    self.state.sign(did, int(m.group(1))) != m.group(2):
                return self.send_body(403, b"Forbidden: expired or invalid signature", "text/plain")
            with open(tr["mp3"], "rb") as f:
                body = f.read()
            return self.send_body(200, body, "audio/mpeg")
        return self.send_body(404, json.dumps({"error": {"type": "Exception",
                              "message": "Unknown path", "code": 100}}).encode())

    def apply_fault(self, f, endpoint, url):
        k = f.kind
        if k == "quota":
            return self.send_error_object(4)
        if k == "busy":
            return self.send_error_object(700)
        if k == "nodata":
            return self.send_error_object(800)
        if k == "badquery":
            return self.send_error_object(600)
        if k == "badjson":
            return self.send_body(200, b"<html><body>502 Bad Gateway</body></html>",
                                  "application/json")
        if k == "notaudio":
            return self.send_body(200, b"<html><body>Sorry, this preview is not available"
                                  b"</body></html>" + b" " * 2000, "audio/mpeg")
        if k == "http":
            body = json.dumps({"error": {"type": "Exception", "message": "HTTP %d" % f.status,
                               "code": 0}}).encode()
            self.send_response(f.status)
            if f.status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.status = f.status
            return
        if k == "slow":
            time.sleep(f.delay)
            return self.serve(endpoint, url)
        if k == "truncate":
            # Announce the full length, send half, close: a torn body.
            buf = _CaptureHandler.capture(self, endpoint, url)
            head, _, body = buf.partition(b"\r\n\r\n")
            self.wfile.write(head + b"\r\n\r\n" + body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.status = -1
            return
        if k == "reset":
            self.reset_connection()
            return
        if k == "oversize":
            self.send_response(200)
            self.send_header("Content-Type", "application/json" if endpoint != "preview"
                             else "audio/mpeg")
            self.send_header("Content-Length", str(f.size))
            self.end_headers()
            chunk = (b"ID3" + b"\0" * 65533) if endpoint == "preview" else b" " * 65536
            sent = 0
            try:
                while sent < f.size:
                    n = min(len(chunk), f.size - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            self.status = 200
            return

    def reset_connection(self):
        self.close_connection = True
        self.status = -2
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _CaptureHandler:
    """Renders a normal response into bytes (headers + body) for the truncate fault."""

    @staticmethod
    def capture(handler, endpoint, url):
        import io
        real = handler.wfile
        handler.wfile = io.BytesIO()
        try:
            handler.serve(endpoint, url)
            return handler.wfile.getvalue()
        finally:
            # headers may be buffered in _headers_buffer and flushed into BytesIO by end_headers
            handler.wfile = real


def main():
    ap = argparse.ArgumentParser(description="fake Deezer API server")
    ap.add_argument("--catalogue", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--faults", default="")
    ap.add_argument("--log")
    ap.add_argument("--window", type=float, default=5.0,
                    help="window length in seconds for the request counters (default 5)")
    ap.add_argument("--quota", help="N/SECONDS: answer quota errors above this rate, like Deezer")
    ap.add_argument("--preview-ttl", type=int, default=3600,
                    help="seconds a signed preview URL stays valid (default 3600)")
    ap.add_argument("--connect-delay", type=float, default=0.0,
                    help="seconds to stall every new connection before reading from it, "
                         "standing in for TCP and TLS handshakes over a network (default 0)")
    args = ap.parse_args()
    try:
        state = State(args)
    except (OSError, ValueError) as e:
        print("server.py: %s" % e, file=sys.stderr)
        return 2
    Handler.state = state

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    httpd = Server(("127.0.0.1", args.port), Handler)
    port = httpd.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        httpd.serve_forever(poll_interval=0.1)
    finally:
        httpd.server_close()
        if state.log:
            state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
