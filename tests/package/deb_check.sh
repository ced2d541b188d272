#!/usr/bin/env bash
# package.deb: builds the `soket` Debian package from this build (cpack, server component) and
# checks it: the files it holds, its control fields and maintainer scripts, the conffile, the man
# page, and the systemd unit with `systemd-analyze verify` in a root made of the package's files
# plus this system's units. Usage: deb_check.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/soket-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$build" && cpack -G DEB -D CPACK_COMPONENTS_ALL=server -B "$work/out" >/dev/null)
deb=$(ls "$work"/out/soket_*_amd64.deb 2>/dev/null | head -1)
[[ -n $deb ]] || fail "cpack made no soket_*_amd64.deb"
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/soket ./usr/lib/systemd/system/soket.service ./etc/soket/soket.toml \
         ./usr/share/man/man1/soket.1.gz ./usr/share/soket/web/index.html \
         ./usr/share/soket/web/app.js; do
  grep -qx "$f" <<<"$contents" || fail "$f is not in the package"
done
grep -q '^./usr/include\|^./usr/lib/.*\.a$' <<<"$contents" && fail "library files in the server package"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == soket ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$("$build/src/soket/cli/soket" --version | cut -d' ' -f2)-1" ]] ||
  fail "Version $(field Version) is not soket --version's"
for dep in adduser libssl3 libsqlite3-0; do
  field Depends | grep -q "$dep" || fail "Depends lacks $dep: $(field Depends)"
done
dpkg-deb -e "$deb" "$work/control"
[[ $(cat "$work/control/conffiles") == /etc/soket/soket.toml ]] || fail "conffiles"
for script in postinst prerm postrm; do
  [[ -x $work/control/$script ]] || fail "no executable $script"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done
grep -q "adduser --system" "$work/control/postinst" || fail "postinst does not create the user"

root=$work/root
dpkg-deb -x "$deb" "$root"
# The binary runs and the config it ships is one it accepts (ports and data moved aside).
"$root/usr/bin/soket" --version
mkdir "$work/data"
for attempt in 1 2 3 4 5; do  # a random port may be taken: then another
  port=$((20000 + RANDOM % 10000))
  "$root/usr/bin/soket" serve --config "$root/etc/soket/soket.toml" --bind 127.0.0.1 \
    --http-port "$port" --tcp-port $((port + 1)) --udp-port $((port + 1)) \
    --chat-port $((port + 2)) --data-dir "$work/data" >"$work/serve.log" 2>&1 &
  serve=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$work/serve.log" && break
    kill -0 "$serve" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "listening on" "$work/serve.log" && break
  wait "$serve" || true
done
kill "$serve"
wait "$serve" || fail "soket serve with the packaged config: exit $? ($(cat "$work/serve.log"))"
grep -q "listening on" "$work/serve.log" || fail "the packaged config: $(cat "$work/serve.log")"
zcat "$root/usr/share/man/man1/soket.1.gz" | grep -q '^\.SH "SOKET SERVE"' || fail "man page"
unit=$root/usr/lib/systemd/system/soket.service
grep -qx "User=soket" "$unit" || fail "the unit does not run as soket"
grep -qx "StateDirectory=soket" "$unit" || fail "no /var/lib/soket state directory"
grep -qx "Restart=on-failure" "$unit" || fail "no restart on failure"
grep -qx "KillSignal=SIGTERM" "$unit" || fail "no graceful SIGTERM stop"
# systemd-analyze verify resolves the unit's dependencies and commands inside --root.
cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
mkdir -p "$root/usr/bin" && cp -a /usr/bin/kill "$root/usr/bin/kill"  # procps, the ExecReload
out=$(systemd-analyze verify --man=no --root="$root" "$unit" 2>&1) || fail "systemd-analyze: $out"
[[ -z $out ]] || fail "systemd-analyze warns: $out"
echo "ok: contents, control, scripts, conffile, man page, systemd-analyze verify"
