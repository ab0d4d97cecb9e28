import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny stand-in for a Spring Boot service, built on the JDK's HTTP server only.
 * Its behaviour (boot time, health, crash, graceful shutdown) is driven by environment
 * variables so deployment tests can exercise the unhappy paths. LOG_LINES and HEALTH_STATUS
 * (with {@code \n} for a line break) play a server whose text tries to pass for workflow commands.
 */
public final class SampleApp {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();

    private SampleApp() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.currentTimeMillis();
        int port = resolvePort();
        String version = resolveVersion();
        long bootDelay = longEnv("BOOT_DELAY_MS", 0);
        boolean healthy = boolEnv("HEALTHY", true);
        boolean graceful = boolEnv("GRACEFUL", true);

        log("Starting SampleApp " + version + " (pid " + ProcessHandle.current().pid() + ", port " + port + ")");
        String logLines = System.getenv("LOG_LINES");
        if (logLines != null) {
            OUT.println(logLines.replace("\\n", "\n"));
        }
        if (bootDelay > 0) {
            Thread.sleep(bootDelay);
        }
        if (boolEnv("CRASH_AT_BOOT", false)) {
            System.err.println("ERROR: APPLICATION FAILED TO START (CRASH_AT_BOOT=true)");
            System.err.flush();
            System.exit(1);
        }

        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        } catch (BindException e) {
            System.err.println("ERROR: APPLICATION FAILED TO START: port " + port + " is already in use");
            System.err.flush();
            System.exit(1);
            return;
        }
        ExecutorService pool = Executors.newCachedThreadPool();
        server.setExecutor(pool);
        String healthStatus = System.getenv().getOrDefault("HEALTH_STATUS", healthy ? "UP" : "DOWN").replace("\\n", "\n");
        server.createContext("/", exchange -> handle(exchange, version, healthy, healthStatus));

        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, graceful), "shutdown"));
        server.start();
        log("Started SampleApp " + version + " on port " + port + " in "
                + (System.currentTimeMillis() - started) + " ms");
    }

    private static void shutdown(HttpServer server, boolean graceful) {
        if (!graceful) {
            log("Received SIGTERM, halting immediately (GRACEFUL=false), in-flight requests: " + IN_FLIGHT.get());
            Runtime.getRuntime().halt(0);
        }
        log("Received SIGTERM, shutting down gracefully, in-flight requests: " + IN_FLIGHT.get());
        // stop() closes the listener at once but blocks for its whole delay on JDK 17,
        // so it runs aside while we wait for in-flight requests ourselves.
        Thread stopper = new Thread(() -> server.stop(30), "http-stop");
        stopper.setDaemon(true);
        stopper.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (IN_FLIGHT.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
        }
        log("Shutdown complete, abandoned requests: " + IN_FLIGHT.get());
    }

    private static void handle(HttpExchange exchange, String version, boolean healthy, String healthStatus) throws IOException {
        IN_FLIGHT.incrementAndGet();
        int status = 500;
        try (InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            String type = "text/plain; charset=utf-8";
            String text;
            if (path.equals("/")) {
                status = 200;
                text = "hello from " + version + "\n";
            } else if (path.equals("/version")) {
                status = 200;
                text = version + "\n";
            } else if (path.equals("/actuator/health")) {
                type = "application/json";
                status = healthy ? 200 : 503;
                text = "{\"status\":" + jsonString(healthStatus) + "}";
            } else if (path.equals("/slow")) {
                long ms = queryLong(exchange.getRequestURI().getRawQuery(), "ms", 5000);
                Thread.sleep(ms);
                status = 200;
                text = "slow done " + version + "\n";
            } else if (path.startsWith("/env/") && System.getenv(path.substring(5)) != null) {
                status = 200;
                text = System.getenv(path.substring(5)) + "\n";
            } else {
                status = 404;
                text = "not found\n";
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("X-App-Version", version);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
            log(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + status);
            IN_FLIGHT.decrementAndGet();
        }
    }

    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }

    private static int resolvePort() {
        String[] candidates = {System.getProperty("server.port"), System.getenv("SERVER_PORT"), System.getenv("PORT")};
        for (String c : candidates) {
            if (c != null && !c.isBlank()) {
                return Integer.parseInt(c.trim());
            }
        }
        return 8080;
    }

    private static String resolveVersion() throws IOException {
        String env = System.getenv("APP_VERSION");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try (InputStream in = SampleApp.class.getResourceAsStream("/version.txt")) {
            if (in != null) {
                String v = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!v.isEmpty()) {
                    return v;
                }
            }
        }
        return "dev";
    }

    private static long queryLong(String query, String name, long fallback) {
        if (query == null) {
            return fallback;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                try {
                    return Long.parseLong(pair.substring(name.length() + 1));
                } catch (NumberFormatException e) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    private static long longEnv(String name, long fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Long.parseLong(v.trim());
    }

    private static boolean boolEnv(String name, boolean fallback) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        String s = v.trim().toLowerCase();
        return s.equals("true") || s.equals("1") || s.equals("yes") || s.equals("on");
    }

    private static void log(String message) {
        OUT.println(java.time.Instant.now() + " " + message);
    }
}
