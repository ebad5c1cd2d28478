package io.projhub.projectors.redis;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Currency;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.projhub.core.domain.DomainEventTypes;
import io.projhub.core.domain.account.AccountCreated;
import io.projhub.core.domain.account.MoneyDeposited;
import io.projhub.core.domain.account.MoneyWithdrawn;
import io.projhub.core.domain.order.OrderCancelled;
import io.projhub.core.domain.order.OrderCreated;
import io.projhub.core.domain.order.OrderShipped;
import io.projhub.core.eventstore.EventTypeRegistry;
import io.projhub.core.eventstore.LogPosition;
import io.projhub.core.eventstore.RecordedEvent;
import io.projhub.core.projection.EventBatch;
import io.projhub.core.projection.FailureKind;
import io.projhub.core.projection.Projector;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Order statistics, recent orders and account balances in Redis (see {@link RedisKeys} for the layout).
 *
 * <p>Each batch is one call of a Lua script, so it is atomic and one round trip. For each event the script compares
 * the stream's version with the stored {@code applied:<stream>} and applies only a higher one, so counters are
 * never incremented twice however often events are replayed or re-driven; then it sets the checkpoint unless that
 * would move it backwards.
 *
 * <p>Meaning of the counters: {@code total} counts orders ever created; {@code CREATED}, {@code SHIPPED},
 * {@code CANCELLED} are current counts (a shipped order moves from CREATED to SHIPPED); {@code revenue:<CUR>} is the
 * sum of the totals of the orders that are not cancelled, kept as an integer in the currency's minor units (Lua
 * numbers are doubles; HINCRBY is exact in 64 bits) and rendered as a decimal by {@link RedisOrderQueries}.
 *
 * <p>Order hashes are kept for every order (a status change must know the old status and the total); the
 * {@code recent_orders} index is capped.
 *
 * <p>A skipped event ({@link #recordSkipped}) only raises {@code applied:<stream>}, the stream's version record. If it
 * was an order's OrderCreated, the order has no hash, and its later status changes have nothing to change: they
 * only raise the version too, so the order never shows in the counters.
 */
public final class RedisOrderProjector implements Projector {

    public static final String NAME = "redis";
    public static final int DEFAULT_RECENT_ORDERS_CAPACITY = 1000;

    private static final Set<String> EVENT_TYPES = Set.of(OrderCreated.TYPE, "OrderShipped", "OrderCancelled",
            "AccountCreated", "MoneyDeposited", "MoneyWithdrawn");

    /*
     * KEYS: 1 order stats hash, 2 recent orders zset, 3 checkpoint hash.
     * ARGV: 1 key prefix, 2 events as a JSON array, 3 checkpoint txId, 4 checkpoint position, 5 recent capacity.
     * Every event value is a string (cjson turns large numbers into lossy doubles; HINCRBY takes the string as is).
     * Key suffixes order:, account:, applied: are those of RedisKeys. Returns the number of events applied.
     */
    static final String SCRIPT = """
            local prefix = ARGV[1]
            local events = cjson.decode(ARGV[2])
            local capacity = tonumber(ARGV[5])
            local stats, recent, checkpoint = KEYS[1], KEYS[2], KEYS[3]

            local function earns(status)
              return status == 'CREATED' or status == 'SHIPPED'
            end

            local function negated(n)
              if string.sub(n, 1, 1) == '-' then return string.sub(n, 2) end
              return '-' .. n
            end

            -- per-status counts are current counts; revenue follows an order while its status earns
            local function moveTo(orderKey, status)
              local order = redis.call('HMGET', orderKey, 'status', 'currency', 'totalMinor')
              local old, currency, minor = order[1], order[2], order[3]
              if old == status then return end
              if old then redis.call('HINCRBY', stats, old, -1) end
              redis.call('HINCRBY', stats, status, 1)
              if currency and minor and earns(old) ~= earns(status) then
                redis.call('HINCRBY', stats, 'revenue:' .. currency, earns(status) and minor or negated(minor))
              end
              redis.call('HSET', orderKey, 'status', status)
            end

            -- non-negative integers as strings without leading zeros, compared exactly
            local function compare(a, b)
              if #a ~= #b then return #a < #b and -1 or 1 end
              if a == b then return 0 end
              return a < b and -1 or 1
            end

            -- A stream with a version but no order hash: its OrderCreated was skipped (recordSkipped).
            local function creationSkipped(orderKey, version)
              return version and redis.call('EXISTS', orderKey) == 0
            end

            local applied, created = 0, false
            for _, e in ipairs(events) do
              local appliedKey = prefix .. 'applied:' .. e.s
              local version = redis.call('GET', appliedKey)
              if tonumber(e.v) > tonumber(version or '0') then
                local k = e.k
                local statusChange = k == 'OrderShipped' or k == 'OrderCancelled'
                if statusChange and creationSkipped(prefix .. 'order:' .. e.id, version) then
                  -- no order to change, no counters to move: only the version is recorded
                elseif k == 'OrderCreated' then
                  local orderKey = prefix .. 'order:' .. e.id
                  redis.call('HSET', orderKey, 'customerId', e.cid, 'customerName', e.cname, 'currency', e.cur,
                    'total', e.tot, 'totalMinor', e.min, 'createdAt', e.at, 'version', e.v)
                  redis.call('HINCRBY', stats, 'total', 1)
                  moveTo(orderKey, 'CREATED')
                  redis.call('ZADD', recent, e.at, e.id)
                  created = true
                elseif k == 'OrderShipped' then
                  local orderKey = prefix .. 'order:' .. e.id
                  moveTo(orderKey, 'SHIPPED')
                  redis.call('HSET', orderKey, 'shippedAt', e.at, 'carrier', e.car, 'trackingNumber', e.trk,
                    'version', e.v)
                elseif k == 'OrderCancelled' then
                  local orderKey = prefix .. 'order:' .. e.id
                  moveTo(orderKey, 'CANCELLED')
                  redis.call('HSET', orderKey, 'cancelledAt', e.at, 'cancelReason', e.why, 'version', e.v)
                else
                  redis.call('HSET', prefix .. 'account:' .. e.id, 'balance', e.bal, 'currency', e.cur,
                    'updatedAt', e.at, 'version', e.v)
                end
                redis.call('SET', appliedKey, e.v)
                applied = applied + 1
              end
            end

            if created and capacity > 0 then
              redis.call('ZREMRANGEBYRANK', recent, 0, -(capacity + 1))
            end

            local current = redis.call('HMGET', checkpoint, 'txId', 'position')
            local advance = not current[1]
            if not advance then
              local byTx = compare(current[1], ARGV[3])
              advance = byTx < 0 or (byTx == 0 and compare(current[2], ARGV[4]) < 0)
            end
            if advance then
              redis.call('HSET', checkpoint, 'txId', ARGV[3], 'position', ARGV[4])
            end
            return applied
            """;

    private static final String SCRIPT_SHA = sha1(SCRIPT);

    /** KEYS: 1 the stream's applied version. ARGV: 1 the skipped version. Raises the version, never lowers it. */
    static final String SKIP_SCRIPT = """
            if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then
              redis.call('SET', KEYS[1], ARGV[1])
            end
            return 0
            """;

    private final JedisPooled redis;
    private final RedisKeys keys;
    private final int recentOrdersCapacity;
    private final RedisProbe probe;
    private final EventTypeRegistry registry = DomainEventTypes.registry();
    private final JsonMapper json = JsonMapper.builder().build();

    public RedisOrderProjector(JedisPooled redis, String namespace) {
        this(redis, namespace, DEFAULT_RECENT_ORDERS_CAPACITY);
    }

    /**
     * @param namespace            see {@link RedisKeys}
     * @param recentOrdersCapacity how many orders {@code recent_orders} keeps (the most recently created), at least 1
     */
    public RedisOrderProjector(JedisPooled redis, String namespace, int recentOrdersCapacity) {
        if (recentOrdersCapacity < 1) {
            throw new IllegalArgumentException("recentOrdersCapacity must be at least 1: " + recentOrdersCapacity);
        }
        this.redis = Objects.requireNonNull(redis, "redis");
        this.keys = new RedisKeys(namespace);
        this.recentOrdersCapacity = recentOrdersCapacity;
        this.probe = new RedisProbe(redis, namespace);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> eventTypes() {
        return EVENT_TYPES;
    }

    /** Deletes every key of this namespace's read model (they share one hash tag), checkpoint included. */
    @Override
    public void reset() {
        ScanParams params = new ScanParams()
                .match(keys.pattern()).count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            var page = redis.scan(cursor, params);
            if (!page.getResult().isEmpty()) {
                redis.del(page.getResult().toArray(String[]::new));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }

    @Override
    public LogPosition checkpoint() {
        return probe.checkpoint();
    }

    @Override
    public void apply(EventBatch batch) {
        applyCounting(batch);
    }

    /** Applies the batch and returns how many of its events changed the read model (the others were applied before). */
    long applyCounting(EventBatch batch) {
        List<String> scriptKeys = List.of(keys.orderStats(), keys.recentOrders(), keys.checkpoint(NAME));
        List<String> args = List.of(keys.prefix(), encode(batch.events()),
                Long.toString(batch.checkpoint().txId()), Long.toString(batch.checkpoint().position()),
                Integer.toString(recentOrdersCapacity));
        Object applied;
        try {
            applied = redis.evalsha(SCRIPT_SHA, scriptKeys, args);
        } catch (JedisNoScriptException e) {
            // First use on this server, or its script cache was flushed/restarted: EVAL runs and caches it.
            applied = redis.eval(SCRIPT, scriptKeys, args);
        }
        return (Long) applied;
    }

    /**
     * Sets the checkpoint hash to exactly {@code checkpoint}, also backwards, in one HSET (atomic). Recovery only, with
     * the lane stopped: the batch script would refuse to move it back.
     */
    @Override
    public void overwriteCheckpoint(LogPosition checkpoint) {
        redis.hset(keys.checkpoint(NAME), Map.of("txId", Long.toString(checkpoint.txId()),
                "position", Long.toString(checkpoint.position())));
    }

    /** Sets {@code applied:<stream>} to {@code version} unless it is already as high, atomically (one script). */
    @Override
    public void recordSkipped(String streamId, long version) {
        redis.eval(SKIP_SCRIPT, List.of(keys.applied(Objects.requireNonNull(streamId, "streamId"))),
                List.of(Long.toString(version)));
    }

    /**
     * TRANSIENT: connection failures, a busy or loading server, failover, out-of-memory, too-few-replicas or
     * cannot-persist states, and authentication or permission errors (the store's configuration, to be retried until
     * fixed). PERMANENT: anything else, e.g. an event that does not decode or an amount with more decimals than its
     * currency.
     */
    @Override
    public FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JedisConnectionException || t instanceof JedisBusyException
                    || t instanceof JedisAccessControlException) {
                return FailureKind.TRANSIENT;
            }
            if (t instanceof JedisDataException && isServerState(t.getMessage())) {
                return FailureKind.TRANSIENT;
            }
        }
        return FailureKind.ofCauseChain(failure);
    }

    /**
     * Errors that say the server cannot take writes now (loading, failing over, out of memory, too few replicas,
     * unable to persist), not that the data is bad.
     */
    private static boolean isServerState(String message) {
        if (message == null) {
            return false;
        }
        for (String prefix : List.of("LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "OOM",
                "NOREPLICAS", "MISCONF", "NOAUTH", "WRONGPASS", "NOPERM")) {
            if (message.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private String encode(List<RecordedEvent> events) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (RecordedEvent event : events) {
            if (!EVENT_TYPES.contains(event.type())) {
                continue;
            }
            ObjectNode row = array.addObject();
            row.put("s", event.streamId());
            row.put("v", Long.toString(event.version()));
            row.put("k", event.type());
            Object domainEvent = registry.toObject(event);
            if (domainEvent instanceof OrderCreated created) {
                Currency currency = currency(created.currency());
                BigDecimal total = atScale(created.totalAmount(), currency);
                row.put("id", created.orderId());
                row.put("cid", text(created.customerId()));
                row.put("cname", text(created.customerName()));
                row.put("cur", currency.getCurrencyCode());
                row.put("tot", total.toPlainString());
                row.put("min", total.unscaledValue().toString());
                row.put("at", millis(created.createdAt(), event));
            } else if (domainEvent instanceof OrderShipped shipped) {
                row.put("id", shipped.orderId());
                row.put("car", text(shipped.carrier()));
                row.put("trk", text(shipped.trackingNumber()));
                row.put("at", millis(shipped.shippedAt(), event));
            } else if (domainEvent instanceof OrderCancelled cancelled) {
                row.put("id", cancelled.orderId());
                row.put("why", text(cancelled.reason()));
                row.put("at", millis(cancelled.cancelledAt(), event));
            } else if (domainEvent instanceof AccountCreated opened) {
                account(row, opened.accountId(), opened.initialBalance(), opened.currency(), opened.openedAt(), event);
            } else if (domainEvent instanceof MoneyDeposited deposited) {
                account(row, deposited.accountId(), deposited.balanceAfter(), deposited.currency(),
                        deposited.depositedAt(), event);
            } else if (domainEvent instanceof MoneyWithdrawn withdrawn) {
                account(row, withdrawn.accountId(), withdrawn.balanceAfter(), withdrawn.currency(),
                        withdrawn.withdrawnAt(), event);
            } else {
                throw new IllegalArgumentException("Event " + event.streamId() + "@" + event.version() + " of type "
                        + event.type() + " decoded to an unexpected " + domainEvent.getClass().getSimpleName());
            }
        }
        return json.writeValueAsString(array);
    }

    private static void account(ObjectNode row, String accountId, BigDecimal balance, String currencyCode,
                                Instant at, RecordedEvent event) {
        Currency currency = currency(currencyCode);
        row.put("id", accountId);
        row.put("bal", atScale(balance, currency).toPlainString());
        row.put("cur", currency.getCurrencyCode());
        row.put("at", millis(at, event));
    }

    private static Currency currency(String code) {
        Currency currency = Currency.getInstance(Objects.requireNonNull(code, "currency"));
        if (currency.getDefaultFractionDigits() < 0) {
            throw new IllegalArgumentException("Not a currency of money: " + code);
        }
        return currency;
    }

    /** The amount at the currency's scale; more decimals than the currency has is bad data (ArithmeticException). */
    private static BigDecimal atScale(BigDecimal amount, Currency currency) {
        return Objects.requireNonNull(amount, "amount").setScale(currency.getDefaultFractionDigits());
    }

    private static String millis(Instant at, RecordedEvent event) {
        return Long.toString((at != null ? at : event.recordedAt()).toEpochMilli());
    }

    private static String text(String value) {
        return value == null ? "" : value;
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }
}
