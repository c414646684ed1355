"""vehicle-speed as an HTTP-mode function: GPS pings in, speeds out.

The request body is CSV lines "vehicle,timestamp,lat,lon"; the response has a header "vehicle,from,to,km,kmh", then
one line per pair of consecutive pings of a vehicle, exactly as examples/vehicle-speed/handler.sh answers (same lines,
same rounding: printf's %.4f and %.2f).
"""
import math
import os
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RADIUS_KM = 6371.0088
TIMESTAMP = re.compile(r"[0-9]+(\.[0-9]+)?")
NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")  # the numeric prefix awk reads ("abc" is 0)


def number(field):
    match = NUMBER.match(field)
    return float(match.group()) if match else 0.0


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    s1 = math.sin((p2 - p1) / 2)
    s2 = math.sin(math.radians(lon2 - lon1) / 2)
    a = s1 * s1 + math.cos(p1) * math.cos(p2) * s2 * s2
    return 2 * RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def speeds(pings):
    out = ["vehicle,from,to,km,kmh"]
    last = {}
    for line in pings.split("\n"):
        f = line.removesuffix("\r").split(",")
        if len(f) < 4 or not TIMESTAMP.fullmatch(f[1]):
            continue  # a header, a blank or a broken line
        lat, lon = number(f[2]), number(f[3])
        previous = last.get(f[0])
        if previous is not None and float(f[1]) > float(previous[0]):
            d = km(previous[1], previous[2], lat, lon)
            kmh = d * 3600 / (float(f[1]) - float(previous[0]))
            out.append("%s,%s,%s,%.4f,%.2f" % (f[0], previous[0], f[1], d, kmh))
        last[f[0]] = (f[1], lat, lon)
    return "\n".join(out) + "\n"


class VehicleSpeed(BaseHTTPRequestHandler):
    # headers and body leave in two writes: without TCP_NODELAY each answer waits ~40 ms for a delayed ACK
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = speeds(body.decode("utf-8")).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ.get("PORT", "8080"))), VehicleSpeed).serve_forever()
