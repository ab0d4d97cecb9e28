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
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny stand-in for a Spring Boot service, built on the JDK's HTTP server only.
 * Its behaviour (boot time, health, crash, graceful shutdown) is driven by environment
 * variables so deployment tests can exercise the unhappy paths. LOG_LINES and HEALTH_STATUS
 * (with {@code \n} for a line break) play a server whose text tries to pass for workflow commands.
 * {@code --port N} overrides the port, like apps that take it as an argument. A management port
 * ({@code --management-port N}, management.server.port or MANAGEMENT_SERVER_PORT) serves
 * /actuator/* there instead of on the app port, as Spring Boot does. It listens on 127.0.0.1 unless
 * server.address or SERVER_ADDRESS names another address (0.0.0.0: all). For canary tests, every request
 * but /actuator/health waits EXTRA_LATENCY_MS more, and the fraction ERROR_RATE (0..1) of them answers 500.
 */
public final class SampleApp {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    private static Faults faults = new Faults(0, 0, new AtomicLong());

    private SampleApp() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.currentTimeMillis();
        int port = resolvePort(args);
        int managementPort = resolveManagementPort(args);
        String version = resolveVersion();
        long bootDelay = longEnv("BOOT_DELAY_MS", 0);
        boolean healthy = boolEnv("HEALTHY", true);
        boolean graceful = boolEnv("GRACEFUL", true);
        String address = resolveAddress();
        double errorRate = doubleEnv("ERROR_RATE", 0);
        if (!(errorRate >= 0 && errorRate <= 1)) {
            System.err.println("ERROR: APPLICATION FAILED TO START: ERROR_RATE must be between 0 and 1, not " + System.getenv("ERROR_RATE"));
            System.err.flush();
            System.exit(1);
        }
        faults = new Faults(errorRate, Math.max(0, longEnv("EXTRA_LATENCY_MS", 0)), new AtomicLong());

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

        ExecutorService pool = Executors.newCachedThreadPool();
        HttpServer server = listen(address, port, pool);
        HttpServer management = managementPort > 0 ? listen(address, managementPort, pool) : null;
        String healthStatus = System.getenv().getOrDefault("HEALTH_STATUS", healthy ? "UP" : "DOWN").replace("\\n", "\n");
        Endpoints app = new Endpoints(version, healthy, healthStatus, String.join(" ", args), management == null, "app");
        server.createContext("/", exchange -> handle(exchange, app));
        if (management != null) {
            Endpoints admin = new Endpoints(version, healthy, healthStatus, app.args(), true, "management");
            management.createContext("/", exchange -> handle(exchange, admin));
        }

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (management != null) {
                management.stop(0);
            }
            shutdown(server, graceful);
        }, "shutdown"));
        server.start();
        if (management != null) {
            management.start();
        }
        log("Started SampleApp " + version + " on port " + port
                + (management != null ? " (management port " + managementPort + ")" : "") + " in "
                + (System.currentTimeMillis() - started) + " ms");
    }

    /** What one listener serves: the app port, or the management port (which alone has /actuator then). */
    private record Endpoints(String version, boolean healthy, String healthStatus, String args, boolean actuator, String role) {
    }

    /** Injected faults: every request but the health check waits extraLatencyMs, and errorRate of them fail. */
    private record Faults(double errorRate, long extraLatencyMs, AtomicLong counted) {
        /** Spreads failures evenly: request n fails when floor(n * errorRate) steps up, so exactly that fraction fails. */
        boolean nextFails() {
            long n = counted.incrementAndGet();
            return Math.floor(n * errorRate) > Math.floor((n - 1) * errorRate);
        }
    }

    private static HttpServer listen(String address, int port, ExecutorService pool) throws IOException {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 128);
            server.setExecutor(pool);
            return server;
        } catch (BindException e) {
            System.err.println("ERROR: APPLICATION FAILED TO START: port " + port + " is already in use");
            System.err.flush();
            System.exit(1);
            throw e;
        }
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

    private static void handle(HttpExchange exchange, Endpoints endpoints) throws IOException {
        String version = endpoints.version();
        IN_FLIGHT.incrementAndGet();
        int status = 500;
        try (InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            String type = "text/plain; charset=utf-8";
            String text;
            boolean health = path.equals("/actuator/health");
            if (!health && faults.extraLatencyMs() > 0) {
                Thread.sleep(faults.extraLatencyMs());
            }
            if (!health && faults.errorRate() > 0 && faults.nextFails()) {
                status = 500;
                text = "injected error (ERROR_RATE=" + faults.errorRate() + ")\n";
            } else if (path.equals("/")) {
                status = 200;
                text = "hello from " + version + "\n";
            } else if (path.equals("/version")) {
                status = 200;
                text = version + "\n";
            } else if (path.equals("/args")) {
                status = 200;
                text = endpoints.args() + "\n";
            } else if (path.equals("/actuator/role") && endpoints.actuator()) {
                status = 200;
                text = endpoints.role() + "\n";
            } else if (path.equals("/actuator/health") && endpoints.actuator()) {
                type = "application/json";
                status = endpoints.healthy() ? 200 : 503;
                text = "{\"status\":" + jsonString(endpoints.healthStatus()) + "}";
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

    private static String resolveAddress() {
        for (String c : new String[] {System.getProperty("server.address"), System.getenv("SERVER_ADDRESS")}) {
            if (c != null && !c.isBlank()) {
                return c.trim();
            }
        }
        return "127.0.0.1";
    }

    private static int resolvePort(String[] args) {
        return firstPort(8080, argument(args, "--port"), System.getProperty("server.port"), System.getenv("SERVER_PORT"),
                System.getenv("PORT"));
    }

    /** 0: no management port. */
    private static int resolveManagementPort(String[] args) {
        return firstPort(0, argument(args, "--management-port"), System.getProperty("management.server.port"),
                System.getenv("MANAGEMENT_SERVER_PORT"));
    }

    private static int firstPort(int fallback, String... candidates) {
        for (String c : candidates) {
            if (c != null && !c.isBlank()) {
                return Integer.parseInt(c.trim());
            }
        }
        return fallback;
    }

    /** The value after {@code name} ({@code --port 8080}) or after {@code name=}. */
    private static String argument(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
        }
        return null;
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

    private static double doubleEnv(String name, double fallback) {
        String v = System.getenv(name);
        try {
            return v == null || v.isBlank() ? fallback : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
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
