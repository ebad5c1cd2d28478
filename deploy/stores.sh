#!/usr/bin/env bash
# Starts, stops and reports the five real stores of Projection Hub on a machine without Docker.
#
#   deploy/stores.sh up|down|status [store...]     stores: postgres redis elasticsearch neo4j influxdb
#
# Idempotent: a store this script already runs is reused, one that is missing is installed (Debian
# packages, Maven Central artifacts) and started. Data, logs and pid files live under one run folder
# (default <repo>/.run, git-ignored; PROJHUB_RUN_DIR overrides; a checkout the service users cannot read gets
# /var/lib/projhub/<hash>, linked from <repo>/.run). `down` stops only what this script
# started, by its pid files. Ports come from PROJHUB_*_PORT variables (see the defaults below).
# After `up`, <run>/stores.env holds the endpoints as PROJHUB_* variables for the hub and the tests.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${PROJHUB_RUN_DIR:-$ROOT/.run}

PG_PORT=${PROJHUB_PG_PORT:-5432}
REDIS_PORT=${PROJHUB_REDIS_PORT:-6379}
ES_PORT=${PROJHUB_ES_PORT:-9200}
ES_TRANSPORT_PORT=${PROJHUB_ES_TRANSPORT_PORT:-9300}
NEO4J_PORT=${PROJHUB_NEO4J_PORT:-7687}
INFLUX_PORT=${PROJHUB_INFLUX_PORT:-8086}            # the 2.x-compatible front (nginx), what clients use
INFLUXD_PORT=${PROJHUB_INFLUXD_PORT:-8186}          # influxd 1.6.7 itself
INFLUXD_RPC_PORT=${PROJHUB_INFLUXD_RPC_PORT:-8188}  # influxd backup/restore RPC, loopback only

ES_VERSION=9.5.3
NEO4J_VERSION=5.26.30
ES_HEAP=${PROJHUB_ES_HEAP:-256m}
NEO4J_HEAP=${PROJHUB_NEO4J_HEAP:-512m}
ES_JAVA_HOME_DEFAULT=/usr/lib/jvm/temurin-25-jdk-amd64   # Elasticsearch 9 needs Java 21+

PG_USER=projhub
PG_PASSWORD=${PROJHUB_PG_PASSWORD:-projhub}
DATABASES=(projhub projhub_test projhub_bench projhub_recovery)   # projhub_recovery: the log-restore recovery test
INFLUX_ORG=projhub
INFLUX_TOKEN=${PROJHUB_INFLUX_TOKEN:-projhub-local-token}  # influxd 1.6.7 runs without auth locally

ALL_STORES=(postgres redis elasticsearch neo4j influxdb)

say() { printf '%s\n' "$*"; }
fail() { printf 'stores.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------- helpers

# The run folder must be reachable by the postgres and elastic users. A checkout under a private folder (root's
# home, a `mktemp -d` folder) is not, so the folder then lives under /var/lib/projhub/<hash of the checkout path>
# (a place the system never cleans, unlike /var/tmp) and <repo>/.run links to it. Every store is then given the
# resolved folder (RUN is rewritten to the physical path), never a path through the checkout's link.
service_user_reaches() { # service_user_reaches <dir>: true if the postgres user (or, before it exists, anyone) can
  if id postgres >/dev/null 2>&1; then runuser -u postgres -- test -x "$1" 2>/dev/null
  else runuser -u nobody -- test -x "$1" 2>/dev/null; fi
}

prepare_run_dir() {
  if [ -z "${PROJHUB_RUN_DIR:-}" ] && [ "$(id -u)" = 0 ]; then
    local private_dir=/var/lib/projhub/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)
    local target=""
    [ -L "$RUN" ] && target=$(readlink "$RUN")
    if [ ! -e "$RUN" ] && [ ! -L "$RUN" ] && ! service_user_reaches "$ROOT"; then
      mkdir -p "$private_dir"
      ln -s "$private_dir" "$RUN"
      say "note: $ROOT is not readable by the service users; the run folder is $private_dir (linked from $RUN)"
    elif [ -n "$target" ] && [ "$target" != "$private_dir" ] && [ "${target#/var/tmp/projhub-run-}" != "$target" ]; then
      # Made by an earlier version under /var/tmp, which Debian empties after 30 days: moved while nothing runs.
      local alive=""
      for f in "$target"/pids/*.pid "$target"/pg/postmaster.pid; do
        [ -s "$f" ] && kill -0 "$(head -n 1 "$f")" 2>/dev/null && alive=$f
      done
      if [ -z "$alive" ] && [ -d "$target" ]; then
        mkdir -p "$(dirname "$private_dir")"
        mv "$target" "$private_dir" && rm -f "$RUN" && ln -s "$private_dir" "$RUN"
        say "note: moved the run folder from $target to $private_dir (/var/tmp is emptied by the system)"
      fi
    elif [ -d "$RUN" ] && [ ! -L "$RUN" ] && ! service_user_reaches "$RUN"; then
      fail "the run folder $RUN is not readable by the postgres and elastic users (a folder above it is private); stop its stores, then move it: mkdir -p /var/lib/projhub && mv $RUN $private_dir && ln -s $private_dir $RUN"
    fi
  fi
  mkdir -p "$RUN"
  RUN=$(cd "$RUN" && pwd -P)
  mkdir -p "$RUN"/{logs,pids,dl}
  chmod 755 "$RUN" "$RUN/logs" "$RUN/pids"
  [ "$(dirname "$RUN")" = /var/lib/projhub ] && chmod 755 /var/lib/projhub
  # Store commands run as service users; a working directory they cannot read makes some of them fail.
  cd "$RUN"
}

need_root() {
  [ "$(id -u)" = 0 ] || fail "installing $1 needs root (apt-get, service users); run as root or install it first"
}

APT_UPDATED=0
apt_install() {
  need_root "$*"
  if [ "$APT_UPDATED" = 0 ]; then
    say "installing Debian packages: $* (apt-get update first)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$RUN/logs/apt.log" 2>&1 \
      || fail "apt-get update failed, see $RUN/logs/apt.log"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$RUN/logs/apt.log" 2>&1 \
    || fail "apt-get install $* failed, see $RUN/logs/apt.log"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { local f=$RUN/pids/$1.pid; [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

# wait_until <seconds> <description> <log> <command...>
wait_until() {
  local seconds=$1 what=$2 log=$3; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      say "---- last lines of $log ----" >&2
      tail -n 25 "$log" >&2 2>/dev/null || true
      fail "$what did not become ready within ${seconds}s; its log is $log"
    fi
    sleep 0.3
  done
}

stop_pid() { # stop_pid <name> <seconds>
  local name=$1 seconds=$2 f=$RUN/pids/$1.pid
  if ! pid_alive "$name"; then rm -f "$f"; return 1; fi
  local pid; pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; break; fi
    sleep 0.2
  done
  rm -f "$f"
}

maven_copy() { # maven_copy <groupId:artifactId:version[:type]> -> file in $RUN/dl
  # Run outside the repository so Maven does not read the project's own pom.
  (cd "$RUN/dl" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="$1" -DoutputDirectory="$RUN/dl") >>"$RUN/logs/maven-downloads.log" 2>&1 \
    || fail "downloading $1 from Maven Central failed, see $RUN/logs/maven-downloads.log"
}

# -------------------------------------------------------------------------------------------- postgres

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
pg_sock() { printf '%s' "$RUN/pg-sock"; }
pg_as_admin() { runuser -u postgres -- "$(pg_bin)/psql" -h "$(pg_sock)" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
pg_ours() { [ -f "$RUN/pg/postmaster.pid" ] && runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$RUN/pg" status >/dev/null 2>&1; }
pg_ready() { PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d projhub -qtAc 'select 1' >/dev/null 2>&1; }

# The databases of DATABASES that are missing (a list that grew since the cluster was created gets its new ones).
pg_ensure_databases() {
  if [ "$(pg_as_admin -c "select 1 from pg_roles where rolname='$PG_USER'")" != 1 ]; then
    pg_as_admin -c "create role $PG_USER login password '$PG_PASSWORD'" >/dev/null
  fi
  for db in "${DATABASES[@]}"; do
    if [ "$(pg_as_admin -c "select 1 from pg_database where datname='$db'")" != 1 ]; then
      pg_as_admin -c "create database $db owner $PG_USER" >/dev/null
    fi
  done
}

up_postgres() {
  if pg_ours; then pg_ensure_databases; say "postgres      already running (ours)"; return; fi
  if port_open "$PG_PORT"; then
    pg_ready || fail "port $PG_PORT is taken by a server this script did not start and that does not accept user $PG_USER; stop it or set PROJHUB_PG_PORT"
    say "postgres      reusing the server already listening on $PG_PORT (not ours: down leaves it)"; return
  fi
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local log=$RUN/logs/postgres.log
  mkdir -p "$RUN/pg" "$(pg_sock)"
  chown postgres: "$RUN/pg" "$(pg_sock)"; chmod 700 "$RUN/pg"
  touch "$log"; chown postgres: "$log"
  if [ ! -f "$RUN/pg/PG_VERSION" ]; then
    runuser -u postgres -- "$(pg_bin)/initdb" -D "$RUN/pg" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >>"$log" 2>&1 || fail "initdb failed, see $log"
  fi
  runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$RUN/pg" -l "$log" -w -t 60 \
    -o "-p $PG_PORT -k $(pg_sock) -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB -c max_prepared_transactions=20" \
    start >/dev/null 2>&1 || { tail -n 20 "$log" >&2; fail "postgres did not start; its log is $log"; }
  pg_ensure_databases
  wait_until 30 postgres "$log" pg_ready
  say "postgres      started"
}

down_postgres() {
  if pg_ours; then
    runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$RUN/pg" -m fast -w stop >/dev/null
    say "postgres      stopped"
  else say "postgres      not running (from this run folder)"; fi
}

status_postgres() {
  if pg_ours; then report postgres "up (ours)" "$PG_PORT"
  elif pg_ready; then report postgres "up (not ours)" "$PG_PORT"
  else report postgres down "$PG_PORT"; fi
}

# ----------------------------------------------------------------------------------------------- redis

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

up_redis() {
  if pid_alive redis; then say "redis         already running (ours)"; return; fi
  if port_open "$REDIS_PORT"; then
    command -v redis-cli >/dev/null && redis_ready \
      || fail "port $REDIS_PORT is taken by something that is not Redis; stop it or set PROJHUB_REDIS_PORT"
    say "redis         reusing the server already listening on $REDIS_PORT (not ours: down leaves it)"; return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  local log=$RUN/logs/redis.log
  mkdir -p "$RUN/redis"
  # Append-only file: the read model and its checkpoint come back together after a restart.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN/redis" \
    --save "" --appendonly yes --appendfsync everysec \
    --pidfile "$RUN/pids/redis.pid" --logfile "$log" >/dev/null 2>&1 \
    || fail "redis-server did not start; its log is $log"
  wait_until 20 redis "$log" redis_ready
  say "redis         started"
}

down_redis() {
  if stop_pid redis 15; then say "redis         stopped"; else say "redis         not running (from this run folder)"; fi
}

status_redis() {
  if pid_alive redis; then report redis "up (ours)" "$REDIS_PORT"
  elif redis_ready; then report redis "up (not ours)" "$REDIS_PORT"
  else report redis down "$REDIS_PORT"; fi
}

# --------------------------------------------------------------------------------------- elasticsearch

es_home() { printf '%s' "$RUN/elasticsearch-$ES_VERSION"; }
es_ready() { curl -fsS "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }

up_elasticsearch() {
  if pid_alive elasticsearch; then say "elasticsearch already running (ours)"; return; fi
  if port_open "$ES_PORT"; then
    es_ready || fail "port $ES_PORT is taken by something that is not a healthy Elasticsearch; stop it or set PROJHUB_ES_PORT"
    say "elasticsearch reusing the server already listening on $ES_PORT (not ours: down leaves it)"; return
  fi
  local java_home=${PROJHUB_ES_JAVA_HOME:-$ES_JAVA_HOME_DEFAULT}
  [ -x "$java_home/bin/java" ] || fail "Elasticsearch $ES_VERSION needs Java 21+; none at $java_home (set PROJHUB_ES_JAVA_HOME)"
  command -v unzip >/dev/null || apt_install unzip
  if [ ! -x "$(es_home)/bin/elasticsearch" ]; then
    say "elasticsearch installing $ES_VERSION from Maven Central (integ-test distribution)"
    [ -f "$RUN/dl/elasticsearch-$ES_VERSION.zip" ] \
      || maven_copy "org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
    unzip -q -o "$RUN/dl/elasticsearch-$ES_VERSION.zip" -d "$RUN"
  fi
  id -u elastic >/dev/null 2>&1 || { need_root "the elastic user"; useradd --system --no-create-home --shell /usr/sbin/nologin elastic; }
  local conf=$RUN/es/config
  mkdir -p "$RUN/es/data" "$RUN/es/logs"
  if [ ! -f "$conf/elasticsearch.yml.projhub" ]; then
    rm -rf "$conf"; cp -r "$(es_home)/config" "$conf"; rm -f "$conf/elasticsearch.keystore"
    cat >"$conf/elasticsearch.yml" <<EOF
cluster.name: projhub
node.name: projhub-local
discovery.type: single-node
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
path.data: $RUN/es/data
path.logs: $RUN/es/logs
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
    touch "$conf/elasticsearch.yml.projhub"
  fi
  chown -R elastic: "$(es_home)" "$RUN/es"
  local log=$RUN/logs/elasticsearch.log
  : >"$log"
  runuser -u elastic -- env ES_PATH_CONF="$conf" ES_JAVA_HOME="$java_home" \
    ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" "$(es_home)/bin/elasticsearch" -d -p "$RUN/es/es.pid" \
    >>"$log" 2>&1 || { tail -n 25 "$log" "$RUN/es/logs/projhub.log" >&2 2>/dev/null; fail "elasticsearch did not start; its logs are $log and $RUN/es/logs/projhub.log"; }
  wait_until 90 elasticsearch "$RUN/es/logs/projhub.log" es_ready
  cp "$RUN/es/es.pid" "$RUN/pids/elasticsearch.pid"
  say "elasticsearch started"
}

down_elasticsearch() {
  if stop_pid elasticsearch 30; then rm -f "$RUN/es/es.pid"; say "elasticsearch stopped"
  else say "elasticsearch not running (from this run folder)"; fi
}

status_elasticsearch() {
  if pid_alive elasticsearch; then report elasticsearch "up (ours)" "$ES_PORT"
  elif es_ready; then report elasticsearch "up (not ours)" "$ES_PORT"
  else report elasticsearch down "$ES_PORT"; fi
}

# ----------------------------------------------------------------------------------------------- neo4j

neo4j_ready() { port_open "$NEO4J_PORT"; }

up_neo4j() {
  if pid_alive neo4j; then say "neo4j         already running (ours)"; return; fi
  if port_open "$NEO4J_PORT"; then
    say "neo4j         reusing the server already listening on $NEO4J_PORT (not ours: down leaves it)"; return
  fi
  local cp_file=$RUN/neo4j-$NEO4J_VERSION.classpath
  if [ ! -s "$cp_file" ] || ! head -c 4096 "$cp_file" | tr ':' '\n' | head -n 1 | xargs test -f; then
    say "neo4j         resolving server $NEO4J_VERSION jars from Maven Central"
    mvn -q -B -f "$ROOT/deploy/neo4j/pom.xml" -Dneo4j.version="$NEO4J_VERSION" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile="$cp_file" >>"$RUN/logs/maven-downloads.log" 2>&1 \
      || fail "resolving Neo4j $NEO4J_VERSION failed, see $RUN/logs/maven-downloads.log"
  fi
  local home=$RUN/neo4j
  mkdir -p "$home/conf" "$home/data" "$home/logs" "$home/plugins" "$home/import"
  cat >"$home/conf/neo4j.conf" <<EOF
server.default_listen_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$NEO4J_PORT
server.bolt.tls_level=DISABLED
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=false
server.memory.pagecache.size=128m
dbms.usage_report.enabled=false
db.tx_log.rotation.retention_policy=2 files
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
EOF
  local log=$RUN/logs/neo4j.log
  : >"$log"
  nohup java -Xms256m "-Xmx$NEO4J_HEAP" -XX:+UseG1GC -cp "$(cat "$cp_file")" org.neo4j.server.CommunityEntryPoint \
    --home-dir="$home" --config-dir="$home/conf" >>"$log" 2>&1 </dev/null &
  echo $! >"$RUN/pids/neo4j.pid"
  wait_until 90 neo4j "$log" neo4j_ready
  say "neo4j         started"
}

down_neo4j() {
  if stop_pid neo4j 30; then say "neo4j         stopped"; else say "neo4j         not running (from this run folder)"; fi
}

status_neo4j() {
  if pid_alive neo4j; then report neo4j "up (ours)" "$NEO4J_PORT"
  elif neo4j_ready; then report neo4j "up (not ours)" "$NEO4J_PORT"
  else report neo4j down "$NEO4J_PORT"; fi
}

# -------------------------------------------------------------------------------------------- influxdb
# Locally: InfluxDB 1.6.7 (Debian's) behind nginx, which offers the /api/v2/write endpoint that
# InfluxDB 1.8+, 2.x and 3.x have natively. This front is a stand-in for local runs and CI only.

influxd_ready() { curl -fsS "http://127.0.0.1:$INFLUXD_PORT/ping" >/dev/null 2>&1; }
influx_ready() { curl -fsS "http://127.0.0.1:$INFLUX_PORT/ping" >/dev/null 2>&1; }

up_influxdb() {
  if pid_alive influxd && pid_alive nginx-influx; then
    for db in "${DATABASES[@]}"; do   # databases added to DATABASES since it was first started
      curl -fsS -XPOST "http://127.0.0.1:$INFLUXD_PORT/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null \
        || fail "could not create InfluxDB database $db"
    done
    say "influxdb      already running (ours)"; return
  fi
  if ! pid_alive influxd && port_open "$INFLUX_PORT" && ! pid_alive nginx-influx; then
    influx_ready || fail "port $INFLUX_PORT is taken by something that is not InfluxDB; stop it or set PROJHUB_INFLUX_PORT"
    say "influxdb      reusing the server already listening on $INFLUX_PORT (not ours: down leaves it)"; return
  fi
  local pkgs=()
  command -v influxd >/dev/null || pkgs+=(influxdb)
  command -v nginx >/dev/null || pkgs+=(nginx-light)
  [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
  local dir=$RUN/influxdb log=$RUN/logs/influxdb.log
  mkdir -p "$dir/meta" "$dir/data" "$dir/wal"
  if ! pid_alive influxd; then
    cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUXD_RPC_PORT"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
  index-version = "tsi1"
[http]
  enabled = true
  bind-address = "127.0.0.1:$INFLUXD_PORT"
  log-enabled = false
  max-body-size = 67108864
[monitor]
  store-enabled = false
[logging]
  level = "warn"
EOF
    port_open "$INFLUXD_PORT" && fail "port $INFLUXD_PORT (influxd) is taken; set PROJHUB_INFLUXD_PORT"
    : >"$log"
    nohup influxd -config "$dir/influxdb.conf" >>"$log" 2>&1 </dev/null &
    echo $! >"$RUN/pids/influxd.pid"
    wait_until 30 influxd "$log" influxd_ready
  fi
  for db in "${DATABASES[@]}"; do
    curl -fsS -XPOST "http://127.0.0.1:$INFLUXD_PORT/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null \
      || fail "could not create InfluxDB database $db; see $log"
  done
  if ! pid_alive nginx-influx; then
    port_open "$INFLUX_PORT" && fail "port $INFLUX_PORT is taken; set PROJHUB_INFLUX_PORT"
    local ng=$RUN/nginx-influx
    mkdir -p "$ng/tmp"
    local worker_user=nobody
    id -u www-data >/dev/null 2>&1 && worker_user=www-data
    chown -R "$worker_user" "$ng/tmp"
    cat >"$ng/nginx.conf" <<EOF
# Local stand-in for the InfluxDB 1.8+ /api/v2/write endpoint in front of influxd 1.6.7.
user $worker_user;
worker_processes 1;
daemon on;
pid $RUN/pids/nginx-influx.pid;
error_log $RUN/logs/nginx-influx.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_max_body_size 64m;
  client_body_buffer_size 16m;
  client_body_temp_path $ng/tmp/body;
  proxy_temp_path $ng/tmp/proxy;
  fastcgi_temp_path $ng/tmp/fastcgi;
  uwsgi_temp_path $ng/tmp/uwsgi;
  scgi_temp_path $ng/tmp/scgi;
  upstream influxd { server 127.0.0.1:$INFLUXD_PORT; keepalive 16; }
  map \$arg_precision \$v1_precision { default n; ns n; us u; ms ms; s s; }
  map \$arg_bucket \$v1_db { "~^(?<db>[^/%]+)(/|%2F|%2f)(?<rp>.+)\$" \$db; default \$arg_bucket; }
  map \$arg_bucket \$v1_rp { "~^[^/%]+(/|%2F|%2f)(?<rp>.+)\$" \$rp; default ""; }
  server {
    listen 127.0.0.1:$INFLUX_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location = /api/v2/write {
      proxy_pass http://influxd/write?db=\$v1_db&rp=\$v1_rp&precision=\$v1_precision;
    }
    location / { proxy_pass http://influxd; }
  }
}
EOF
    nginx -c "$ng/nginx.conf" -p "$ng" >>"$RUN/logs/nginx-influx.log" 2>&1 \
      || fail "nginx (InfluxDB front) did not start; its log is $RUN/logs/nginx-influx.log"
    wait_until 20 "influxdb front" "$RUN/logs/nginx-influx.log" influx_ready
  fi
  say "influxdb      started"
}

down_influxdb() {
  local any=0
  stop_pid nginx-influx 10 && any=1
  stop_pid influxd 15 && any=1
  if [ $any = 1 ]; then say "influxdb      stopped"; else say "influxdb      not running (from this run folder)"; fi
}

status_influxdb() {
  if pid_alive influxd && pid_alive nginx-influx; then report influxdb "up (ours)" "$INFLUX_PORT"
  elif influx_ready; then report influxdb "up (not ours)" "$INFLUX_PORT"
  else report influxdb down "$INFLUX_PORT"; fi
}

# ---------------------------------------------------------------------------------------------- output

report() { printf '%-14s %-14s 127.0.0.1:%s\n' "$1" "$2" "$3"; }

write_env() {
  cat >"$RUN/stores.env" <<EOF
# Endpoints of the local stores, written by deploy/stores.sh; the hub and the tests read these.
export PROJHUB_STORES=local
export PROJHUB_PG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/projhub
export PROJHUB_PG_USER=$PG_USER
export PROJHUB_PG_PASSWORD=$PG_PASSWORD
export PROJHUB_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export PROJHUB_ES_URL=http://127.0.0.1:$ES_PORT
export PROJHUB_NEO4J_URI=bolt://127.0.0.1:$NEO4J_PORT
export PROJHUB_NEO4J_USER=neo4j
export PROJHUB_NEO4J_PASSWORD=
export PROJHUB_INFLUX_URL=http://127.0.0.1:$INFLUX_PORT
export PROJHUB_INFLUX_ORG=$INFLUX_ORG
export PROJHUB_INFLUX_BUCKET=projhub
export PROJHUB_INFLUX_TOKEN=$INFLUX_TOKEN
# The test suite uses its own database, Redis database and bucket, so a running hub keeps its data.
export PROJHUB_TEST_PG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/projhub_test
export PROJHUB_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1
export PROJHUB_TEST_INFLUX_BUCKET=projhub_test
# Benchmarks and fault runs (deploy/bench.sh, deploy/faults.sh) use theirs.
export PROJHUB_BENCH_PG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/projhub_bench
export PROJHUB_BENCH_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/2
export PROJHUB_BENCH_INFLUX_BUCKET=projhub_bench
EOF
}

print_endpoints() {
  say ""
  say "stores listen on:"
  say "  postgres       jdbc:postgresql://127.0.0.1:$PG_PORT/projhub   (user $PG_USER; tests use projhub_test)"
  say "  redis          redis://127.0.0.1:$REDIS_PORT"
  say "  elasticsearch  http://127.0.0.1:$ES_PORT"
  say "  neo4j          bolt://127.0.0.1:$NEO4J_PORT"
  say "  influxdb       http://127.0.0.1:$INFLUX_PORT   (2.x write API front; influxd 1.6.7 on $INFLUXD_PORT)"
  say "  endpoints for the hub and tests: $RUN/stores.env   logs: $RUN/logs"
}

canonical() {
  case "$1" in
    postgres|postgresql|pg) echo postgres ;;
    redis) echo redis ;;
    elasticsearch|es) echo elasticsearch ;;
    neo4j) echo neo4j ;;
    influxdb|influx) echo influxdb ;;
    *) fail "unknown store '$1' (known: ${ALL_STORES[*]})" ;;
  esac
}

main() {
  local action=${1:-}
  [ $# -gt 0 ] && shift
  case "$action" in up|down|status) ;; *) say "usage: deploy/stores.sh up|down|status [${ALL_STORES[*]}]" >&2; exit 2 ;; esac
  local stores=()
  if [ $# -eq 0 ]; then stores=("${ALL_STORES[@]}"); else for s in "$@"; do stores+=("$(canonical "$s")"); done; fi
  prepare_run_dir
  for s in "${stores[@]}"; do "${action}_$s"; done
  if [ "$action" = up ]; then write_env; print_endpoints; fi
}

main "$@"
