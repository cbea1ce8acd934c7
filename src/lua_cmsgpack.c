/* lua_cmsgpack.c: the "cmsgpack" module of scripts (Debian has none for
 * Lua 5.1 with this API), written from the MessagePack specification
 * (github.com/msgpack/msgpack/blob/master/spec.md) and the module's
 * documented interface: cmsgpack.pack(v, ...), cmsgpack.unpack(s),
 * cmsgpack.unpack_one(s [, offset]), cmsgpack.unpack_limit(s, n
 * [, offset]).
 *
 * Owns nothing but its Lua functions. Decoding never trusts a declared
 * length: nothing is allocated from it, elements are read one by one and a
 * short input fails with "Missing bytes in input.", an unknown type byte
 * with "Bad data format in input."; nesting is bounded. */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sds.h"

#define MP_MAX_NESTING 16      /* deeper tables are packed as nil */
#define MP_MAX_DECODE_DEPTH 1000

/* ---- encoding ----
 * Into an sds (not a luaL_Buffer, which moves the stack top while values
 * are read from it). Nothing in here raises a Lua error except running
 * out of memory, which zmalloc turns into an abort. */

static sds mpAppendBE(sds b, uint64_t v, int bytes) {
    unsigned char tmp[8];
    for (int i = 0; i < bytes; i++)
        tmp[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    return sdsCatLen(b, tmp, bytes);
}

static sds mpAddByte(sds b, unsigned char c) {
    return sdsCatLen(b, &c, 1);
}

static sds mpEncodeInt(sds b, int64_t n) {
    if (n >= 0) {
        uint64_t u = (uint64_t)n;
        if (u <= 127) return mpAddByte(b, (unsigned char)u);
        if (u <= 0xff) return mpAppendBE(mpAddByte(b, 0xcc), u, 1);
        if (u <= 0xffff) return mpAppendBE(mpAddByte(b, 0xcd), u, 2);
        if (u <= 0xffffffffULL) return mpAppendBE(mpAddByte(b, 0xce), u, 4);
        return mpAppendBE(mpAddByte(b, 0xcf), u, 8);
    }
    if (n >= -32) return mpAddByte(b, (unsigned char)(0xe0 | (n + 32)));
    if (n >= -128) return mpAppendBE(mpAddByte(b, 0xd0), (uint64_t)n, 1);
    if (n >= -32768) return mpAppendBE(mpAddByte(b, 0xd1), (uint64_t)n, 2);
    if (n >= -2147483648LL)
        return mpAppendBE(mpAddByte(b, 0xd2), (uint64_t)n, 4);
    return mpAppendBE(mpAddByte(b, 0xd3), (uint64_t)n, 8);
}

static sds mpEncodeNumber(sds b, lua_Number n) {
    if (!isinf(n) && !isnan(n) && n >= -9223372036854775808.0 &&
        n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n)
        return mpEncodeInt(b, (int64_t)n);
    float f = (float)n;
    if ((lua_Number)f == n || isnan(n)) {
        uint32_t u;
        memcpy(&u, &f, 4);
        return mpAppendBE(mpAddByte(b, 0xca), u, 4);
    }
    double d = (double)n;
    uint64_t u;
    memcpy(&u, &d, 8);
    return mpAppendBE(mpAddByte(b, 0xcb), u, 8);
}

static sds mpEncodeString(sds b, const char *s, size_t len) {
    if (len < 32)
        b = mpAddByte(b, (unsigned char)(0xa0 | len));
    else if (len <= 0xff)
        b = mpAppendBE(mpAddByte(b, 0xd9), len, 1);
    else if (len <= 0xffff)
        b = mpAppendBE(mpAddByte(b, 0xda), len, 2);
    else
        b = mpAppendBE(mpAddByte(b, 0xdb), len, 4);
    return sdsCatLen(b, s, len);
}

static sds mpEncodeHeader(sds b, size_t n, int is_map) {
    if (n < 16) return mpAddByte(b, (unsigned char)((is_map ? 0x80 : 0x90) | n));
    if (n <= 0xffff) return mpAppendBE(mpAddByte(b, is_map ? 0xde : 0xdc), n, 2);
    return mpAppendBE(mpAddByte(b, is_map ? 0xdf : 0xdd), n, 4);
}

/* 1 if the table at the top has exactly the keys 1..n; *count gets the
 * number of keys either way. */
static int mpTableIsArray(lua_State *L, size_t *count) {
    size_t n = 0;
    int array = 1;
    lua_Number max = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
        if (lua_type(L, -1) != LUA_TNUMBER) {
            array = 0;
            continue;
        }
        lua_Number k = lua_tonumber(L, -1);
        if (k <= 0 || floor(k) != k) array = 0;
        else if (k > max) max = k;
    }
    *count = n;
    return array && max == (lua_Number)n;
}

static sds mpEncodeValue(lua_State *L, sds b, int level);

static sds mpEncodeTable(lua_State *L, sds b, int level) {
    size_t n;
    int is_array = mpTableIsArray(L, &n);
    b = mpEncodeHeader(b, n, !is_array);
    if (is_array) {
        for (size_t j = 1; j <= n; j++) {
            lua_rawgeti(L, -1, (int)j);
            b = mpEncodeValue(L, b, level + 1);
            lua_pop(L, 1);
        }
    } else {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            b = mpEncodeValue(L, b, level + 1);
            lua_pop(L, 1);
            b = mpEncodeValue(L, b, level + 1);
            lua_pop(L, 1);
        }
    }
    return b;
}

/* Appends the packed form of the value at the top of <L> (left there). */
static sds mpEncodeValue(lua_State *L, sds b, int level) {
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        return mpEncodeString(b, s, len);
    }
    case LUA_TBOOLEAN:
        return mpAddByte(b, lua_toboolean(L, -1) ? 0xc3 : 0xc2);
    case LUA_TNUMBER:
        return mpEncodeNumber(b, lua_tonumber(L, -1));
    case LUA_TTABLE:
        if (level < MP_MAX_NESTING && lua_checkstack(L, 4))
            return mpEncodeTable(L, b, level);
        return mpAddByte(b, 0xc0);
    default:
        return mpAddByte(b, 0xc0);
    }
}

static int mpPack(lua_State *L) {
    int n = lua_gettop(L);
    if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, 8)) return luaL_error(L, "cmsgpack: stack full");
    sds b = sdsEmpty();
    for (int i = 1; i <= n; i++) {
        lua_pushvalue(L, i);
        b = mpEncodeValue(L, b, 0);
        lua_pop(L, 1);
    }
    lua_pushlstring(L, b, sdsLen(b));
    sdsFree(b);
    return 1;
}

/* ---- decoding ---- */

typedef struct mpCursor {
    const unsigned char *p;
    size_t left;
    int err; /* 0, MP_EOF, MP_BADFMT */
} mpCursor;

#define MP_EOF 1
#define MP_BADFMT 2

static int mpNeed(mpCursor *c, size_t n) {
    if (c->left < n) {
        c->err = MP_EOF;
        return 0;
    }
    return 1;
}

static uint64_t mpReadBE(mpCursor *c, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | c->p[i];
    c->p += bytes;
    c->left -= bytes;
    return v;
}

static void mpDecode(lua_State *L, mpCursor *c, int depth);

static void mpDecodeArray(lua_State *L, mpCursor *c, uint64_t n, int depth) {
    lua_newtable(L);
    for (uint64_t j = 0; j < n; j++) {
        mpDecode(L, c, depth + 1);
        if (c->err) return;
        lua_rawseti(L, -2, (int)(j + 1));
    }
}

static void mpDecodeMap(lua_State *L, mpCursor *c, uint64_t n, int depth) {
    lua_newtable(L);
    for (uint64_t j = 0; j < n; j++) {
        mpDecode(L, c, depth + 1);
        if (c->err) return;
        mpDecode(L, c, depth + 1);
        if (c->err) return;
        /* A nil or NaN key cannot index a Lua table: drop the pair. */
        if (lua_isnil(L, -2) ||
            (lua_type(L, -2) == LUA_TNUMBER &&
             isnan(lua_tonumber(L, -2)))) {
            lua_pop(L, 2);
            continue;
        }
        lua_settable(L, -3);
    }
}

static void mpDecodeString(lua_State *L, mpCursor *c, uint64_t len) {
    if (!mpNeed(c, len)) return;
    lua_pushlstring(L, (const char *)c->p, (size_t)len);
    c->p += len;
    c->left -= len;
}

/* Pushes the next object; on error pushes nothing and sets c->err. */
static void mpDecode(lua_State *L, mpCursor *c, int depth) {
    if (depth > MP_MAX_DECODE_DEPTH || !lua_checkstack(L, 4)) {
        c->err = MP_BADFMT;
        return;
    }
    if (!mpNeed(c, 1)) return;
    unsigned char t = *c->p++;
    c->left--;
    int top = lua_gettop(L);
    if (t <= 0x7f) {
        lua_pushnumber(L, t);
    } else if (t >= 0xe0) {
        lua_pushnumber(L, (signed char)t);
    } else if ((t & 0xe0) == 0xa0) {
        mpDecodeString(L, c, t & 0x1f);
    } else if ((t & 0xf0) == 0x90) {
        mpDecodeArray(L, c, t & 0x0f, depth);
    } else if ((t & 0xf0) == 0x80) {
        mpDecodeMap(L, c, t & 0x0f, depth);
    } else {
        switch (t) {
        case 0xc0: lua_pushnil(L); break;
        case 0xc2: lua_pushboolean(L, 0); break;
        case 0xc3: lua_pushboolean(L, 1); break;
        case 0xcc: if (mpNeed(c, 1)) lua_pushnumber(L, mpReadBE(c, 1)); break;
        case 0xcd: if (mpNeed(c, 2)) lua_pushnumber(L, mpReadBE(c, 2)); break;
        case 0xce: if (mpNeed(c, 4)) lua_pushnumber(L, mpReadBE(c, 4)); break;
        case 0xcf:
            if (mpNeed(c, 8)) lua_pushnumber(L, (lua_Number)mpReadBE(c, 8));
            break;
        case 0xd0:
            if (mpNeed(c, 1)) lua_pushnumber(L, (int8_t)mpReadBE(c, 1));
            break;
        case 0xd1:
            if (mpNeed(c, 2)) lua_pushnumber(L, (int16_t)mpReadBE(c, 2));
            break;
        case 0xd2:
            if (mpNeed(c, 4)) lua_pushnumber(L, (int32_t)mpReadBE(c, 4));
            break;
        case 0xd3:
            if (mpNeed(c, 8))
                lua_pushnumber(L, (lua_Number)(int64_t)mpReadBE(c, 8));
            break;
        case 0xca:
            if (mpNeed(c, 4)) {
                uint32_t u = (uint32_t)mpReadBE(c, 4);
                float f;
                memcpy(&f, &u, 4);
                lua_pushnumber(L, f);
            }
            break;
        case 0xcb:
            if (mpNeed(c, 8)) {
                uint64_t u = mpReadBE(c, 8);
                double d;
                memcpy(&d, &u, 8);
                lua_pushnumber(L, d);
            }
            break;
        case 0xc4: case 0xd9:
            if (mpNeed(c, 1)) mpDecodeString(L, c, mpReadBE(c, 1));
            break;
        case 0xc5: case 0xda:
            if (mpNeed(c, 2)) mpDecodeString(L, c, mpReadBE(c, 2));
            break;
        case 0xc6: case 0xdb:
            if (mpNeed(c, 4)) mpDecodeString(L, c, mpReadBE(c, 4));
            break;
        case 0xdc:
            if (mpNeed(c, 2)) mpDecodeArray(L, c, mpReadBE(c, 2), depth);
            break;
        case 0xdd:
            if (mpNeed(c, 4)) mpDecodeArray(L, c, mpReadBE(c, 4), depth);
            break;
        case 0xde:
            if (mpNeed(c, 2)) mpDecodeMap(L, c, mpReadBE(c, 2), depth);
            break;
        case 0xdf:
            if (mpNeed(c, 4)) mpDecodeMap(L, c, mpReadBE(c, 4), depth);
            break;
        default:
            c->err = MP_BADFMT;
            break;
        }
    }
    if (c->err) lua_settop(L, top);
}

/* Decodes up to <limit> objects (0: all) from byte <offset>; with
 * <want_offset> the next offset (-1 at the end) comes first. */
static int mpUnpackFull(lua_State *L, int limit, int offset, int want_offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d "
                             "and limit of %d.", offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.",
                          offset, (int)len);
    if (limit == 0) limit = INT32_MAX;
    mpCursor c = {(const unsigned char *)s + offset, len - offset, 0};
    int cnt = 0;
    lua_settop(L, 1);
    while (c.left > 0 && cnt < limit) {
        mpDecode(L, &c, 0);
        if (c.err == MP_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.err) return luaL_error(L, "Bad data format in input.");
        cnt++;
    }
    if (want_offset) {
        luaL_checkstack(L, 1, "cmsgpack");
        lua_pushnumber(L, c.left == 0 ? -1 : (lua_Number)(len - c.left));
        lua_insert(L, 2);
        cnt++;
    }
    return cnt;
}

static int mpUnpack(lua_State *L) {
    return mpUnpackFull(L, 0, 0, 0);
}

static int mpUnpackOne(lua_State *L) {
    int offset = (int)luaL_optinteger(L, 2, 0);
    return mpUnpackFull(L, 1, offset, 1);
}

static int mpUnpackLimit(lua_State *L) {
    int limit = (int)luaL_checkinteger(L, 2);
    int offset = (int)luaL_optinteger(L, 3, 0);
    return mpUnpackFull(L, limit, offset, 1);
}

/* Opens the module: returns the cmsgpack table. */
int luaopen_cmsgpack(lua_State *L) {
    static const luaL_Reg fns[] = {{"pack", mpPack},
                                   {"unpack", mpUnpack},
                                   {"unpack_one", mpUnpackOne},
                                   {"unpack_limit", mpUnpackLimit},
                                   {NULL, NULL}};
    lua_newtable(L);
    for (int i = 0; fns[i].name; i++) {
        lua_pushcfunction(L, fns[i].func);
        lua_setfield(L, -2, fns[i].name);
    }
    lua_pushstring(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushstring(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}
