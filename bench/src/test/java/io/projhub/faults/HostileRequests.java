package io.projhub.faults;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Malformed and hostile requests against every command and query endpoint, generated deterministically from templates
 * with a seeded {@link Random}.
 *
 * <p><b>No command may be valid.</b> Every request to a command endpoint carries at least one defect that makes the
 * hub refuse it whatever else it holds: a field with a value that field never accepts, a missing required field, an
 * unknown field, broken JSON, an oversized body, a bad header, a wrong media type or method, a malformed id in the
 * path, a target in a state that refuses the command (an inactive customer, a shipped or cancelled order), or an
 * unknown target. Hostile but valid content (RTL and emoji text, injection strings) only ever goes into a request
 * next to such a defect. Defects are applied after the noise, so none is overwritten by it; two defects on one field
 * leave that field with an invalid value either way. Admin endpoints never get the real credentials.
 *
 * <p><b>Credentials.</b> Every request carries the role its endpoint needs (the writer's key on commands, the reader's
 * on queries), so the defects above are met by the API itself, not by a 401 — except the credential attacks, whose
 * one defect is the credential: a well-formed, otherwise valid command (it would append if it were let through),
 * query or admin action sent without credentials, with the key or token of a role that does not grant it, with an
 * unknown, mangled or guessed key, or with a forged token. Failed authentications come from addresses of their own
 * ({@link Request#from}); the brute-force share all comes from {@link #BRUTE_FORCE_ADDRESS} and must be slowed down.
 */
final class HostileRequests {

    /**
     * One request; {@code raw} requests are written to a socket as they are (malformed HTTP). {@code from}, when set,
     * is the local address the request is sent from: requests whose credentials must fail come from addresses of
     * their own, so the hub's slow-down of failed authentication never blocks the client that sends the rest.
     */
    record Request(String category, String endpoint, String method, String path, Map<String, String> headers,
                   byte[] body, boolean chunked, boolean command, byte[] raw, String from) {

        Request(String category, String endpoint, String method, String path, Map<String, String> headers,
                byte[] body, boolean chunked, boolean command, byte[] raw) {
            this(category, endpoint, method, path, headers, body, chunked, command, raw, null);
        }

        boolean credentialAttack() {
            return category.startsWith(CREDENTIAL_ATTACK);
        }

        Request from(String address) {
            return new Request(category, endpoint, method, path, headers, body, chunked, command, raw, address);
        }

        Request withHeader(String name, String value) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put(name, value);
            return new Request(category, endpoint, method, path, all, body, chunked, command, raw, from);
        }
    }

    static final String CREDENTIAL_ATTACK = "credentials: ";
    /** Where repeated guessing comes from: one address, so the hub's slow-down shows (429). */
    static final String BRUTE_FORCE_ADDRESS = "127.0.0.2";

    /**
     * The hub's real credentials and tokens that must not open what they are aimed at: the keys per role, the admin
     * login, tokens that are forged (bad signature, {@code alg: none}, HS256, expired, another issuer or audience),
     * well-signed tokens whose roles do not grant a command or an admin action, and a well-signed writer's token (which
     * does not grant a read).
     */
    record Credentials(String writerKey, String readerKey, String adminKey, String adminPassword,
                       Map<String, String> forgedTokens, Map<String, String> tokensWithoutTheRole,
                       String writerToken) {
    }

    /**
     * The refusals a credential attack of this kind may get: 401 (no or bad credentials), 403 (a valid credential of
     * a role that does not grant it), 429 where the attack comes from an address that fails authentication (its
     * guesses slowed down), and 400 only for a malformed Authorization header.
     */
    static java.util.Set<Integer> refusalsOf(String category) {
        String kind = category.substring(CREDENTIAL_ATTACK.length());
        if (kind.equals(NONE)) {
            return java.util.Set.of(401);
        }
        if (kind.equals(KEY_WITHOUT_THE_ROLE) || kind.equals(TOKEN_WITHOUT_THE_ROLE)) {
            // a valid key or token is checked even while its address is slowed down
            return java.util.Set.of(403);
        }
        if (kind.equals(ADMIN_LOGIN_WITHOUT_THE_ROLE)) {
            // from a guesser's address, which may be slowed down: Basic is then not looked at
            return java.util.Set.of(403, 429);
        }
        if (kind.equals(MALFORMED_AUTHORIZATION)) {
            return java.util.Set.of(400, 401, 429);
        }
        // unknown or mangled keys, forged tokens, brute force
        return java.util.Set.of(401, 429);
    }

    static final String NONE = "none";
    static final String KEY_WITHOUT_THE_ROLE = "a key of a role that does not grant it";
    static final String TOKEN_WITHOUT_THE_ROLE = "a token of a role that does not grant it";
    static final String ADMIN_LOGIN_WITHOUT_THE_ROLE = "the admin login where admin is not the role";
    static final String MALFORMED_AUTHORIZATION = "a malformed Authorization header";

    /** Existing streams the requests aim at. */
    record Fixtures(String customer, String inactiveCustomer, String order, String shippedOrder, String cancelledOrder,
                    String account, String external, String usedIdempotencyKey, Credentials credentials) {
    }

    // ----------------------------------------------------------------------------------------- value pools

    /** Valid text that is hostile elsewhere: RTL overrides, emoji, scripts, query-language metacharacters. */
    static final List<String> NOISE = List.of(
            "\u202Egnp.exe", "שלום עולם", "مرحبا بالعالم", "🧨💥🔥", "👩‍👩‍👧‍👦", "Z̴̡̢a̷l̶g̵o̸", "\u200B\u200D\uFEFF",
            "'; DROP TABLE events; --", "\" OR \"1\"=\"1", "1' OR '1'='1' --", "Robert'); DELETE FROM events;--",
            "MATCH (n) DETACH DELETE n", "}) MATCH (n) DETACH DELETE n //", "CALL db.labels()",
            "*:*", "status:* OR _exists_:totalAmount", "name:/.*/ AND NOT x", "(a OR b) AND c~2^5",
            "\"; DROP MEASUREMENT order_lifecycle; SELECT * FROM \"", "x' OR 1=1; SHOW DATABASES",
            "${jndi:ldap://127.0.0.1:1/a}", "{{7*7}}", "<script>alert(1)</script>", "../../../../etc/passwd",
            "%00", "\\u0000", "$where: sleep(1000)", "{\"$gt\": \"\"}", "a\\\\b", "`rm -rf /`",
            "ñandú über straße", "日本語のテキスト", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢");

    /** JSON values (as JSON text) no string field accepts. */
    static final List<String> NOT_A_STRING = List.of("42", "-1", "true", "false", "{}", "[]", "[\"a\"]",
            "{\"first\": \"Ann\"}", "1e400", "0.5");

    /** JSON string values (as JSON text) no text field accepts: control characters, unpaired surrogates. */
    static final List<String> BAD_TEXT = List.of("\"A\\u0000nn\"", "\"A\\ud800nn\"", "\"\\udfff\"", "\"line\\nbreak\"",
            "\"tab\\there\"", "\"\\u001b[31mred\"", "\"bell\\u0007\"", "\"\\ud83d\"", "\"nul\\u0000\\u0000\"");

    /**
     * JSON string values (as JSON text) no event data may hold: U+0000 and unpaired surrogates (PostgreSQL's jsonb
     * cannot store them). Other control characters are valid in an external event's data.
     */
    static final List<String> UNSTORABLE = List.of("\"A\\u0000nn\"", "\"A\\ud800nn\"", "\"\\udfff\"", "\"\\ud83d\"",
            "\"nul\\u0000\\u0000\"");

    /** Ids (as JSON text) no id field accepts. */
    static final List<String> BAD_ID_JSON = List.of("\"has space\"", "\"bad$id\"", "\"" + "s".repeat(129) + "\"",
            "\"\"", "\"ördér\"", "\"🧨\"", "\"../etc\"", "\"' OR 1=1 --\"", "\"a/b\"", "\"id;drop\"", "\"x\\u0000\"",
            "\"MATCH (n)\"", "42", "true", "[]");

    /** Path segments (already percent-encoded where needed) no id path parameter accepts. */
    static final List<String> BAD_PATH_ID = List.of("bad%24id", "has%20space", "s".repeat(129), "%00", "x%00y",
            "%27%20OR%20%271%27%3D%271", "%3Bdrop%20table%20events", "..%2F..%2Fetc%2Fpasswd", "%2E%2E", "%C3%B6rder",
            "%F0%9F%A7%A8", "%E2%80%AE", "%FF%FE", "%C0%AF", "x%0D%0AInjected:%201", "MATCH%20(n)", "a%2Fb",
            "%7B%7D", "%5Bx%5D", "%60id%60");

    /** Amounts (as JSON text) that are never a valid positive amount of EUR. */
    static final List<String> BAD_AMOUNT = List.of("-1", "-0.01", "0", "0.00", "\"abc\"", "true", "1.999", "1e400",
            "-1e400", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "[]", "{}", "\"\"", "\"1,50\"", "\"0x10\"",
            "1" + "0".repeat(1000), "99999999999999999999999999999999999.99", "1e20", "-99999999999999999999");

    /** Initial balances (as JSON text) an account never opens with (zero is allowed there). */
    static final List<String> BAD_BALANCE = List.of("-1", "-0.01", "\"abc\"", "true", "1.999", "1e400", "\"NaN\"",
            "[]", "{}", "\"\"", "1" + "0".repeat(1000), "-1e20", "\"1 000\"");

    /** Quantities (as JSON text) an order line never has. */
    static final List<String> BAD_QUANTITY = List.of("0", "-1", "1.5", "1e20", "99999999999", "\"2\"", "1000001",
            "true", "null", "[]", "-2147483649", "2147483648");

    /** Currencies (as JSON text) that are not ISO 4217 codes with decimals a shop uses. */
    static final List<String> BAD_CURRENCY = List.of("\"EURO\"", "\"eur\"", "\"XAU\"", "\"\"", "42", "\"€\"",
            "\"EU\\u0000R\"", "\"'; DROP\"", "\"XXX\"", "null", "[\"EUR\"]");

    /** E-mail addresses (as JSON text) never accepted. */
    static final List<String> BAD_EMAIL = List.of("\"not-an-email\"", "\"\"", "\"   \"", "42", "\"@\"",
            "\"x\\u0000@y.z\"", "null", "\"a@b@c\"");

    /** Expected versions (as JSON text) never accepted, or never matching (the external stream is at version 1). */
    static final List<String> BAD_EXPECTED_VERSION = List.of("\"1\"", "1.5", "-1", "1e400", "true", "{}",
            "99999999999999999999");

    /** Query parameter values (already percent-encoded). */
    static final List<String> BAD_PARAM = List.of("abc", "-1", "0", "1.5", "1e400", "99999999999999999999", "%00",
            "%FF%FE", "%27%20OR%201%3D1%20--", "*:*", "%3Cscript%3E", "%E2%80%AE", "%F0%9F%A7%A8", "",
            "x".repeat(5000), "true", "%5B%5D", "%7B%7D", "NaN", "-Infinity", "2026-02-30T00:00:00Z",
            "2026-01-01T00:00:00", "yesterday", "P-1D", "999999d", "0d");

    /** Values for the free-text {@code q} parameter (search treats them as text: 200, or 400 when too long). */
    static final List<String> SEARCH_TEXT = List.of("%27%3B%20DROP%20TABLE%20events%3B%20--", "*%3A*",
            "status%3A*%20OR%20_exists_%3Ax", "name%3A%2F.*%2F", "(a%20OR%20b)%20AND%20c~2%5E5", "%5C", "%22", "%2F",
            "MATCH%20(n)%20DETACH%20DELETE%20n", "%7B%22query%22%3A%7B%22match_all%22%3A%7B%7D%7D%7D",
            "%24%7Bjndi%3Aldap%3A%2F%2Fx%7D", "%D7%A9%D7%9C%D7%95%D7%9D", "%F0%9F%A7%A8", "%E2%80%AE",
            "%00", "a".repeat(300), "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%5B", "%7B%7B7*7%7D%7D");

    /** X-Consistency-Token values that are not tokens. */
    static final List<String> BAD_TOKEN = List.of("abc", "-1.-1", "1.2.3", "' OR 1=1", "99999999999999999999.1",
            "1.", ".1", "NaN.NaN", "x".repeat(3000), "0x10.0x10", "1e5.1", "\u00e9");

    /** Authorization headers that are not the admin's credentials. */
    static final List<String> BAD_AUTH = List.of("Basic " + b64("admin:wrong"), "Basic " + b64("admin:"),
            "Basic " + b64("admin"), "Basic !!!notbase64", "Bearer eyJhbGciOiJub25lIn0.e30.", "Basic ",
            "Digest username=\"admin\"", "Basic " + b64("' OR 1=1 --:x"), "Basic " + b64("root:root"),
            "Basic " + b64("admin:" + "p".repeat(5000)), "basic " + b64("admin:admin"), "Token x");

    static final List<String> BAD_CONTENT_TYPE = List.of("text/plain", "application/xml", "multipart/form-data",
            "application/x-www-form-urlencoded", "application/octet-stream", "image/png", "application/jsonx",
            "json");

    // ------------------------------------------------------------------------------------------- generation

    private final Random random;
    private final Fixtures f;
    private int fresh;

    HostileRequests(long seed, Fixtures fixtures) {
        this.random = new Random(seed);
        this.f = fixtures;
    }

    /** {@code count} requests, the same ones for the same seed and fixtures. */
    List<Request> generate(int count) {
        List<Request> requests = new ArrayList<>(count);
        while (requests.size() < count) {
            int pick = random.nextInt(100);
            Request r;
            if (pick < 10) {
                r = customerRegister();
            } else if (pick < 14) {
                r = customerDeactivate();
            } else if (pick < 26) {
                r = orderCreate();
            } else if (pick < 31) {
                r = orderShipOrCancel();
            } else if (pick < 37) {
                r = accountOpen();
            } else if (pick < 45) {
                r = accountMoney();
            } else if (pick < 54) {
                r = streamAppend();
            } else if (pick < 58) {
                r = admin();
            } else if (pick < 62) {
                r = wrongMethod();
            } else if (pick < 65) {
                r = raw();
            } else if (pick < 72) {
                r = credentialAttack();
            } else {
                r = query();
            }
            requests.add(withCredentials(r));
        }
        return requests;
    }

    // ---------------------------------------------------------------------------------------- commands

    /** A JSON object under construction: entries are raw JSON text, duplicates allowed. */
    private final class Body {
        final List<String[]> entries = new ArrayList<>();
        String category;
        String replaced; // a whole-body defect: the text sent instead
        byte[] bytes;    // a byte-level defect
        boolean chunked;
        final Map<String, String> headers = new LinkedHashMap<>();

        Body put(String key, String json) {
            entries.removeIf(e -> e[0].equals(key));
            entries.add(new String[] {key, json});
            return this;
        }

        Body remove(String key) {
            entries.removeIf(e -> e[0].equals(key));
            return this;
        }

        Body defect(String category) {
            if (this.category == null) {
                this.category = category;
            }
            return this;
        }

        String json() {
            StringBuilder sb = new StringBuilder("{");
            for (int i = 0; i < entries.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(quote(entries.get(i)[0])).append(": ").append(entries.get(i)[1]);
            }
            return sb.append('}').toString();
        }

        byte[] toBytes() {
            if (bytes != null) {
                return bytes;
            }
            return (replaced != null ? replaced : json()).getBytes(StandardCharsets.UTF_8);
        }
    }

    private Request command(String endpoint, String path, Body body, int maxBody) {
        return new Request(body.category, endpoint, "POST", path, withJson(body.headers), body.toBytes(), body.chunked,
                true, null);
    }

    private static Map<String, String> withJson(Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Content-Type", "application/json");
        all.putAll(headers);
        return all;
    }

    /** Noise into free-text fields (valid text; never the defect). */
    private void noise(Body body, String... textFields) {
        for (String field : textFields) {
            if (random.nextInt(3) == 0) {
                body.put(field, quote(pick(NOISE) + (random.nextBoolean() ? " " + pick(NOISE) : "")));
            }
        }
    }

    /**
     * One to three defects from {@code fieldDefects} (each makes the command invalid on its own) and, sometimes, a
     * body-, header- or size-level one.
     */
    @SafeVarargs
    private void defects(Body body, int maxBody, Consumer<Body>... fieldDefects) {
        int n = 1 + random.nextInt(3);
        boolean any = false;
        for (int i = 0; i < n; i++) {
            int choice = random.nextInt(fieldDefects.length + 6);
            if (choice < fieldDefects.length) {
                fieldDefects[choice].accept(body);
                any = true;
            } else if (choice == fieldDefects.length) {
                unknownField(body);
                any = true;
            } else if (choice == fieldDefects.length + 1 && random.nextInt(3) == 0) {
                badHeader(body);
                any = true;
            }
        }
        if (!any) {
            fieldDefects[random.nextInt(fieldDefects.length)].accept(body);
        }
        int whole = random.nextInt(100);
        if (whole < 14) {
            brokenJson(body);
        } else if (whole < 16) {
            oversized(body, maxBody);
        } else if (whole < 19) {
            badContentType(body);
        }
    }

    private void unknownField(Body body) {
        body.defect("unknown or duplicate field");
        if (random.nextBoolean()) {
            body.put(pick(List.of("nmae", "admin", "$where", "__proto__", "constructor", "isAdmin", "version",
                    "position", "ünknown", "🧨")), pick(List.of("1", "true", "\"x\"", "{}", "null")));
        } else if (!body.entries.isEmpty()) {
            String[] first = body.entries.get(0);
            body.entries.add(new String[] {first[0], first[1]}); // the same field twice
        } else {
            body.put("x", "1");
        }
    }

    private void badHeader(Body body) {
        body.defect("bad header");
        switch (random.nextInt(6)) {
            case 0 -> body.headers.put("Idempotency-Key", "k".repeat(201 + random.nextInt(300)));
            case 1 -> body.headers.put("Idempotency-Key", "my key " + random.nextInt(1000));
            case 2 -> body.headers.put("X-Correlation-Id", "c".repeat(201 + random.nextInt(300)));
            case 3 -> body.headers.put("X-Causation-Id", "a cause " + random.nextInt(1000));
            case 4 -> body.headers.put("X-Correlation-Id", "x'; DROP TABLE events; --");
            default -> body.headers.put("Idempotency-Key", "");
        }
    }

    private void brokenJson(Body body) {
        body.defect("broken JSON");
        String json = body.json();
        switch (random.nextInt(14)) {
            case 0 -> body.replaced = json.substring(0, Math.max(1, random.nextInt(json.length())));
            case 1 -> body.replaced = json + " xx";
            case 2 -> body.replaced = json + " " + json;
            case 3 -> body.replaced = "";
            case 4 -> body.replaced = "null";
            case 5 -> body.replaced = "[" + json + "]";
            case 6 -> body.replaced = json.replace('"', '\'');
            case 7 -> body.replaced = "{" + "\"a\": {".repeat(2000) + "1" + "}".repeat(2000) + "}";
            case 8 -> body.replaced = json.replace(":", "=");
            case 9 -> body.replaced = "{\"a\": NaN, " + json.substring(1);
            case 10 -> {
                byte[] valid = json.getBytes(StandardCharsets.UTF_8);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int cut = Math.min(valid.length - 1, 1 + random.nextInt(Math.max(1, valid.length - 1)));
                out.write(valid, 0, cut);
                byte[] bad = pick(List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF, (byte) 0xFE},
                        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xC0, (byte) 0xAF},
                        new byte[] {0}));
                out.write(bad, 0, bad.length);
                out.write(valid, cut, valid.length - cut);
                body.bytes = out.toByteArray();
                body.category = "invalid UTF-8 / NUL bytes";
            }
            case 11 -> {
                byte[] junk = new byte[1 + random.nextInt(512)];
                random.nextBytes(junk);
                body.bytes = junk;
            }
            case 12 -> body.replaced = "{\"a\": 1,}";
            default -> body.replaced = "{/* comment */ " + json.substring(1);
        }
    }

    private void oversized(Body body, int maxBody) {
        body.category = "oversized body";
        body.replaced = "{\"name\": \"" + "n".repeat(maxBody + 1024 + random.nextInt(64 * 1024)) + "\"}";
        body.chunked = random.nextBoolean();
    }

    private void badContentType(Body body) {
        body.defect("wrong media type");
        body.headers.put("Content-Type", pick(BAD_CONTENT_TYPE));
    }

    private static final int COMMAND_LIMIT = 256 * 1024;
    private static final int APPEND_LIMIT = 1024 * 1024;

    private Request customerRegister() {
        Body body = new Body();
        body.put("id", quote("hostile-c-" + fresh++)).put("name", quote("Ann")).put("email", quote("ann@example.com"));
        if (random.nextBoolean()) {
            body.remove("id");
        }
        noise(body, "name");
        defects(body, COMMAND_LIMIT,
                b -> b.defect("wrong type").put("name", pick(NOT_A_STRING)),
                b -> b.defect("unicode / control characters").put("name", pick(BAD_TEXT)),
                b -> b.defect("missing field").remove("email"),
                b -> b.defect("missing field").remove("name"),
                b -> b.defect("wrong type").put("email", pick(BAD_EMAIL)),
                b -> b.defect("too long").put("name", quote("n".repeat(201 + random.nextInt(2000)))),
                b -> b.defect("bad id").put("id", pick(BAD_ID_JSON)),
                b -> b.defect("taken id").put("id", quote(f.customer())),
                b -> b.defect("blank").put("name", quote(" ".repeat(1 + random.nextInt(5)))));
        return command("POST /api/customers", "/api/customers", body, COMMAND_LIMIT);
    }

    private Request customerDeactivate() {
        // Never the active fixture customer: a deactivation needs no body, so almost any request to it would be valid.
        int target = random.nextInt(3);
        String id = target == 0 ? f.inactiveCustomer() : target == 1 ? "hostile-missing-" + fresh++ : pick(BAD_PATH_ID);
        Body body = new Body();
        if (random.nextBoolean()) {
            body.put("reason", quote(pick(NOISE)));
        }
        body.defect(target == 0 ? "refused by the state (inactive)" : target == 1 ? "unknown target" : "bad path id");
        if (random.nextInt(3) == 0) {
            defects(body, COMMAND_LIMIT, b -> b.defect("wrong type").put("reason", pick(NOT_A_STRING)),
                    b -> b.defect("too long").put("reason", quote("r".repeat(501 + random.nextInt(1000)))),
                    b -> b.defect("unicode / control characters").put("reason", pick(BAD_TEXT)));
        }
        return command("POST /api/customers/{id}/deactivate", "/api/customers/" + id + "/deactivate", body,
                COMMAND_LIMIT);
    }

    private String items(int lines) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < lines; i++) {
            sb.append(i == 0 ? "" : ", ").append("{\"name\": ").append(quote(random.nextInt(3) == 0 ? pick(NOISE) : "Widget"))
                    .append(", \"price\": \"12.50\", \"quantity\": 2}");
        }
        return sb.append(']').toString();
    }

    private Request orderCreate() {
        Body body = new Body();
        body.put("id", quote("hostile-o-" + fresh++)).put("customerId", quote(f.customer())).put("currency", quote("EUR"))
                .put("items", items(1 + random.nextInt(3)));
        if (random.nextBoolean()) {
            body.remove("id");
        }
        defects(body, COMMAND_LIMIT,
                b -> b.defect("negative or zero amount").put("items", "[{\"name\": \"x\", \"price\": "
                        + pick(List.of("-1", "0", "-0.01", "-99999999")) + ", \"quantity\": 1}]"),
                b -> b.defect("huge number").put("items", "[{\"name\": \"x\", \"price\": " + pick(List.of("1e20", "1e400",
                        "1" + "0".repeat(1000), "99999999999999999999999999999999999.99")) + ", \"quantity\": 1}]"),
                b -> b.defect("wrong type").put("items", "[{\"name\": \"x\", \"price\": " + pick(BAD_AMOUNT)
                        + ", \"quantity\": 1}]"),
                b -> b.defect("wrong type").put("items", "[{\"name\": \"x\", \"price\": 1, \"quantity\": "
                        + pick(BAD_QUANTITY) + "}]"),
                b -> b.defect("wrong type").put("items", pick(List.of("[]", "{}", "\"items\"", "[null]", "[1]",
                        "[{\"price\": 1, \"quantity\": 1}]", "[[]]", "null"))),
                b -> b.defect("unicode / control characters").put("items", "[{\"name\": " + pick(BAD_TEXT)
                        + ", \"price\": 1, \"quantity\": 1}]"),
                b -> b.defect("wrong type").put("currency", pick(BAD_CURRENCY)),
                b -> b.defect("refused by the state (inactive)").put("customerId", quote(f.inactiveCustomer())),
                b -> b.defect("unknown target").put("customerId", quote("hostile-nobody-" + fresh++)),
                b -> b.defect("bad id").put("customerId", pick(BAD_ID_JSON)),
                b -> b.defect("bad id").put("id", pick(BAD_ID_JSON)),
                b -> b.defect("taken id").put("id", quote(f.order())),
                b -> b.defect("missing field").remove("customerId"),
                b -> b.defect("too long").put("items", "[" + String.join(", ", java.util.Collections.nCopies(
                        1001 + random.nextInt(500), "{\"name\": \"x\", \"price\": 1, \"quantity\": 1}")) + "]"));
        return command("POST /api/orders", "/api/orders", body, COMMAND_LIMIT);
    }

    private Request orderShipOrCancel() {
        boolean ship = random.nextBoolean();
        int target = random.nextInt(5);
        String id = switch (target) {
            case 0 -> f.shippedOrder();
            case 1 -> f.cancelledOrder();
            case 2 -> "hostile-missing-" + fresh++;
            case 3 -> pick(BAD_PATH_ID);
            default -> f.order();
        };
        Body body = new Body();
        if (ship) {
            body.put("trackingNumber", quote("T-" + random.nextInt(1000))).put("carrier", quote("UPS"));
            noise(body, "trackingNumber", "carrier");
        } else {
            body.put("reason", quote("changed my mind"));
            noise(body, "reason");
        }
        if (target == 4 || random.nextInt(3) == 0) {
            // The open order: only with a defect of the body or headers.
            if (ship) {
                defects(body, COMMAND_LIMIT, b -> b.defect("wrong type").put("carrier", pick(NOT_A_STRING)),
                        b -> b.defect("missing field").remove("carrier"),
                        b -> b.defect("missing field").remove("trackingNumber"),
                        b -> b.defect("unicode / control characters").put("trackingNumber", pick(BAD_TEXT)),
                        b -> b.defect("too long").put("carrier", quote("c".repeat(101 + random.nextInt(500)))));
            } else {
                defects(body, COMMAND_LIMIT, b -> b.defect("wrong type").put("reason", pick(NOT_A_STRING)),
                        b -> b.defect("missing field").remove("reason"),
                        b -> b.defect("unicode / control characters").put("reason", pick(BAD_TEXT)),
                        b -> b.defect("too long").put("reason", quote("r".repeat(501 + random.nextInt(500)))));
            }
        }
        body.defect(switch (target) {
            case 0, 1 -> "refused by the state (shipped/cancelled)";
            case 2 -> "unknown target";
            case 3 -> "bad path id";
            default -> "?";
        });
        String verb = ship ? "ship" : "cancel";
        return command("POST /api/orders/{id}/" + verb, "/api/orders/" + id + "/" + verb, body, COMMAND_LIMIT);
    }

    private Request accountOpen() {
        Body body = new Body();
        body.put("id", quote("hostile-a-" + fresh++)).put("currency", quote("EUR")).put("initialBalance", "\"5.00\"");
        if (random.nextBoolean()) {
            body.remove("id");
        }
        defects(body, COMMAND_LIMIT,
                b -> b.defect("negative or zero amount").put("initialBalance", pick(List.of("-1", "-0.01", "-1e20"))),
                b -> b.defect("wrong type").put("initialBalance", pick(BAD_BALANCE)),
                b -> b.defect("wrong type").put("currency", pick(BAD_CURRENCY)),
                b -> b.defect("missing field").remove("currency"),
                b -> b.defect("bad id").put("id", pick(BAD_ID_JSON)),
                b -> b.defect("taken id").put("id", quote(f.account())),
                b -> {
                    // A key first used for another request (a different body: this one names its id).
                    b.defect("bad header").headers.put("Idempotency-Key", f.usedIdempotencyKey());
                    b.put("id", quote("hostile-a-" + fresh++));
                });
        return command("POST /api/accounts", "/api/accounts", body, COMMAND_LIMIT);
    }

    private Request accountMoney() {
        boolean deposit = random.nextBoolean();
        int target = random.nextInt(4);
        String id = switch (target) {
            case 0 -> "hostile-missing-" + fresh++;
            case 1 -> pick(BAD_PATH_ID);
            case 2 -> f.order(); // not an account
            default -> f.account();
        };
        Body body = new Body();
        body.put("amount", "\"1.00\"").put(deposit ? "source" : "reason", quote(deposit ? "cash" : "rent"));
        noise(body, deposit ? "source" : "reason");
        if (target == 3 || random.nextInt(3) == 0) {
            defects(body, COMMAND_LIMIT,
                    b -> b.defect("negative or zero amount").put("amount", pick(List.of("-1", "0", "-0.01", "0.00",
                            "-1e400"))),
                    b -> b.defect("wrong type").put("amount", pick(BAD_AMOUNT)),
                    b -> b.defect("huge number").put("amount", pick(List.of("1e400", "1" + "0".repeat(1000)))),
                    b -> b.defect("missing field").remove("amount"),
                    b -> b.defect("missing field").remove(deposit ? "source" : "reason"),
                    b -> b.defect("unicode / control characters").put(deposit ? "source" : "reason", pick(BAD_TEXT)),
                    b -> {
                        if (deposit) {
                            b.defect("wrong type").put("source", pick(NOT_A_STRING));
                        } else {
                            b.defect("refused by the state (insufficient funds)").put("amount",
                                    pick(List.of("10.01", "\"11\"", "1000000", "99999999.99")));
                        }
                    });
        }
        body.defect(switch (target) {
            case 0 -> "unknown target";
            case 1 -> "bad path id";
            case 2 -> "unknown target";
            default -> "?";
        });
        String verb = deposit ? "deposit" : "withdraw";
        return command("POST /api/accounts/{id}/" + verb, "/api/accounts/" + id + "/" + verb, body, COMMAND_LIMIT);
    }

    private Request streamAppend() {
        int target = random.nextInt(4);
        String id = switch (target) {
            case 0 -> f.external();
            case 1 -> pick(BAD_PATH_ID);
            case 2 -> f.order(); // a domain stream
            default -> "hostile-s-" + fresh++;
        };
        Body body = new Body();
        String data = "{\"text\": " + quote(pick(NOISE)) + ", \"n\": " + random.nextInt(100) + "}";
        body.put("events", "[{\"type\": \"Pinged\", \"data\": " + data + "}]");
        if (random.nextBoolean()) {
            body.put("streamType", quote("erp-thing"));
        }
        if (target == 0) {
            body.put("expectedVersion", pick(List.of("0", "5", "2", "999")));
            body.defect("version conflict");
        } else if (target == 1) {
            body.defect("bad path id");
        } else if (target == 2) {
            body.defect("domain stream");
        }
        if (target == 3 || random.nextInt(3) == 0) {
            defects(body, APPEND_LIMIT,
                    b -> b.defect("wrong type").put("expectedVersion", pick(BAD_EXPECTED_VERSION)),
                    b -> b.defect("missing field").remove("events"),
                    b -> b.defect("wrong type").put("events", pick(List.of("[]", "{}", "null", "[null]", "\"x\"",
                            "[{\"data\": {}}]", "[{\"type\": \"T\"}]", "[{\"type\": \"T\", \"data\": [1]}]",
                            "[{\"type\": \"T\", \"data\": \"x\"}]", "[{\"type\": \"T\", \"data\": {}, \"metadata\": [1]}]",
                            "[{\"type\": \"T\", \"data\": {}, \"metadata\": {\"correlationId\": 7}}]"))),
                    b -> b.defect("bad id").put("events", "[{\"type\": " + pick(BAD_ID_JSON) + ", \"data\": {}}]"),
                    b -> b.defect("domain type").put("events", "[{\"type\": \"" + pick(List.of("OrderCreated",
                            "MoneyDeposited", "CustomerRegistered", "OrderShipped", "AccountCreated"))
                            + "\", \"data\": {}}]"),
                    b -> b.defect("domain type").put("streamType", quote(pick(List.of("order", "account", "customer")))),
                    b -> b.defect("unicode / control characters").put("events", "[{\"type\": \"T\", \"data\": {\"a\": "
                            + pick(UNSTORABLE) + "}}]"),
                    b -> b.defect("wrong type").put("streamType", pick(List.of("\"bad type\"", "42", "\"a$b\"",
                            "\"" + "t".repeat(129) + "\""))),
                    b -> b.defect("too long").put("events", "[" + String.join(", ", java.util.Collections.nCopies(
                            1001, "{\"type\": \"T\", \"data\": {}}")) + "]"),
                    b -> b.defect("huge number").put("events", "[{\"type\": \"T\", \"data\": {\"n\": 1"
                            + "0".repeat(2000) + "}}]"),
                    b -> b.defect("broken JSON").put("events", "[{\"type\": \"T\", \"data\": " + "{\"a\": ".repeat(600)
                            + "1" + "}".repeat(600) + "}]"));
        }
        return command("POST /api/streams/{id}/events", "/api/streams/" + id + "/events", body, APPEND_LIMIT);
    }

    private Request admin() {
        String path = switch (random.nextInt(4)) {
            case 0 -> "/api/admin/alerts/" + pick(List.of("1", "-1", "99999999999999999999", "abc", "%00")) + "/ack";
            case 1 -> "/api/admin/dead-letters/" + pick(List.of("1", "0", "abc", "1e5")) + "/replay";
            case 2 -> "/api/admin/lanes/" + pick(List.of("order-details", "order-stats", "nope", "%27%3B")) + "/redrive?streamId="
                    + pick(List.of(f.order(), "x%27%20OR%201%3D1", "%00"));
            default -> "/api/admin/read-models/" + pick(List.of("order-details", "order-graph", "order-search", "order-stats", "order-lifecycle",
                    "..%2F..", "all")) + "/rebuild";
        };
        Map<String, String> headers = new LinkedHashMap<>();
        if (random.nextInt(4) != 0) {
            headers.put("Authorization", pick(BAD_AUTH));
        }
        return new Request("bad credentials", "POST /api/admin/**", "POST", path, headers, new byte[0], false, true, null);
    }

    // ------------------------------------------------------------------------------------ credential attacks

    /** Gives a request the credential of its endpoint's role, unless it is about credentials itself. */
    private Request withCredentials(Request r) {
        if (r.credentialAttack() || r.endpoint().startsWith("POST /api/admin")) {
            if (r.headers().containsKey("Authorization") && r.from() == null) {
                // a bad admin login: it fails authentication, so it comes from an address of its own
                return r.from(guesserAddress());
            }
            return r;
        }
        String key = r.method().equals("GET") || r.method().equals("HEAD") ? f.credentials().readerKey()
                : f.credentials().writerKey();
        if (r.raw() != null) {
            // after the request line: "X-API-Key: <key>"
            String text = new String(r.raw(), StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n");
            String with = text.substring(0, end + 2) + "X-API-Key: " + key + "\r\n" + text.substring(end + 2);
            return new Request(r.category(), r.endpoint(), r.method(), r.path(), r.headers(), r.body(), r.chunked(),
                    r.command(), with.getBytes(StandardCharsets.ISO_8859_1), r.from());
        }
        return r.withHeader("X-API-Key", key);
    }

    /** One of 1,000 loopback addresses: a few failures each, far below the hub's limit per address. */
    private String guesserAddress() {
        int n = random.nextInt(1000);
        return "127.0." + (1 + n / 250) + "." + (1 + n % 250);
    }

    /** A request that would be accepted with the right credential, sent with a wrong one. */
    private Request credentialAttack() {
        Credentials c = f.credentials();
        String fresh = "hostile-auth-" + (++this.fresh);
        record Target(String endpoint, String method, String path, String json, String role) {
        }
        Target target = switch (random.nextInt(6)) {
            case 0 -> new Target("POST /api/customers", "POST", "/api/customers",
                    "{\"id\": \"" + fresh + "\", \"name\": \"Mallory\", \"email\": \"mallory@example.com\"}", "writer");
            case 1 -> new Target("POST /api/streams/{id}/events", "POST", "/api/streams/" + fresh + "/events",
                    "{\"expectedVersion\": 0, \"events\": [{\"type\": \"Pinged\", \"data\": {}}]}", "writer");
            case 2 -> new Target("POST /api/orders/{id}/cancel", "POST", "/api/orders/" + f.order() + "/cancel",
                    "{\"reason\": \"not mine to cancel\"}", "writer");
            case 3 -> new Target("POST /api/accounts/{id}/withdraw", "POST", "/api/accounts/" + f.account() + "/withdraw",
                    "{\"amount\": \"1.00\"}", "writer");
            case 4 -> new Target("GET /api/orders/{id}", "GET", "/api/orders/" + f.order(), null, "reader");
            default -> new Target("POST /api/admin/read-models/{name}/rebuild", "POST",
                    "/api/admin/read-models/order-stats/rebuild", "", "admin");
        };
        Map<String, String> headers = new LinkedHashMap<>();
        if (target.json() != null) {
            headers.put("Content-Type", "application/json");
        }
        String kind;
        String from = null;
        int pick = random.nextInt(100);
        if (pick < 12) {
            kind = NONE;
        } else if (pick < 30) {
            kind = KEY_WITHOUT_THE_ROLE;
            String key = switch (target.role()) {
                case "writer" -> pick(List.of(c.readerKey(), c.adminKey()));
                case "reader" -> c.writerKey();
                default -> pick(List.of(c.readerKey(), c.writerKey()));
            };
            headers.put(random.nextBoolean() ? "X-API-Key" : "Authorization", key);
            if (headers.containsKey("Authorization")) {
                headers.put("Authorization", "ApiKey " + key);
            }
        } else if (pick < 38) {
            kind = TOKEN_WITHOUT_THE_ROLE;
            if (target.role().equals("reader")) {
                // a token, as the kind says (a writer's key is the previous kind): a writer may not read
                headers.put("Authorization", "Bearer " + c.writerToken());
            } else {
                headers.put("Authorization", "Bearer " + pick(List.copyOf(c.tokensWithoutTheRole().values())));
            }
        } else if (pick < 42) {
            kind = ADMIN_LOGIN_WITHOUT_THE_ROLE;
            // The admin login itself, where admin is not the role: a command, whichever target was drawn (an admin
            // may read, and administer; it used to send a key of another role instead on those targets).
            if (!target.role().equals("writer")) {
                target = new Target("POST /api/customers", "POST", "/api/customers",
                        "{\"id\": \"" + fresh + "\", \"name\": \"Mallory\", \"email\": \"mallory@example.com\"}",
                        "writer");
                headers.put("Content-Type", "application/json");
            }
            headers.put("Authorization", "Basic " + b64("admin:" + c.adminPassword()));
        } else if (pick < 58) {
            kind = "an unknown or mangled key";
            String writer = c.writerKey();
            String id = writer.substring(4, writer.indexOf('_', 4));
            headers.put("X-API-Key", pick(List.of(
                    "phk_" + id + "_" + "A".repeat(43),
                    "phk_" + id + "_" + writer.substring(writer.indexOf('_', 4) + 1).toUpperCase(java.util.Locale.ROOT),
                    writer + "x", writer.substring(0, writer.length() - 1), "phk_nosuchkey_" + "B".repeat(43),
                    "phk_", "phk__", "phk_" + id + "_", "phk_" + id, writer.replace("phk_", "PHK_"),
                    "phk_" + "i".repeat(200) + "_x", "phk_" + id + "_" + "s".repeat(4000), "' OR 1=1 --",
                    "phk_../../etc_x", c.adminKey().substring(0, 20), "null", "undefined")));
            from = guesserAddress();
        } else if (pick < 80) {
            Map.Entry<String, String> token = pick(List.copyOf(c.forgedTokens().entrySet()));
            kind = "a forged token (" + token.getKey() + ")";
            headers.put("Authorization", "Bearer " + token.getValue());
            from = guesserAddress();
        } else if (pick < 88) {
            kind = MALFORMED_AUTHORIZATION;
            headers.put("Authorization", pick(List.of("Bearer", "Bearer ", "Bearer a.b", "Bearer ...",
                    "ApiKey", "ApiKey ", "apikey " + c.writerKey().substring(0, 10), "Basic " + b64(":"),
                    "Bearer " + "e".repeat(6000), "Negotiate YII=", "Basic " + b64("writer:" + c.writerKey()))));
            from = guesserAddress();
        } else {
            kind = "brute force from one address";
            headers.put("X-API-Key", "phk_" + Integer.toString(random.nextInt(Integer.MAX_VALUE), 36) + "_"
                    + Long.toString(random.nextLong() & Long.MAX_VALUE, 36));
            from = BRUTE_FORCE_ADDRESS;
        }
        byte[] body = target.json() == null ? null : target.json().getBytes(StandardCharsets.UTF_8);
        return new Request(CREDENTIAL_ATTACK + kind, target.endpoint(), target.method(), target.path(), headers, body,
                false, true, null, from);
    }

    private Request wrongMethod() {
        String path = pick(List.of("/api/customers", "/api/orders", "/api/accounts", "/api/orders/" + f.order() + "/ship",
                "/api/orders/" + f.order() + "/cancel", "/api/accounts/" + f.account() + "/deposit",
                "/api/streams/" + f.external() + "/events", "/api/customers/" + f.customer() + "/deactivate",
                "/api/admin/read-models/order-details/rebuild"));
        String method = pick(List.of("PUT", "DELETE", "PATCH", "TRACE"));
        byte[] body = "{\"name\": \"Ann\", \"email\": \"ann@example.com\"}".getBytes(StandardCharsets.UTF_8);
        return new Request("wrong method", method + " (commands)", method, path, withJson(Map.of()),
                method.equals("TRACE") ? new byte[0] : body, false, true, null);
    }

    /** Malformed HTTP written to a socket: header bytes the client library would refuse to send. */
    private Request raw() {
        String body = "{\"name\": \"Ann\", \"email\": "; // broken JSON: even if a request got through, invalid
        String path = pick(List.of("/api/customers", "/api/orders", "/api/streams/hostile-raw/events"));
        String head = switch (random.nextInt(9)) {
            case 0 -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nIdempotency-Key: k\u00e9y"
                    + random.nextInt(100) + "\r\nContent-Length: %d\r\nConnection: close\r\n\r\n";
            case 1 -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nX-Correlation-Id: a\u0001b"
                    + "\r\nContent-Length: %d\r\nConnection: close\r\n\r\n";
            case 2 -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nX-Big: "
                    + "b".repeat(20_000 + random.nextInt(20_000)) + "\r\nContent-Length: %d\r\nConnection: close\r\n\r\n";
            case 3 -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: -1"
                    + "\r\nConnection: close\r\n\r\n";
            case 4 -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: abc"
                    + "\r\nConnection: close\r\n\r\n";
            case 5 -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                    + "\r\nContent-Length: %d\r\nConnection: close\r\n\r\nzz\r\n";
            case 6 -> "P\u00d6ST " + path + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
            case 7 -> "POST " + path + "?a=%%%zz HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: %d"
                    + "\r\nConnection: close\r\n\r\n";
            default -> "POST " + path + " HTTP/1.1\r\nHost: h\r\nA header line without a colon\r\nContent-Length: %d"
                    + "\r\nConnection: close\r\n\r\n";
        };
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String headText = head.contains("%d") ? head.replace("%d", Integer.toString(bodyBytes.length)) : head;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] headBytes = headText.getBytes(StandardCharsets.ISO_8859_1);
        out.write(headBytes, 0, headBytes.length);
        out.write(bodyBytes, 0, bodyBytes.length);
        return new Request("malformed HTTP", "raw socket", "POST", path, Map.of(), bodyBytes, false, true,
                out.toByteArray());
    }

    // ------------------------------------------------------------------------------------------- queries

    private Request query() {
        Map<String, String> headers = new LinkedHashMap<>();
        String category = "bad query parameter";
        if (random.nextInt(4) == 0) {
            headers.put("X-Consistency-Token", pick(BAD_TOKEN));
            category = "bad consistency token";
        }
        String id = random.nextInt(3) == 0 ? pick(BAD_PATH_ID) : pick(List.of(f.order(), f.customer(), f.account(),
                "hostile-missing-" + fresh++, f.external()));
        if (category.equals("bad query parameter") && id.contains("%") || id.length() > 128 || id.contains("$")) {
            category = "bad path id";
        }
        String endpoint;
        String path;
        switch (random.nextInt(14)) {
            case 0 -> {
                endpoint = "GET /api/orders/{id}";
                path = "/api/orders/" + id;
            }
            case 1 -> {
                endpoint = "GET /api/orders/{id}/state";
                path = "/api/orders/" + id + "/state?" + pick(List.of("asOfVersion=", "asOf=")) + pick(BAD_PARAM);
            }
            case 2, 3, 4 -> {
                endpoint = "GET /api/orders/search";
                StringBuilder q = new StringBuilder("/api/orders/search?");
                q.append("q=").append(pick(SEARCH_TEXT));
                for (String param : List.of("status", "customerId", "carrier", "from", "to", "page", "size", "sort")) {
                    if (random.nextInt(4) == 0) {
                        q.append('&').append(param).append('=').append(random.nextBoolean() ? pick(BAD_PARAM)
                                : pick(SEARCH_TEXT));
                    }
                }
                path = q.toString();
                if (category.equals("bad query parameter")) {
                    category = "search text (q=) injection";
                }
            }
            case 5 -> {
                endpoint = "GET /api/orders/recent";
                path = "/api/orders/recent?limit=" + pick(BAD_PARAM);
            }
            case 6 -> {
                endpoint = "GET /api/orders/{id}/graph";
                path = "/api/orders/" + id + "/graph";
            }
            case 7 -> {
                endpoint = "GET /api/customers/{id}/orders-graph";
                path = "/api/customers/" + id + "/orders-graph?limit=" + pick(BAD_PARAM);
            }
            case 8 -> {
                endpoint = "GET /api/metrics/order-lifecycle";
                path = "/api/metrics/order-lifecycle?range=" + pick(BAD_PARAM) + "&groupBy="
                        + pick(List.of("carrier", "status", "x", "%27%3B%20DROP%20MEASUREMENT%20x", "carrier%22%20OR%20",
                        "%00", ""));
            }
            case 9 -> {
                endpoint = "GET /api/streams/{id}";
                path = "/api/streams/" + id + "?fromVersion=" + pick(BAD_PARAM) + "&limit=" + pick(BAD_PARAM);
            }
            case 10 -> {
                endpoint = "GET /api/accounts/{id}";
                path = "/api/accounts/" + id + "?" + pick(List.of("asOf=", "asOfVersion=")) + pick(BAD_PARAM);
            }
            case 11 -> {
                endpoint = "GET /api/alerts";
                path = "/api/alerts?status=" + pick(BAD_PARAM) + "&limit=" + pick(BAD_PARAM);
            }
            case 12 -> {
                endpoint = "GET /api/dead-letters";
                path = "/api/dead-letters?lane=" + pick(SEARCH_TEXT) + "&status=" + pick(BAD_PARAM) + "&limit="
                        + pick(BAD_PARAM);
            }
            default -> {
                endpoint = "GET /api/stats/orders";
                path = "/api/stats/orders";
                headers.put("X-Consistency-Token", pick(BAD_TOKEN));
                category = "bad consistency token";
            }
        }
        return new Request(category, endpoint, "GET", path, headers, null, false, false, null);
    }

    // ------------------------------------------------------------------------------------------- helpers

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A JSON string literal (the text is escaped the standard way, so it stays exactly that text). */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
