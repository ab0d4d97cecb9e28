#!/usr/bin/env bash
# The ordinary deploy: stop the running jar, then start the new one on the same port.
# Runs on the server, e.g.  scp app.jar server:/opt/app/app-new.jar && ssh server 'bash -s' < stop-start.sh
set -euo pipefail

APP_DIR=${APP_DIR:-/opt/app}
PORT=${PORT:-8080}
JAR=${JAR:-$APP_DIR/app-new.jar}
HEALTH_URL=${HEALTH_URL:-http://127.0.0.1:$PORT/actuator/health}

# Zombies answer kill -0; the lab's PID 1 reaps orphans only about once a second, where a real
# init reaps at once, so a zombie counts as stopped.
running() { kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"; }

cd "$APP_DIR"

if [ -f app.pid ]; then
  PID=$(cat app.pid)
  if running "$PID"; then
    echo "Stopping $PID"
    kill "$PID"
    for i in $(seq 1 30); do
      running "$PID" || break
      sleep 1
    done
  fi
  rm -f app.pid
fi

mv -f "$JAR" app.jar
echo "Starting on port $PORT"
nohup java -Dserver.port="$PORT" -jar app.jar > app.log 2>&1 &
echo $! > app.pid

for i in $(seq 1 60); do
  if curl -fs "$HEALTH_URL" > /dev/null; then
    echo "Up after $i tries"
    exit 0
  fi
  sleep 1
done
echo "The app did not come up; see $APP_DIR/app.log" >&2
exit 1
