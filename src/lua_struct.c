/* lua_struct.c: the "struct" module of scripts (Debian has no Lua 5.1
 * package of it), written from the module's documented interface:
 * struct.pack(fmt, v1, ...), struct.unpack(fmt, s [, pos]) (values, then
 * the next position), struct.size(fmt).
 *
 * Format: ">" big endian, "<" little endian, "=" native, "![n]" alignment
 * (a power of 2; no n: the native maximum), "x" a zero byte, "b"/"B" char,
 * "h"/"H" short, "l"/"L" long, "T" size_t, "i[n]"/"I[n]" integer of n bytes
 * (default int), "f" float, "d" double, "c[n]" n chars (pack: n = 0 takes
 * the whole string; unpack: n = 0 takes the previous number as the size),
 * "s" zero-terminated string, " " ignored. Lower case integers are signed.
 *
 * Owns nothing but its Lua functions. Every read is bounds-checked against
 * the data string. */
#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STRUCT_MAXINTSIZE 8
#define STRUCT_MAXALIGN 8

typedef struct structHeader {
    int little;   /* 1 little endian */
    int maxalign;
} structHeader;

static int structNativeLittle(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static int structIsDigit(int c) {
    return c >= '0' && c <= '9';
}

static size_t structGetNum(const char **fmt, size_t df) {
    if (!structIsDigit(**fmt)) return df;
    size_t a = 0;
    do {
        if (a > 100000000) break; /* absurd sizes fail later */
        a = a * 10 + (size_t)(*((*fmt)++) - '0');
    } while (structIsDigit(**fmt));
    return a;
}

/* Size of option <opt> (its numeric suffix consumed from *fmt). */
static size_t structOptSize(lua_State *L, char opt, const char **fmt) {
    switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return structGetNum(fmt, 1);
    case 'i': case 'I': {
        size_t sz = structGetNum(fmt, sizeof(int));
        if (sz > STRUCT_MAXINTSIZE || sz == 0)
            luaL_error(L, "integral size %d is larger than limit of %d",
                       (int)sz, STRUCT_MAXINTSIZE);
        return sz;
    }
    default: return 0; /* other options have no size */
    }
}

static size_t structGetToAlign(size_t len, structHeader *h, int opt,
                               size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (size_t)h->maxalign) size = (size_t)h->maxalign;
    return (size - (len & (size - 1))) & (size - 1);
}

/* Handles the options that change the header; 1 if <opt> was one. */
static int structControl(lua_State *L, int opt, const char **fmt,
                         structHeader *h) {
    switch (opt) {
    case ' ': return 1;
    case '>': h->little = 0; return 1;
    case '<': h->little = 1; return 1;
    case '=': h->little = structNativeLittle(); return 1;
    case '!': {
        size_t a = structGetNum(fmt, STRUCT_MAXALIGN);
        if (a == 0 || (a & (a - 1)) != 0)
            luaL_error(L, "alignment %d is not a power of 2", (int)a);
        h->maxalign = (int)a;
        return 1;
    }
    default: return 0;
    }
}

static void structPutInteger(luaL_Buffer *b, lua_Number n, int little,
                             size_t size) {
    uint64_t v = n < 0 ? (uint64_t)(int64_t)n : (uint64_t)n;
    char buf[STRUCT_MAXINTSIZE];
    for (size_t i = 0; i < size; i++) {
        size_t pos = little ? i : size - 1 - i;
        buf[pos] = (char)(unsigned char)(v & 0xff);
        v >>= 8;
    }
    luaL_addlstring(b, buf, size);
}

static void structCorrectBytes(char *p, size_t size, int little) {
    if (little != structNativeLittle()) {
        for (size_t i = 0; i < size / 2; i++) {
            char t = p[i];
            p[i] = p[size - 1 - i];
            p[size - 1 - i] = t;
        }
    }
}

static int structBadOption(lua_State *L, int opt) {
    return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option "
                                                  "'%c'", opt));
}

static int structPack(lua_State *L) {
    structHeader h = {structNativeLittle(), 1};
    const char *fmt = luaL_checkstring(L, 1);
    int arg = 2;
    size_t totalsize = 0;
    luaL_Buffer b;
    lua_pushnil(L); /* mark: keeps the buffer above the arguments */
    luaL_buffinit(L, &b);
    while (*fmt != '\0') {
        int opt = *fmt++;
        if (structControl(L, opt, &fmt, &h)) continue;
        size_t size = structOptSize(L, (char)opt, &fmt);
        size_t toalign = structGetToAlign(totalsize, &h, opt, size);
        totalsize += toalign;
        while (toalign-- > 0) luaL_addchar(&b, '\0');
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L':
        case 'T': case 'i': case 'I': {
            lua_Number n = luaL_checknumber(L, arg++);
            structPutInteger(&b, n, h.little, size);
            break;
        }
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            char tmp[sizeof(float)];
            memcpy(tmp, &f, sizeof(f));
            structCorrectBytes(tmp, sizeof(f), h.little);
            luaL_addlstring(&b, tmp, sizeof(f));
            break;
        }
        case 'd': {
            double d = (double)luaL_checknumber(L, arg++);
            char tmp[sizeof(double)];
            memcpy(tmp, &d, sizeof(d));
            structCorrectBytes(tmp, sizeof(d), h.little);
            luaL_addlstring(&b, tmp, sizeof(d));
            break;
        }
        case 'c': case 's': {
            size_t l;
            const char *s = luaL_checklstring(L, arg++, &l);
            if (opt == 'c' && size == 0) size = l;
            if (opt == 's') {
                luaL_argcheck(L, strlen(s) == l, arg - 1,
                              "string contains zeros");
                size = l + 1;
                luaL_addlstring(&b, s, l);
                luaL_addchar(&b, '\0');
            } else {
                luaL_argcheck(L, l >= size, arg - 1, "string too short");
                luaL_addlstring(&b, s, size);
            }
            break;
        }
        default:
            return structBadOption(L, opt);
        }
        totalsize += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number structGetInteger(const unsigned char *p, int little,
                                   int issigned, size_t size) {
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        size_t pos = little ? size - 1 - i : i;
        v = (v << 8) | p[pos];
    }
    if (issigned && size < 8) {
        uint64_t mask = 1ULL << (size * 8 - 1);
        v = (v ^ mask) - mask; /* sign extension */
    }
    return issigned ? (lua_Number)(int64_t)v : (lua_Number)v;
}

static int structUnpack(lua_State *L) {
    structHeader h = {structNativeLittle(), 1};
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    lua_Integer start = luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
    size_t pos = (size_t)start - 1;
    int n = 0;
    while (*fmt) {
        int opt = *fmt++;
        if (structControl(L, opt, &fmt, &h)) continue;
        size_t size = structOptSize(L, (char)opt, &fmt);
        pos += structGetToAlign(pos, &h, opt, size);
        luaL_argcheck(L, pos <= ld && size <= ld - pos, 2,
                      "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L':
        case 'T': case 'i': case 'I': {
            int issigned = islower(opt);
            lua_pushnumber(L, structGetInteger((const unsigned char *)data +
                                                   pos, h.little, issigned,
                                               size));
            n++;
            break;
        }
        case 'x':
            break;
        case 'f': {
            float f;
            char tmp[sizeof(float)];
            memcpy(tmp, data + pos, sizeof(f));
            structCorrectBytes(tmp, sizeof(f), h.little);
            memcpy(&f, tmp, sizeof(f));
            lua_pushnumber(L, f);
            n++;
            break;
        }
        case 'd': {
            double d;
            char tmp[sizeof(double)];
            memcpy(tmp, data + pos, sizeof(d));
            structCorrectBytes(tmp, sizeof(d), h.little);
            memcpy(&d, tmp, sizeof(d));
            lua_pushnumber(L, d);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1))
                    luaL_error(L, "format 'c0' needs a previous size");
                lua_Number ns = lua_tonumber(L, -1);
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, ns >= 0 && ns <= (lua_Number)(ld - pos), 2,
                              "data string too short");
                size = (size_t)ns;
            }
            lua_pushlstring(L, data + pos, size);
            n++;
            break;
        case 's': {
            const char *e = memchr(data + pos, '\0', ld - pos);
            if (e == NULL) luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
            break;
        }
        default:
            return structBadOption(L, opt);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return n + 1;
}

static int structSize(lua_State *L) {
    structHeader h = {structNativeLittle(), 1};
    const char *fmt = luaL_checkstring(L, 1);
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        if (structControl(L, opt, &fmt, &h)) continue;
        size_t size = structOptSize(L, (char)opt, &fmt);
        pos += structGetToAlign(pos, &h, opt, size);
        if (opt == 's')
            return luaL_argerror(L, 1, "option 's' has no fixed size");
        if (opt == 'c' && size == 0)
            return luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!strchr("bBhHlLTiIfdxc", opt))
            return structBadOption(L, opt);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

/* Opens the module: returns the struct table. */
int luaopen_struct(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, structPack);
    lua_setfield(L, -2, "pack");
    lua_pushcfunction(L, structUnpack);
    lua_setfield(L, -2, "unpack");
    lua_pushcfunction(L, structSize);
    lua_setfield(L, -2, "size");
    return 1;
}
