package io.projhub.projectors.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of {@link RedisDefinedReadModel}. Every key and value reaches them through KEYS and ARGV (the
 * keys of documents, counters and sorted sets are built in the script from the read model's key prefix, ARGV[1],
 * which carries the namespace's hash tag, so on a cluster they all live in the slot of KEYS[1]).
 */
final class RedisDefinedScripts {

    private RedisDefinedScripts() {
    }

    /*
     * The batch script. KEYS: 1 versions hash (field = stream id), 2 checkpoint hash.
     * ARGV: 1 key prefix of the read model ("{<ns>projhub}:<keyPrefix>:v<version>:"), 2 events as a JSON array,
     * 3 checkpoint txId ("" for a chunk that does not set the checkpoint), 4 checkpoint position, 5 program hash.
     *
     * An event is {s: stream id, v: version, c: [changes]} or {s, v, f: failure message} (the writer could not
     * turn it into changes). Every number travels as a string: cjson would turn large numbers into lossy doubles.
     * Changes:
     *   {t='doc', k=key, o=[ops]}   ops: {o='set', f, v} {o='unset', f} {o='incl', f, d} (long)
     *                                    {o='incd', f, d=minor units, s=scale} (decimal) {o='incf', f, d} (double)
     *                                    {o='add'|'rem'|'app', f, v=JSON text of the element}
     *   {t='del', k=key}
     *   {t='cnt', n=name, m='L'|'D', d=delta (minor units for 'D'), s=scale}
     *   {t='zs', n=name, m='add'|'incr'|'rem', e=member, sc=score, kp=members to keep (absent: all)}
     *
     * Each event whose version is above the recorded one is applied in two passes: the first reads and computes
     * every new value into an overlay (nothing is kept yet; any failure, e.g. a decimal with more digits than its
     * scale, a long overflow, a wrong key type, stops here), the second merges the overlay into what the call has
     * applied and records the version. So an event is applied whole or not at all. The recorded versions are read
     * 500 streams to an HMGET; hashes and counter totals are written once per call (one HSET per hash for up to 500
     * fields, one SET per total, whatever the number of events that changed them), then the sorted-set changes in
     * event order, then the version records. A
     * failure leaves the events before it applied and recorded: the script then writes them and returns
     * {applied, index of the failed event, message} without touching the checkpoint. Otherwise it returns
     * {applied, 0, ''} after moving the checkpoint forward (never backwards) and storing the program hash.
     *
     * Decimals and longs are added exactly as decimal digit strings (Lua numbers are doubles): no precision limit
     * for decimals; a long must stay within 64 bits.
     */
    static final String BATCH = """
            local base = ARGV[1]
            local events = cjson.decode(ARGV[2])
            local versions, checkpoint = KEYS[1], KEYS[2]
            local INT64_MAX, INT64_MIN_ABS = '9223372036854775807', '9223372036854775808'

            local function fail(message) error({projhub = message}) end

            -- exact integer arithmetic on decimal digit strings
            local function normal(x)
              local neg = string.sub(x, 1, 1) == '-'
              local digits = neg and string.sub(x, 2) or x
              digits = string.gsub(digits, '^0+', '')
              if digits == '' then return false, '0' end
              return neg, digits
            end
            local function cmpAbs(a, b)
              if #a ~= #b then return #a < #b and -1 or 1 end
              if a == b then return 0 end
              return a < b and -1 or 1
            end
            local function reversed(out, n)
              local r = {}
              for k = n, 1, -1 do r[#r + 1] = out[k] end
              return table.concat(r)
            end
            local function addAbs(a, b)
              local out, carry, i, j = {}, 0, #a, #b
              while i > 0 or j > 0 or carry > 0 do
                local s = carry
                if i > 0 then s = s + string.byte(a, i) - 48 end
                if j > 0 then s = s + string.byte(b, j) - 48 end
                if s >= 10 then out[#out + 1] = s - 10; carry = 1 else out[#out + 1] = s; carry = 0 end
                i = i - 1; j = j - 1
              end
              return reversed(out, #out)
            end
            local function subAbs(a, b) -- a >= b
              local out, borrow, i, j = {}, 0, #a, #b
              while i > 0 do
                local s = string.byte(a, i) - 48 - borrow
                if j > 0 then s = s - (string.byte(b, j) - 48) end
                if s < 0 then s = s + 10; borrow = 1 else borrow = 0 end
                out[#out + 1] = s
                i = i - 1; j = j - 1
              end
              local n = #out
              while n > 1 and out[n] == 0 do n = n - 1 end
              return reversed(out, n)
            end
            local function addInt(a, b)
              if #a <= 15 and #b <= 15 then -- fewer than 16 characters: below 10^15 each, and summed below 2^53
                local sum = tonumber(a) + tonumber(b)
                if sum == 0 then return '0' end
                return string.format('%.0f', sum)
              end
              local na, da = normal(a)
              local nb, db = normal(b)
              if #da <= 15 and #db <= 15 then -- below 2^53 each and summed: exact in doubles
                local sum = (na and -tonumber(da) or tonumber(da)) + (nb and -tonumber(db) or tonumber(db))
                return string.format('%.0f', sum)
              end
              local neg, mag
              if na == nb then
                neg, mag = na, addAbs(da, db)
              else
                local c = cmpAbs(da, db)
                if c == 0 then return '0' end
                if c > 0 then neg, mag = na, subAbs(da, db) else neg, mag = nb, subAbs(db, da) end
              end
              if mag == '0' then return '0' end
              return neg and ('-' .. mag) or mag
            end
            local function integer(text, what)
              if not string.match(text, '^%-?%d+$') then fail(what .. ' holds ' .. text .. ', not an integer') end
              return text
            end
            local function long(text, what)
              if #text <= 18 then return text end -- at most 18 digits: below 2^63
              local neg, digits = normal(text)
              if cmpAbs(digits, neg and INT64_MIN_ABS or INT64_MAX) > 0 then
                fail(what .. ' would overflow a 64-bit long')
              end
              return text
            end
            -- a decimal string as an integer of minor units at scale
            local function toMinor(text, scale, what)
              local sign, int, frac = string.match(text, '^(%-?)(%d+)%.?(%d*)$')
              if not int then fail(what .. ' holds ' .. text .. ', not a decimal') end
              if #frac > scale then
                if not string.match(string.sub(frac, scale + 1), '^0*$') then
                  fail(what .. ' holds ' .. text .. ', more decimals than the scale ' .. scale)
                end
                frac = string.sub(frac, 1, scale)
              end
              return sign .. int .. frac .. string.rep('0', scale - #frac)
            end
            local function fromMinor(minor, scale)
              local neg = string.byte(minor, 1) == 45
              local d = neg and string.sub(minor, 2) or minor
              if string.byte(d, 1) == 48 then neg, d = normal(minor) end -- leading zeros, or zero
              if scale == 0 then return neg and ('-' .. d) or d end
              if #d <= scale then d = string.rep('0', scale - #d + 1) .. d end
              local s = string.sub(d, 1, #d - scale) .. '.' .. string.sub(d, #d - scale + 1)
              return neg and ('-' .. s) or s
            end

            -- JSON arrays as we store them: split into the JSON texts of their elements
            local function elements(text, what)
              local out = {}
              if not text then return out end
              if string.sub(text, 1, 1) ~= '[' then fail(what .. ' does not hold a set or list') end
              local i, n, depth, start = 2, #text, 0, nil
              while i <= n do
                local c = string.sub(text, i, i)
                if c == '"' then
                  start = start or i
                  i = i + 1
                  while true do
                    local j = string.find(text, '["\\\\]', i)
                    if not j then fail(what .. ' holds malformed JSON') end
                    if string.sub(text, j, j) == '"' then i = j + 1; break end
                    i = j + 2
                  end
                elseif c == '[' or c == '{' then
                  start = start or i; depth = depth + 1; i = i + 1
                elseif (c == ']' or c == '}') and depth > 0 then
                  depth = depth - 1; i = i + 1
                elseif (c == ',' or c == ']') and depth == 0 then
                  if start then out[#out + 1] = string.sub(text, start, i - 1) end
                  start = nil
                  if c == ']' then break end
                  i = i + 1
                elseif c == ' ' or c == '\\n' or c == '\\t' or c == '\\r' then
                  i = i + 1
                else
                  start = start or i; i = i + 1
                end
              end
              return out
            end
            local function array(list) return '[' .. table.concat(list, ',') .. ']' end

            -- key types checked once per call
            local typed = {}
            local function checkType(key, expected)
              if typed[key] then return end
              local t = redis.call('TYPE', key).ok
              if t ~= 'none' and t ~= expected then fail(key .. ' is a ' .. t .. ', not a ' .. expected) end
              typed[key] = true
            end

            -- What the call has applied so far is kept here and written to Redis once, when the call ends (flush):
            -- hashes {cleared, f = field -> value (false: absent), changed = fields to write}, and strings (counter
            -- totals). An event plans into an overlay of the same shape (hashes, strings, zops), merged into the
            -- call's state only once the whole event planned without a failure.
            local callHashes, callHashOrder, callStrings, callStringChanged, callStringOrder = {}, {}, {}, {}, {}
            local callZops = {}
            local hashes, strings, zops
            -- streams without a recorded version when the call began: no contribution of theirs exists (a
            -- contribution is only written with its stream's version, and FORGET deletes both), so none is read
            local fresh = {}

            local function loaded(key)
              local h = callHashes[key]
              if not h then
                h = {cleared = false, f = {}, changed = {}}
                callHashes[key] = h
                callHashOrder[#callHashOrder + 1] = key
              end
              return h
            end
            local function hash(key)
              local h = hashes[key]
              if not h then
                checkType(key, 'hash')
                h = {cleared = false, f = {}, changed = {}}
                hashes[key] = h
              end
              return h
            end
            local function hget(key, field, absent)
              local h = hash(key)
              local v = h.f[field]
              if v ~= nil then return v or nil end
              if h.cleared then return nil end
              local c = loaded(key)
              v = c.f[field]
              if v ~= nil then return v or nil end
              if c.cleared then return nil end
              if absent then v = false else v = redis.call('HGET', key, field) or false end
              c.f[field] = v
              return v or nil
            end
            local function hput(key, field, value) -- value false: delete the field
              local h = hash(key)
              h.f[field] = value
              h.changed[field] = true
            end
            -- a counter's total in minor units (a long: itself), read from Redis once per call; the overlay and the
            -- call hold {m = minor units, s = scale, L = a long} and the text is written at the end of the call
            local function tget(key, L, scale, what)
              local t = strings[key] or callStrings[key]
              if t == nil then
                checkType(key, 'string')
                local text = redis.call('GET', key) or '0'
                t = L and {m = integer(text, what), s = 0, L = true} or {m = toMinor(text, scale, what), s = scale, L = false}
                callStrings[key] = t
              end
              if t.L == L and t.s == scale then return t.m end
              local text = t.L and t.m or fromMinor(t.m, t.s)
              return L and integer(text, what) or toMinor(text, scale, what)
            end

            local function docOp(key, op)
              local f = op.f
              local what = key .. ' ' .. f
              local o = op.o
              if o == 'set' then
                hput(key, f, op.v)
              elseif o == 'unset' then
                hput(key, f, false)
              elseif o == 'incl' then
                local current = integer(hget(key, f) or '0', what)
                hput(key, f, long(addInt(current, op.d), what))
              elseif o == 'incd' then
                local scale = tonumber(op.s)
                local current = toMinor(hget(key, f) or '0', scale, what)
                hput(key, f, fromMinor(addInt(current, op.d), scale))
              elseif o == 'incf' then
                local text = hget(key, f) or '0'
                local current = tonumber(text)
                if not current then fail(what .. ' holds ' .. text .. ', not a number') end
                local result = current + tonumber(op.d)
                if result ~= result or result == math.huge or result == -math.huge then
                  fail(what .. ' would not be a finite number')
                end
                hput(key, f, string.format('%.17g', result))
              else
                local list = elements(hget(key, f), what)
                if o == 'app' then
                  list[#list + 1] = op.v
                elseif o == 'add' then
                  local present = false
                  for _, v in ipairs(list) do if v == op.v then present = true; break end end
                  if not present then list[#list + 1] = op.v end
                elseif o == 'rem' then
                  local kept = {}
                  for _, v in ipairs(list) do if v ~= op.v then kept[#kept + 1] = v end end
                  list = kept
                else
                  fail('unknown field operation ' .. tostring(o))
                end
                hput(key, f, array(list))
              end
            end

            local function plan(e)
              if e.f then fail(e.f) end
              for _, c in ipairs(e.c) do
                if c.t == 'doc' then
                  local key = base .. 'doc:' .. c.k
                  hash(key)
                  for _, op in ipairs(c.o) do docOp(key, op) end
                elseif c.t == 'del' then
                  local h = hash(base .. 'doc:' .. c.k)
                  h.cleared, h.f, h.changed = true, {}, {}
                elseif c.t == 'cnt' then
                  local total = base .. 'counter:' .. c.n
                  local byStream = total .. ':by-stream'
                  local what = 'counter ' .. c.n
                  local L = c.m == 'L'
                  local scale = L and 0 or tonumber(c.s)
                  local own = hget(byStream, e.s, fresh[e.s])
                  if L then
                    hput(byStream, e.s, long(addInt(own and integer(own, what) or '0', c.d), what))
                  else
                    hput(byStream, e.s, fromMinor(addInt(own and toMinor(own, scale, what) or '0', c.d), scale))
                  end
                  local sum = addInt(tget(total, L, scale, what), c.d)
                  strings[total] = {m = L and long(sum, what) or sum, s = scale, L = L}
                elseif c.t == 'zs' then
                  local key = base .. 'zset:' .. c.n
                  checkType(key, 'zset')
                  zops[#zops + 1] = {c.m, key, c.e, c.sc, c.kp}
                else
                  fail('unknown change ' .. tostring(c.t))
                end
              end
            end

            local function merge()
              for key, h in pairs(hashes) do
                local c = loaded(key)
                if h.cleared then c.cleared, c.f, c.changed = true, {}, {} end
                for field in pairs(h.changed) do
                  c.f[field] = h.f[field]
                  c.changed[field] = true
                end
              end
              for key, v in pairs(strings) do
                if not callStringChanged[key] then
                  callStringChanged[key] = true
                  callStringOrder[#callStringOrder + 1] = key
                end
                callStrings[key] = v
              end
              for _, z in ipairs(zops) do callZops[#callZops + 1] = z end
            end

            local function inPieces(command, key, list)
              for i = 1, #list, 1000 do
                redis.call(command, key, unpack(list, i, math.min(i + 999, #list)))
              end
            end
            local function writeHash(key)
              local h = callHashes[key]
              if h.cleared then redis.call('DEL', key) end
              local sets, dels = {}, {}
              for field in pairs(h.changed) do
                local v = h.f[field]
                if v then
                  sets[#sets + 1] = field; sets[#sets + 1] = v
                elseif not h.cleared then
                  dels[#dels + 1] = field
                end
              end
              inPieces('HSET', key, sets)
              inPieces('HDEL', key, dels)
            end
            -- documents and contributions, totals, sorted sets in event order, then the version records
            local function flush()
              for _, key in ipairs(callHashOrder) do
                if key ~= versions then writeHash(key) end
              end
              for _, key in ipairs(callStringOrder) do
                local t = callStrings[key]
                redis.call('SET', key, t.L and t.m or fromMinor(t.m, t.s))
              end
              for _, z in ipairs(callZops) do
                if z[1] == 'add' then redis.call('ZADD', z[2], z[4], z[3])
                elseif z[1] == 'incr' then redis.call('ZINCRBY', z[2], z[4], z[3])
                else redis.call('ZREM', z[2], z[3]) end
                if z[5] then redis.call('ZREMRANGEBYRANK', z[2], 0, -(tonumber(z[5]) + 1)) end
              end
              writeHash(versions)
            end

            local function message(err)
              if type(err) == 'table' then return err.projhub or err.err or cjson.encode(err) end
              return tostring(err)
            end

            -- the recorded versions of the call's streams, 500 to a round
            local recorded = loaded(versions)
            local streams, listed = {}, {}
            for _, e in ipairs(events) do
              if not listed[e.s] then listed[e.s] = true; streams[#streams + 1] = e.s end
            end
            for i = 1, #streams, 500 do
              local last = math.min(i + 499, #streams)
              local got = redis.call('HMGET', versions, unpack(streams, i, last))
              for j = i, last do
                local v = got[j - i + 1]
                recorded.f[streams[j]] = v or false
                if not v then fresh[streams[j]] = true end
              end
            end

            local applied = 0
            for index, e in ipairs(events) do
              if tonumber(e.v) > tonumber(recorded.f[e.s] or '0') then
                hashes, strings, zops = {}, {}, {}
                local ok, err = pcall(plan, e)
                if not ok then
                  flush()
                  return {applied, index, message(err)}
                end
                merge()
                recorded.f[e.s] = e.v
                recorded.changed[e.s] = true
                applied = applied + 1
              end
            end
            flush()

            local function compare(a, b) -- non-negative integers as strings
              if #a ~= #b then return #a < #b and -1 or 1 end
              if a == b then return 0 end
              return a < b and -1 or 1
            end
            if ARGV[3] ~= '' then
              local current = redis.call('HMGET', checkpoint, 'txId', 'position')
              local advance = not current[1] or not current[2]
              if not advance then
                local byTx = compare(current[1], ARGV[3])
                advance = byTx < 0 or (byTx == 0 and compare(current[2], ARGV[4]) < 0)
              end
              if advance then
                redis.call('HSET', checkpoint, 'txId', ARGV[3], 'position', ARGV[4])
              end
              redis.call('HSET', checkpoint, 'hash', ARGV[5])
            end
            return {applied, 0, ''}
            """;

    static final String BATCH_SHA = sha1(BATCH);

    /**
     * The forget script, the first half of a rewrite of one stream: the batch script's arithmetic, then it deletes the
     * stream's own document, takes the stream's contribution out of each counter it names (total minus the
     * contribution, exactly), removes its members from the sorted sets it names and deletes its version record, so
     * that its events apply again from the first. KEYS: 1 versions hash. ARGV: 1 key prefix, 2 JSON
     * {s: stream id, k: document key, c: [{n: counter, m: 'L'|'D', s: scale}], z: [{n: sorted set, e: member}]}.
     */
    static final String FORGET = BATCH.substring(0, BATCH.indexOf("-- JSON arrays as we store them")) + """
            local p = events
            redis.call('DEL', base .. 'doc:' .. p.k)
            local function negated(x)
              if string.sub(x, 1, 1) == '-' then return string.sub(x, 2) end
              return '-' .. x
            end
            for _, c in ipairs(p.c) do
              local total = base .. 'counter:' .. c.n
              local byStream = total .. ':by-stream'
              local own = redis.call('HGET', byStream, p.s)
              if own then
                local what = 'counter ' .. c.n
                local sum = redis.call('GET', total) or '0'
                if c.m == 'L' then
                  redis.call('SET', total, long(addInt(integer(sum, what), negated(integer(own, what))), what))
                else
                  local scale = tonumber(c.s)
                  redis.call('SET', total, fromMinor(addInt(toMinor(sum, scale, what),
                      negated(toMinor(own, scale, what))), scale))
                end
                redis.call('HDEL', byStream, p.s)
              end
            end
            for _, z in ipairs(p.z) do redis.call('ZREM', base .. 'zset:' .. z.n, z.e) end
            redis.call('HDEL', versions, p.s)
            return 0
            """;

    static final String FORGET_SHA = sha1(FORGET);

    /**
     * The drift audit's check of one counter: its total against the sum of its streams' contributions, exactly (the
     * batch script's arithmetic, at the largest scale either holds), and with ARGV[3] = '1' the total set to that sum.
     * KEYS: 1 the counter's total, 2 its by-stream hash. ARGV: 1 unused, 2 '{}' (the arithmetic's preamble decodes it),
     * 3 '1' to repair. Returns {total, sum, 1 if they differed}.
     */
    static final String CHECK_COUNTER = BATCH.substring(0, BATCH.indexOf("-- JSON arrays as we store them"))
            + """
            local function frac(x)
              local f = string.match(x, '%.(%d*)$')
              return f and #f or 0
            end
            local total = redis.call('GET', KEYS[1]) or '0'
            local values = redis.call('HVALS', KEYS[2])
            local scale = frac(total)
            for _, v in ipairs(values) do scale = math.max(scale, frac(v)) end
            local sum = '0'
            for _, v in ipairs(values) do sum = addInt(sum, toMinor(v, scale, 'a contribution')) end
            local held = addInt(toMinor(total, scale, 'the total'), '0')
            local expected = fromMinor(sum, scale)
            if held ~= sum then
              if ARGV[3] == '1' then redis.call('SET', KEYS[1], expected) end
              return {total, expected, 1}
            end
            return {total, expected, 0}
            """;

    static final String CHECK_COUNTER_SHA = sha1(CHECK_COUNTER);

    /** KEYS: 1 versions hash. ARGV: 1 stream id, 2 the skipped version. Raises the version, never lowers it. */
    static final String SKIP = """
            if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') then
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            end
            return 0
            """;

    static final String SKIP_SHA = sha1(SKIP);

    static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }
}
