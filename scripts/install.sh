#!/bin/sh
# Quick start, step one: install what berth needs on Debian 12, build it, and start
# the daemon with its embedded defaults (unix:///var/run/berth.sock, /var/lib/berth).
# Safe to run again: it installs only what is missing and leaves a running berth alone.
#
#   ./scripts/install.sh              install, build, start the daemon
#   ./scripts/install.sh --no-start   install and build only (what CI does)
#
# Run as root. Needs only the Debian archive and the npm registry.
set -eu

START=1
for arg in "$@"; do
	case "$arg" in
	--no-start) START=0 ;;
	-h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "install.sh: unknown argument: $arg" >&2; exit 2 ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "install.sh: run as root (berth manages mounts, namespaces and iptables)" >&2
	exit 1
fi
cd "$(dirname "$0")/.."
REPO=$(pwd)
SOCK=/var/run/berth.sock
LOG=/var/log/berth.log

say() { printf '==> %s\n' "$*"; }

# --- Debian packages --------------------------------------------------------
# build-essential, python3: node-gyp builds better-sqlite3 and berth's addon.
# libjson-c-dev, libseccomp-dev: berth-shim reads the OCI config.json and installs the
# seccomp filter (both linked statically into the shim).
# busybox-static: fixture images for the tests. docker-registry: registry tests.
# tini: its static build is the init that `docker run --init` runs as PID 1.
# iptables, iproute2: container networking. procps: ps/pgrep for the tests.
# docker-compose, python3-docker: Debian's compose 1.29 and docker-py, clients the tests drive.
# apache2-utils: ab, the HTTP load for the published-port benchmark (a connection per request).
# git: clones the git URLs a build's remote= context names.
# openssl: the TLS tests make their own CA and certificates with it.
# docker.io: the docker CLI 20.10 and the reference dockerd for interop tests and
# benchmarks (never started by this script).
PACKAGES="ca-certificates build-essential python3 pkg-config libjson-c-dev libseccomp-dev busybox-static tini docker-registry iptables iproute2 procps docker.io docker-compose python3-docker apache2-utils git openssl"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then PACKAGES="$PACKAGES nodejs npm"; fi

MISSING=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || MISSING="$MISSING $p"
done
if [ -n "$MISSING" ]; then
	say "apt-get install$MISSING"
	# Package scripts must not start services here (docker.io would start dockerd):
	# policy-rc.d exit 101 tells invoke-rc.d and deb-systemd-invoke "not now".
	POLICY=/usr/sbin/policy-rc.d
	OWN_POLICY=0
	if [ ! -e "$POLICY" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$POLICY"
		chmod 755 "$POLICY"
		OWN_POLICY=1
	fi
	trap '[ "$OWN_POLICY" = 1 ] && rm -f "$POLICY"' EXIT
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends $MISSING
	case " $MISSING " in
	*" docker.io "*)
		# Nor at boot: the reference daemon runs only when a test or bench starts it.
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable docker.service docker.socket >/dev/null 2>&1 || true
		fi
		;;
	esac
else
	say "Debian packages: all present"
fi

# Debian 12 ships Node 18; berth needs 20. The npm registry carries Node itself.
if [ "$(node_major)" -lt 20 ]; then
	say "installing Node 20 from the npm registry"
	npm install -g node@20
	hash -r
fi

# --- npm dependencies and the build -----------------------------------------
# node-gyp would fetch Node's headers from nodejs.org; use the installed ones.
NODE_PREFIX=$(dirname "$(dirname "$(command -v node)")")
if [ -f "$NODE_PREFIX/include/node/common.gypi" ]; then export npm_config_nodedir="$NODE_PREFIX"; fi

if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
	say "npm dependencies: up to date"
elif [ -f package-lock.json ]; then
	say "npm ci"
	npm ci --no-audit --no-fund
else
	say "npm install"
	npm install --no-audit --no-fund
fi
say "npm run build"
npm run build --silent

# --- the daemon -------------------------------------------------------------
[ "$START" = 1 ] || { say "built; not starting the daemon (--no-start)"; exit 0; }

ping_berth() {
	node -e '
		const r = require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 1000 },
			(res) => process.exit(res.statusCode === 200 ? 0 : 1));
		r.on("error", () => process.exit(1));
		r.on("timeout", () => process.exit(1));' "$SOCK"
}

if ping_berth; then
	say "berth is already running on unix://$SOCK"
else
	say "starting berth -d (log: $LOG)"
	# setsid + nohup: the daemon outlives this shell and its terminal.
	setsid nohup node "$REPO/dist/src/cli/main.js" -d </dev/null >>"$LOG" 2>&1 &
	i=0
	until ping_berth; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then
			echo "install.sh: berth did not answer on $SOCK; last lines of $LOG:" >&2
			tail -n 20 "$LOG" >&2
			exit 1
		fi
		sleep 0.2
	done
	say "berth is running (pid $(cat /var/run/berth.pid 2>/dev/null || echo '?'))"
fi
cat <<EOM

Use it with the docker CLI:
    export DOCKER_HOST=unix://$SOCK
    docker version
Stop it with:  kill \$(cat /var/run/berth.pid)
EOM
