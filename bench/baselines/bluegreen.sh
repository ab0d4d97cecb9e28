#!/usr/bin/env bash
# The common hand-written blue/green deploy: find the live port with curl, start the new jar on the
# idle one, retry its health every 10 s, point nginx at it, reload, kill the old process.
# Runs on the server, e.g.  scp app.jar server:/opt/app/app-new.jar && ssh server 'bash -s' < bluegreen.sh
set -e

APP_DIR=${APP_DIR:-/opt/app}
BLUE_PORT=${BLUE_PORT:-8080}
GREEN_PORT=${GREEN_PORT:-8081}
JAR=${JAR:-$APP_DIR/app-new.jar}
HEALTH_PATH=${HEALTH_PATH:-/actuator/health}
NGINX_INCLUDE=${NGINX_INCLUDE:-/etc/nginx/conf.d/service-url.inc}
NGINX_RELOAD=${NGINX_RELOAD:-nginx -s reload}

# See stop-start.sh: the lab's PID 1 reaps orphans late, so a zombie counts as stopped.
running() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

cd "$APP_DIR"

if curl -s "http://127.0.0.1:$BLUE_PORT$HEALTH_PATH" | grep -q UP; then
  CURRENT_PORT=$BLUE_PORT
  IDLE_PORT=$GREEN_PORT
else
  CURRENT_PORT=$GREEN_PORT
  IDLE_PORT=$BLUE_PORT
fi
echo "> live port: $CURRENT_PORT, deploying to: $IDLE_PORT"

if [ -f "app-$IDLE_PORT.pid" ] && running "$(cat "app-$IDLE_PORT.pid")"; then
  echo "> stopping leftover process on $IDLE_PORT"
  kill "$(cat "app-$IDLE_PORT.pid")"
  sleep 5
fi

cp "$JAR" "app-$IDLE_PORT.jar"
nohup java -Dserver.port="$IDLE_PORT" -jar "app-$IDLE_PORT.jar" > "app-$IDLE_PORT.log" 2>&1 &
echo $! > "app-$IDLE_PORT.pid"

echo "> health check of port $IDLE_PORT"
sleep 10
for RETRY in $(seq 1 10); do
  if curl -s "http://127.0.0.1:$IDLE_PORT$HEALTH_PATH" | grep -q UP; then
    echo "> healthy, switching nginx to $IDLE_PORT"
    echo "set \$service_url http://127.0.0.1:$IDLE_PORT;" | sudo tee "$NGINX_INCLUDE"
    # Word splitting wanted: the reload command comes with its arguments.
    sudo $NGINX_RELOAD
    if [ -f "app-$CURRENT_PORT.pid" ]; then
      kill "$(cat "app-$CURRENT_PORT.pid")" 2>/dev/null || true
      rm -f "app-$CURRENT_PORT.pid"
    fi
    exit 0
  fi
  echo "> not up yet ($RETRY/10)"
  sleep 10
done

echo "> port $IDLE_PORT never became healthy, giving up" >&2
kill "$(cat "app-$IDLE_PORT.pid")" 2>/dev/null || true
exit 1
