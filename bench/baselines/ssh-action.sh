#!/usr/bin/env bash
# A careful blue/green deploy as people write it into appleboy/ssh-action's `script:` after scp-action
# has copied the jar: start the new jar on the port nginx does not route to, poll its health every
# 0.2 s, point nginx at it, test and reload, wait until the old port has been idle for a second, stop
# the old process. The whole script is the command of one SSH session, e.g.
#   scp app.jar server:/opt/app/app-new.jar && ssh server "$(cat ssh-action.sh)"
set -euo pipefail

APP_DIR=${APP_DIR:-/opt/app}
BLUE_PORT=${BLUE_PORT:-8080}
GREEN_PORT=${GREEN_PORT:-8081}
JAR=${JAR:-$APP_DIR/app-new.jar}
HEALTH_PATH=${HEALTH_PATH:-/actuator/health}
NGINX_INCLUDE=${NGINX_INCLUDE:-/etc/nginx/conf.d/service-url.inc}
NGINX_TEST=${NGINX_TEST:-nginx -t}
NGINX_RELOAD=${NGINX_RELOAD:-nginx -s reload}

# See stop-start.sh: the lab's PID 1 reaps orphans late, so a zombie counts as stopped.
running() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }
stop() {
  [ -f "app-$1.pid" ] || return 0
  kill "$(cat "app-$1.pid")" 2>/dev/null || true
  for _ in $(seq 1 50); do running "$(cat "app-$1.pid")" || break; sleep 0.2; done
  rm -f "app-$1.pid"
}

cd "$APP_DIR"
LIVE_PORT=$(grep -o '127\.0\.0\.1:[0-9]*' "$NGINX_INCLUDE" | cut -d: -f2 || true)
if [ "$LIVE_PORT" = "$BLUE_PORT" ]; then IDLE_PORT=$GREEN_PORT; else IDLE_PORT=$BLUE_PORT; fi
echo "> nginx routes to ${LIVE_PORT:-nothing}, deploying to $IDLE_PORT"

stop "$IDLE_PORT"
mv -f "$JAR" "app-$IDLE_PORT.jar"
nohup java -Dserver.port="$IDLE_PORT" -jar "app-$IDLE_PORT.jar" > "app-$IDLE_PORT.log" 2>&1 &
echo $! > "app-$IDLE_PORT.pid"

for i in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:$IDLE_PORT$HEALTH_PATH" | grep -q UP; then break; fi
  if [ "$i" = 300 ] || ! running "$(cat "app-$IDLE_PORT.pid")"; then
    echo "> port $IDLE_PORT never became healthy; see $APP_DIR/app-$IDLE_PORT.log" >&2
    stop "$IDLE_PORT"
    exit 1
  fi
  sleep 0.2
done

echo "> healthy, switching nginx to $IDLE_PORT"
echo "set \$service_url http://127.0.0.1:$IDLE_PORT;" | sudo tee "$NGINX_INCLUDE" > /dev/null
# Word splitting wanted: the commands come with their arguments.
sudo $NGINX_TEST 2>/dev/null
sudo $NGINX_RELOAD

if [ -n "$LIVE_PORT" ] && [ "$LIVE_PORT" != "$IDLE_PORT" ]; then
  quiet=0
  for _ in $(seq 1 150); do
    if [ -z "$(ss -Htn state established "( sport = :$LIVE_PORT )")" ]; then quiet=$((quiet + 1)); else quiet=0; fi
    [ "$quiet" -ge 5 ] && break
    sleep 0.2
  done
  stop "$LIVE_PORT"
fi
echo "> done"
