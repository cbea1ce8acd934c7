/* fuzz_script_decode.c: libFuzzer target for what scripts hand to the
 * decoders of their modules: cjson.decode (Debian's lua-cjson),
 * cmsgpack.unpack / unpack_one / unpack_limit and struct.unpack (ours,
 * src/lua_cmsgpack.c and src/lua_struct.c).
 *
 * Owns nothing but this harness. One Lua state for the whole run, with the
 * three modules loaded; each input is handed to every decoder under
 * lua_pcall, so a decoding error is fine and a crash, a sanitizer report
 * or a leak is a bug. The first byte picks struct's format among a few;
 * the rest is the data.
 *
 * Build and run: see tests/fuzz/README.md. */
#include <lauxlib.h>
#include <lua-cjson.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int luaopen_struct(lua_State *L);
int luaopen_cmsgpack(lua_State *L);

static lua_State *fuzzLua;

static void fuzzOpen(const char *name, lua_CFunction fn) {
    lua_pushcfunction(fuzzLua, fn);
    lua_pushstring(fuzzLua, name);
    lua_call(fuzzLua, 1, 1);
    lua_setglobal(fuzzLua, name);
}

/* Calls module.fn(data, extra...) under pcall and drops the results. */
static void fuzzCall(const char *module, const char *fn, const char *fmt,
                     const uint8_t *data, size_t size, int extra) {
    lua_settop(fuzzLua, 0);
    lua_getglobal(fuzzLua, module);
    lua_getfield(fuzzLua, -1, fn);
    lua_remove(fuzzLua, 1);
    int nargs = 1;
    if (fmt) {
        lua_pushstring(fuzzLua, fmt);
        nargs++;
    }
    lua_pushlstring(fuzzLua, (const char *)data, size);
    if (extra >= 0) {
        lua_pushinteger(fuzzLua, extra);
        nargs++;
    }
    (void)lua_pcall(fuzzLua, nargs, LUA_MULTRET, 0);
    lua_settop(fuzzLua, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *formats[] = {">iHbc0", "<d", "s", "!4bi3Lx",
                                    "bc0c0", "f>I8", "T", "hH"};
    if (!fuzzLua) {
        fuzzLua = luaL_newstate();
        luaL_openlibs(fuzzLua);
        fuzzOpen("cjson", luaopen_cjson);
        fuzzOpen("cmsgpack", luaopen_cmsgpack);
        fuzzOpen("struct", luaopen_struct);
    }
    if (size == 0) return 0;
    const char *fmt = formats[data[0] % (sizeof(formats) / sizeof(*formats))];
    fuzzCall("cjson", "decode", NULL, data + 1, size - 1, -1);
    fuzzCall("cmsgpack", "unpack", NULL, data + 1, size - 1, -1);
    fuzzCall("cmsgpack", "unpack_one", NULL, data + 1, size - 1, data[0] % 4);
    fuzzCall("cmsgpack", "unpack_limit", NULL, data + 1, size - 1, 2);
    fuzzCall("struct", "unpack", fmt, data + 1, size - 1, -1);
    lua_gc(fuzzLua, LUA_GCCOLLECT, 0);
    return 0;
}
