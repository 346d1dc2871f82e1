#!/usr/bin/env bash
# rabbitmq.sh start|stop|restart DIR — a private RabbitMQ broker (Debian's
# rabbitmq-server) for tests and benchmarks: its own node name, ports, data
# and log folders, configuration (no management plugin) and Erlang cookie,
# all under DIR, so that it never meets the system's broker or another
# engineer's. `start` prints the broker's URL (amqp://127.0.0.1:PORT/, user
# guest, password guest, allowed from this machine only) once it accepts
# connections; it also listens with TLS at the URL in DIR/amqps.url, with a
# certificate for 127.0.0.1 signed by the private authority DIR/tls/ca.pem.
# `restart` keeps DIR's ports and data (durable queues and persistent
# messages survive it); `stop` ends it. Exit 3 when
# rabbitmq-server is not installed (`make deps-test` installs it).
set -euo pipefail

usage() { echo "usage: $0 start|stop|restart DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
verb=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
bin=/usr/lib/rabbitmq/bin
[ -x "$bin/rabbitmq-server" ] || { echo "rabbitmq-server is not installed (apt-get install rabbitmq-server)" >&2; exit 3; }

# free_port prints a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# certificates makes a private certificate authority and the broker's
# certificate for 127.0.0.1, signed by it, under DIR/tls.
certificates() {
	local t="$dir/tls"
	mkdir -p "$t"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kidney3d test CA" \
		-keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$t/ext"
	openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
		-extfile "$t/ext" -out "$t/server.pem" 2>/dev/null
	chmod 644 "$t"/*
}

# environment writes (once) and loads DIR/env: the node's private settings.
environment() {
	if [ ! -f "$dir/env" ]; then
		mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
		head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/home/.erlang.cookie"
		chmod 400 "$dir/home/.erlang.cookie"
		local port tls
		port=$(free_port)
		tls=$(free_port)
		certificates
		cat >"$dir/rabbitmq.conf" <<-EOF
			listeners.tcp.default = 127.0.0.1:$port
			listeners.ssl.default = 127.0.0.1:$tls
			ssl_options.cacertfile = $dir/tls/ca.pem
			ssl_options.certfile = $dir/tls/server.pem
			ssl_options.keyfile = $dir/tls/server.key
			ssl_options.verify = verify_none
			ssl_options.fail_if_no_peer_cert = false
			loopback_users.guest = true
			log.file.level = warning
			log.console = false
		EOF
		echo "[]." >"$dir/enabled_plugins.erl"
		cat >"$dir/env" <<-EOF
			export HOME="$dir/home"
			export RABBITMQ_NODENAME="kidney3d-$port@localhost"
			export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
			export RABBITMQ_NODE_PORT=$port
			export KIDNEY3D_TLS_PORT=$tls
			export RABBITMQ_DIST_PORT=$(free_port)
			export ERL_EPMD_PORT=$(free_port)
			export ERL_EPMD_ADDRESS=127.0.0.1
			export RABBITMQ_MNESIA_BASE="$dir/mnesia"
			export RABBITMQ_LOG_BASE="$dir/log"
			export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
			export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins.erl"
			export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
		EOF
	fi
	# shellcheck disable=SC1091
	. "$dir/env"
}

start() {
	environment
	nohup "$bin/rabbitmq-server" >>"$dir/log/server.out" 2>&1 &
	echo $! >"$dir/server.pid"
	for _ in $(seq 1 600); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$RABBITMQ_NODE_PORT") 2>/dev/null; then
			echo "amqp://127.0.0.1:$RABBITMQ_NODE_PORT/"
			echo "amqps://127.0.0.1:$KIDNEY3D_TLS_PORT/" >"$dir/amqps.url"
			return 0
		fi
		if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
			echo "rabbitmq-server ended while starting: see $dir/log" >&2
			tail -n 20 "$dir/log/server.out" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
	echo "rabbitmq-server did not listen on port $RABBITMQ_NODE_PORT within 60 s: see $dir/log" >&2
	stop
	exit 1
}

stop() {
	environment
	[ -f "$dir/server.pid" ] || return 0
	local pid
	pid=$(cat "$dir/server.pid")
	"$bin/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	# The node's epmd, started for its private port, ends with it.
	pkill_epmd
	rm -f "$dir/server.pid"
}

# pkill_epmd ends the epmd that listens on this node's private port only.
pkill_epmd() {
	local pid
	for pid in $(pgrep -x epmd || true); do
		if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "ERL_EPMD_PORT=$ERL_EPMD_PORT"; then
			kill "$pid" 2>/dev/null || true
		fi
	done
}

case $verb in
start) start ;;
stop) stop ;;
restart) stop && start ;;
*) usage ;;
esac
