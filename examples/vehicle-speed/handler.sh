#!/bin/sh
# vehicle-speed: GPS pings in, speeds out.
#
# stdin:  CSV lines "vehicle,timestamp,lat,lon" (timestamp in epoch seconds, lat/lon in decimal
#         degrees); a header line or any line whose timestamp is not a number is skipped.
# stdout: "vehicle,from,to,km,kmh" per pair of consecutive pings of the same vehicle (in input
#         order): the great-circle (haversine) distance in km and the average speed in km/h.
#         A ping not later than the vehicle's previous one starts a new segment without a speed.
#
# Runs on busybox awk without its math library (Debian's busybox-static has no sin, cos, sqrt
# or atan2), so those are computed here with range reduction and series.
exec awk -F, '
function sine(x,    term, sum, n) {
    x = x - TWO_PI * int(x / TWO_PI)
    if (x > PI) x -= TWO_PI
    if (x < -PI) x += TWO_PI
    term = x; sum = x
    for (n = 1; n < 30; n++) {
        term = -term * x * x / ((2 * n) * (2 * n + 1))
        sum += term
    }
    return sum
}
function cosine(x) { return sine(x + PI / 2) }
function root(x,    r, i) {
    if (x <= 0) return 0
    r = x > 1 ? x : 1
    for (i = 0; i < 100; i++) r = (r + x / r) / 2
    return r
}
function arctan(x,    sum, term, n, doubled) {
    if (x < 0) return -arctan(-x)
    if (x > 1) return PI / 2 - arctan(1 / x)
    doubled = 1
    while (x > 0.1) { x = x / (1 + root(1 + x * x)); doubled *= 2 }
    sum = x; term = x
    for (n = 1; n < 30; n++) {
        term = -term * x * x
        sum += term / (2 * n + 1)
    }
    return doubled * sum
}
function arcsin(s) { return s >= 1 ? PI / 2 : arctan(s / root(1 - s * s)) }
function km(lat1, lon1, lat2, lon2,    p1, p2, dp, dl, a, s1, s2) {
    p1 = lat1 * PI / 180; p2 = lat2 * PI / 180
    dp = p2 - p1; dl = (lon2 - lon1) * PI / 180
    s1 = sine(dp / 2); s2 = sine(dl / 2)
    a = s1 * s1 + cosine(p1) * cosine(p2) * s2 * s2
    return 2 * RADIUS_KM * arcsin(root(a))
}
BEGIN { PI = 3.14159265358979323846; TWO_PI = 2 * PI; RADIUS_KM = 6371.0088; print "vehicle,from,to,km,kmh" }
{
    sub(/\r$/, "")
    if (NF < 4 || $2 !~ /^[0-9]+(\.[0-9]+)?$/) next
    v = $1
    if ((v in last) && $2 > last[v]) {
        d = km(lat[v], lon[v], $3, $4)
        printf "%s,%s,%s,%.4f,%.2f\n", v, last[v], $2, d, d * 3600 / ($2 - last[v])
    }
    last[v] = $2; lat[v] = $3; lon[v] = $4
}'
