#!/usr/bin/env bash
# Builds the root filesystem every Agora image starts from, out of this machine's JDK and C
# library, so that no base image has to be pulled from a container registry (none is reachable
# from the build machines): a jlink'ed Java runtime at /opt/java, the shared libraries it loads
# (found with ldd, headless: the AWT libraries are left out), the NSS modules for name
# resolution, /etc/passwd with the unprivileged user 65534, and a world-writable /tmp.
#
# usage: images/base-rootfs.sh <output dir>
set -euo pipefail
out=${1:?usage: base-rootfs.sh <output dir>}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java)")")")}
jlink=$java_home/bin/jlink
[ -x "$jlink" ] || jlink=$(command -v jlink)

# same input → same output: skip when the stamp matches this JDK and this script
stamp="$("$java_home/bin/java" -version 2>&1 | head -1) $(sha256sum "$0" | cut -c1-16)"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  exit 0
fi
rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/proc" "$out/deployments"

# Java SE (Quarkus and its libraries touch java.rmi, java.desktop, ...) plus the JDK modules they use; jdk.compiler lets
# the provider agent's JVM runtime run single-file Java programs
"$jlink" --add-modules java.se,jdk.unsupported,jdk.httpserver,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.zipfs,jdk.management,jdk.naming.dns,jdk.compiler,jdk.jfr \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/opt/java"

copy_lib() {  # copy a library keeping its path, following the symlink to the real file
  local lib=$1
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
}
core=("$out/opt/java/bin/java" "$out/opt/java/lib/server/libjvm.so")
for so in "$out"/opt/java/lib/*.so; do
  case $(basename "$so") in
    libawt_xawt.so|libjawt.so|libsplashscreen.so|libjsound.so|libfontmanager.so|liblcms.so|libjavajpeg.so|libmlib_image.so) ;;
    *) core+=("$so") ;;
  esac
done
ldd "${core[@]}" 2>/dev/null | awk '/=> \// {print $3}' | grep -E '^/(usr/)?lib' | sort -u | while read -r lib; do
  copy_lib "$lib"
done
loader=$(ldd "$out/opt/java/bin/java" | awk '/ld-linux/ {print $1}')
copy_lib "$loader"
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -e "$lib" ] && copy_lib "$lib"
done

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo "hosts: files dns" > "$out/etc/nsswitch.conf"
chmod 1777 "$out/tmp"
echo "$stamp" > "$out/.stamp"
