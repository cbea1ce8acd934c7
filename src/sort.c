/* sort.c: SORT and SORT_RO (Redis 7.0 semantics).
 *
 * Owns: parsing of the SORT options (BY, LIMIT, GET, ASC/DESC, ALPHA,
 * STORE), the substitution of BY/GET patterns ("*" replaced by the element,
 * "->field" reading a hash field, "#" the element itself), ordering the
 * elements of a list, set or sorted set, and writing the result to the
 * client or, with STORE, to a new list value; and the getkeys procs of the
 * two commands (movable STORE destination).
 * Must not touch: the internals of the value types beyond the type APIs of
 * server.h and quicklist.h, the keyspace beyond db.c's API.
 *
 * Invariants: the sorted value is read through lookupKeyRead and held by a
 * reference for the whole command; every object in the element vector is
 * owned by the vector; a STORE that yields no element deletes the
 * destination instead of creating an empty list. As Redis 7.0 does, a
 * sorted set in the listpack encoding is converted to a skiplist before it
 * is read, and a set sorted with a constant BY pattern and STORE is sorted
 * ALPHA so that the stored list (and what replicas see) is deterministic. */
#include "server.h"
#include "acl.h"

#include <errno.h>
#include <math.h>
#include <strings.h>

#include "quicklist.h"

/* One element to sort: the element, and what it is compared by. */
typedef struct sortItem {
    robj *obj;      /* the element (a string object, owned) */
    double score;   /* numeric key (numeric mode) */
    robj *cmpobj;   /* decoded BY value (ALPHA with BY), owned, or NULL */
} sortItem;

/* How two items compare; passed to qsort_r. */
typedef struct sortOrder {
    int desc;     /* reverse the order */
    int alpha;    /* compare as strings, not as numbers */
    int bypattern; /* ALPHA compares the BY values, not the elements */
    int binary;   /* ALPHA uses byte order instead of the locale (STORE) */
} sortOrder;

/* Compares two sortItems under the sortOrder <ctx>. Numeric ties are
 * broken by the elements' bytes so that the output is deterministic; in
 * ALPHA BY mode a missing BY value sorts before any present one. */
static int sortCompareItems(const void *a, const void *b, void *ctx) {
    const sortItem *x = a, *y = b;
    const sortOrder *ord = ctx;
    int cmp;
    if (!ord->alpha) {
        if (x->score > y->score)
            cmp = 1;
        else if (x->score < y->score)
            cmp = -1;
        else
            cmp = compareStringObjects(x->obj, y->obj);
    } else if (ord->bypattern) {
        if (x->cmpobj == NULL || y->cmpobj == NULL) {
            if (x->cmpobj == y->cmpobj)
                cmp = 0;
            else
                cmp = x->cmpobj == NULL ? -1 : 1;
        } else if (ord->binary) {
            cmp = compareStringObjects(x->cmpobj, y->cmpobj);
        } else {
            cmp = collateStringObjects(x->cmpobj, y->cmpobj);
        }
    } else if (ord->binary) {
        cmp = compareStringObjects(x->obj, y->obj);
    } else {
        cmp = collateStringObjects(x->obj, y->obj);
    }
    return ord->desc ? -cmp : cmp;
}

/* Looks up the value that <pattern> designates for the element <elem>:
 * "#" is the element itself; otherwise the first '*' is replaced by the
 * element, and a "->field" suffix after it (with a non-empty field) reads
 * that field of a hash instead of a string. Returns a new reference the
 * caller releases, or NULL when the pattern has no '*', the key is missing
 * or holds the wrong type, or the field is missing. Like Redis, the
 * pattern is read as a C string (up to its first NUL byte). */
static robj *sortLookupPattern(redisDb *db, robj *pattern, robj *elem) {
    const char *pat = pattern->ptr;
    size_t patlen = sdsLen(pattern->ptr);
    if (pat[0] == '#' && pat[1] == '\0') {
        incrRefCount(elem);
        return elem;
    }
    const char *star = strchr(pat, '*');
    if (star == NULL) return NULL;

    const char *arrow = strstr(star + 1, "->");
    size_t fieldlen = 0;
    if (arrow != NULL && arrow[2] != '\0')
        fieldlen = patlen - (size_t)(arrow - pat) - 2;
    else
        arrow = NULL;

    robj *dec = getDecodedObject(elem);
    size_t prefixlen = (size_t)(star - pat);
    size_t sublen = sdsLen(dec->ptr);
    size_t postfixlen = patlen - prefixlen - 1 - (arrow ? fieldlen + 2 : 0);
    sds keyname = sdsNewLen(NULL, prefixlen + sublen + postfixlen);
    memcpy(keyname, pat, prefixlen);
    memcpy(keyname + prefixlen, dec->ptr, sublen);
    memcpy(keyname + prefixlen + sublen, star + 1, postfixlen);
    decrRefCount(dec);
    robj *keyobj = createObject(OBJ_STRING, keyname);

    robj *val = lookupKeyRead(db, keyobj);
    robj *result = NULL;
    if (val != NULL && arrow != NULL) {
        if (val->type == OBJ_HASH) {
            sds field = sdsNewLen(arrow + 2, fieldlen);
            unsigned char *vstr;
            unsigned int vlen = 0;
            long long vll = 0;
            if (hashTypeGetValue(val, field, &vstr, &vlen, &vll) == C_OK)
                result = vstr ? createStringObject((char *)vstr, vlen)
                              : createStringObjectFromLongLong(vll);
            sdsFree(field);
        }
    } else if (val != NULL && val->type == OBJ_STRING) {
        incrRefCount(val);
        result = val;
    }
    decrRefCount(keyobj);
    return result;
}

/* Parses the numeric sort key of <byval> into *<score>, the way strtod
 * reads it. Returns C_ERR for trailing garbage, overflow or NaN. */
static int sortParseScore(robj *byval, double *score) {
    if (!sdsEncodedObject(byval)) {
        *score = (double)(long)byval->ptr;
        return C_OK;
    }
    char *end;
    errno = 0;
    *score = strtod(byval->ptr, &end);
    if (end[0] != '\0' || errno == ERANGE || isnan(*score)) return C_ERR;
    return C_OK;
}

/* Returns a new list object (quicklist) configured as LPUSH would make it. */
static robj *sortCreateList(void) {
    robj *o = createObject(OBJ_LIST,
                           quicklistCreate(server.list_max_listpack_size,
                                           server.list_compress_depth));
    o->encoding = OBJ_ENCODING_QUICKLIST;
    return o;
}

/* Appends the string <val> to the list value <list>. */
static void sortListAppend(robj *list, robj *val) {
    char buf[LONG_STR_SIZE];
    if (sdsEncodedObject(val)) {
        quicklistPushTail(list->ptr, val->ptr, sdsLen(val->ptr));
    } else {
        int n = ll2string(buf, sizeof(buf), (long)val->ptr);
        quicklistPushTail(list->ptr, buf, (size_t)n);
    }
}

static robj *sortObjFromEntry(const quicklistEntry *e) {
    if (e->value) return createStringObject((char *)e->value, e->sz);
    return createStringObjectFromLongLong(e->longval);
}

static robj *sortObjFromZset(unsigned char *vstr, unsigned int vlen,
                             long long vll) {
    if (vstr) return createStringObject((char *)vstr, vlen);
    return createStringObjectFromLongLong(vll);
}

/* Loads into <items> (room for <room>) the elements of <o> at positions
 * <start>..<end> of its natural order (from the end when <desc>): the
 * fast path of a constant BY pattern on a list or a sorted set. Returns
 * how many were loaded. */
static long sortLoadRange(robj *o, long start, long end, int desc,
                          sortItem *items, long room) {
    long n = 0;
    if (end < start) return 0;
    if (o->type == OBJ_LIST) {
        quicklistIter it;
        long len = (long)quicklistCount(o->ptr);
        quicklistEntry e;
        if (desc)
            quicklistInitIteratorAtIdx(&it, o->ptr, AL_START_TAIL_QL,
                                       len - start - 1);
        else
            quicklistInitIteratorAtIdx(&it, o->ptr, AL_START_HEAD_QL, start);
        while (n < room && n <= end - start && quicklistNext(&it, &e))
            items[n++].obj = sortObjFromEntry(&e);
        return n;
    }
    zsetTypeIterator *zi = zsetTypeInitIterator(o, desc);
    unsigned char *vstr;
    unsigned int vlen;
    long long vll;
    double score;
    long pos = 0;
    while (n < room && pos <= end &&
           zsetTypeNext(zi, &vstr, &vlen, &vll, &score) == C_OK) {
        if (pos++ < start) continue;
        items[n++].obj = sortObjFromZset(vstr, vlen, vll);
    }
    zsetTypeReleaseIterator(zi);
    return n;
}

/* Loads every element of <o> into <items> (room for <room>) in its
 * natural order. Returns how many were loaded. */
static long sortLoadAll(robj *o, sortItem *items, long room) {
    long n = 0;
    if (o->type == OBJ_LIST) {
        quicklistIter it;
        quicklistEntry e;
        quicklistInitIterator(&it, o->ptr, AL_START_HEAD_QL);
        while (n < room && quicklistNext(&it, &e))
            items[n++].obj = sortObjFromEntry(&e);
    } else if (o->type == OBJ_SET) {
        setTypeIterator *si = setTypeInitIterator(o);
        sds s;
        int64_t ll;
        int enc;
        while (n < room && (enc = setTypeNext(si, &s, &ll)) != -1) {
            items[n++].obj = enc == OBJ_ENCODING_INTSET
                                 ? createStringObjectFromLongLong(ll)
                                 : createStringObject(s, sdsLen(s));
        }
        setTypeReleaseIterator(si);
    } else {
        zsetTypeIterator *zi = zsetTypeInitIterator(o, 0);
        unsigned char *vstr;
        unsigned int vlen;
        long long vll;
        double score;
        while (n < room &&
               zsetTypeNext(zi, &vstr, &vlen, &vll, &score) == C_OK)
            items[n++].obj = sortObjFromZset(vstr, vlen, vll);
        zsetTypeReleaseIterator(zi);
    }
    return n;
}

static unsigned long sortValueLength(robj *o) {
    switch (o->type) {
    case OBJ_LIST: return quicklistCount(o->ptr);
    case OBJ_SET: return setTypeSize(o);
    case OBJ_ZSET: return zsetLength(o);
    default: serverPanic("SORT of a value of type %d", (int)o->type);
    }
}

/* The parsed options of one SORT call. */
typedef struct sortOptions {
    int desc, alpha, dontsort;
    long limit_start, limit_count;
    robj *by;        /* BY pattern (argv, borrowed) or NULL */
    robj *store;     /* STORE destination (argv, borrowed) or NULL */
    robj **gets;     /* GET patterns (argv, borrowed), zmalloc'ed */
    int numgets;
} sortOptions;

/* Parses argv[2..] of <c> into <opt>; STORE is an option only when
 * <allow_store>. Replies the error and returns C_ERR on a bad option. */
static int sortParseOptions(client *c, int allow_store, sortOptions *opt) {
    for (int j = 2; j < c->argc; j++) {
        const char *arg = c->argv[j]->ptr;
        int left = c->argc - j - 1;
        if (!strcasecmp(arg, "asc")) {
            opt->desc = 0;
        } else if (!strcasecmp(arg, "desc")) {
            opt->desc = 1;
        } else if (!strcasecmp(arg, "alpha")) {
            opt->alpha = 1;
        } else if (!strcasecmp(arg, "limit") && left >= 2) {
            if (getLongFromObjectOrReply(c, c->argv[j + 1], &opt->limit_start,
                                         NULL) != C_OK ||
                getLongFromObjectOrReply(c, c->argv[j + 2], &opt->limit_count,
                                         NULL) != C_OK)
                return C_ERR;
            j += 2;
        } else if (allow_store && !strcasecmp(arg, "store") && left >= 1) {
            opt->store = c->argv[++j];
        } else if (!strcasecmp(arg, "by") && left >= 1) {
            opt->by = c->argv[++j];
            /* A pattern without '*' names no per-element key: the elements
             * keep their natural order. This choice is never undone by a
             * later BY, as in Redis. */
            if (strchr(opt->by->ptr, '*') == NULL) {
                opt->dontsort = 1;
            } else if (server.cluster_enabled) {
                addReplyError(c, "BY option of SORT denied in Cluster mode.");
                return C_ERR;
            } else if (!aclUserHasFullKeyAccess(c->user, c->cmd)) {
                addReplyError(c, "BY option of SORT denied due to "
                                 "insufficient ACL permissions.");
                return C_ERR;
            }
        } else if (!strcasecmp(arg, "get") && left >= 1) {
            if (server.cluster_enabled) {
                addReplyError(c, "GET option of SORT denied in Cluster mode.");
                return C_ERR;
            }
            if (!aclUserHasFullKeyAccess(c->user, c->cmd)) {
                addReplyError(c, "GET option of SORT denied due to "
                              "insufficient ACL permissions.");
                return C_ERR;
            }
            opt->gets[opt->numgets++] = c->argv[++j];
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Computes the sort keys of <items> (<n> of them) for <opt>. Returns C_ERR
 * when a numeric key cannot be read as a double. */
static int sortComputeKeys(client *c, sortOptions *opt, sortItem *items,
                           long n) {
    int ret = C_OK;
    for (long j = 0; j < n; j++) {
        robj *byval;
        if (opt->by) {
            byval = sortLookupPattern(c->db, opt->by, items[j].obj);
            if (byval == NULL) continue;
        } else {
            byval = items[j].obj;
        }
        if (opt->alpha) {
            if (opt->by) items[j].cmpobj = getDecodedObject(byval);
        } else if (sortParseScore(byval, &items[j].score) != C_OK) {
            ret = C_ERR;
        }
        if (opt->by) decrRefCount(byval);
    }
    return ret;
}

/* Writes items <start>..<end> (with the GET patterns of <opt>) to <c> as
 * an array. */
static void sortReplyResult(client *c, sortOptions *opt, sortItem *items,
                            long start, long end) {
    long count = end - start + 1;
    addReplyArrayLen(c, opt->numgets ? count * opt->numgets : count);
    for (long j = start; j <= end; j++) {
        if (opt->numgets == 0) addReplyBulk(c, items[j].obj);
        for (int g = 0; g < opt->numgets; g++) {
            robj *val = sortLookupPattern(c->db, opt->gets[g], items[j].obj);
            if (val == NULL) {
                addReplyNull(c);
            } else {
                addReplyBulk(c, val);
                decrRefCount(val);
            }
        }
    }
}

/* Stores items <start>..<end> (with the GET patterns of <opt>; a missing
 * value stores an empty string) as a list at the STORE key, or deletes
 * that key when the result is empty; replies the number of elements. */
static void sortStoreResult(client *c, sortOptions *opt, sortItem *items,
                            long start, long end) {
    long count = end - start + 1;
    long outlen = opt->numgets ? count * opt->numgets : count;
    robj *list = sortCreateList();
    for (long j = start; j <= end; j++) {
        if (opt->numgets == 0) sortListAppend(list, items[j].obj);
        for (int g = 0; g < opt->numgets; g++) {
            robj *val = sortLookupPattern(c->db, opt->gets[g], items[j].obj);
            if (val == NULL) {
                quicklistPushTail(list->ptr, "", 0);
            } else {
                sortListAppend(list, val);
                decrRefCount(val);
            }
        }
    }
    if (outlen > 0) {
        setKey(c, c->db, opt->store, list, 0);
        notifyKeyspaceEvent(NOTIFY_LIST, "sortstore", opt->store, c->db->id);
        server.dirty += outlen;
    } else if (dbDelete(c->db, opt->store)) {
        signalModifiedKey(c, c->db, opt->store);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", opt->store, c->db->id);
        server.dirty++;
    }
    decrRefCount(list);
    addReplyLongLong(c, outlen);
}

/* The body of SORT (<allow_store> 1) and SORT_RO (0). */
static void sortGenericCommand(client *c, int allow_store) {
    sortOptions opt;
    memset(&opt, 0, sizeof(opt));
    opt.limit_count = -1;
    /* Every GET takes two arguments, so argc bounds their number. */
    opt.gets = zmalloc(sizeof(robj *) * (size_t)(c->argc / 2 + 1));
    if (sortParseOptions(c, allow_store, &opt) != C_OK) {
        zfree(opt.gets);
        return;
    }

    robj *sortval = lookupKeyRead(c->db, c->argv[1]);
    if (sortval && sortval->type != OBJ_SET && sortval->type != OBJ_LIST &&
        sortval->type != OBJ_ZSET) {
        addReplyErrorObject(c, shared.wrongtypeerr);
        zfree(opt.gets);
        return;
    }
    /* Hold the value: pattern lookups may expire or touch other keys. */
    if (sortval)
        incrRefCount(sortval);
    else
        sortval = sortCreateList();

    /* A set has no natural order: when the result is stored (or replayed
     * by a script) it must not depend on the hash table's layout. */
    if (opt.dontsort && sortval->type == OBJ_SET &&
        (opt.store || (c->flags & CLIENT_SCRIPT))) {
        opt.dontsort = 0;
        opt.alpha = 1;
        opt.by = NULL;
    }
    if (sortval->type == OBJ_ZSET &&
        sortval->encoding != OBJ_ENCODING_SKIPLIST)
        zsetConvert(sortval, OBJ_ENCODING_SKIPLIST);

    long len = (long)sortValueLength(sortval);
    long start = opt.limit_start < 0 ? 0 : opt.limit_start;
    long end;
    if (start >= len) {
        start = len - 1;
        end = len - 2;
    } else if (opt.limit_count < 0 || opt.limit_count > len - start) {
        end = len - 1;
    } else {
        end = start + opt.limit_count - 1;
    }

    sortItem *items;
    long n;
    int natural = opt.dontsort &&
                  (sortval->type == OBJ_LIST || sortval->type == OBJ_ZSET);
    if (natural) {
        /* Only the requested range is read, already in output order. */
        long room = end >= start ? end - start + 1 : 0;
        items = zcalloc(sizeof(sortItem) * (size_t)(room + 1));
        n = sortLoadRange(sortval, start, end, opt.desc, items, room);
        end = n - 1;
        start = 0;
    } else {
        items = zcalloc(sizeof(sortItem) * (size_t)(len + 1));
        n = sortLoadAll(sortval, items, len);
    }

    int ok = C_OK;
    if (!opt.dontsort) {
        ok = sortComputeKeys(c, &opt, items, n);
        sortOrder ord = {opt.desc, opt.alpha, opt.by != NULL,
                         opt.store != NULL};
        qsort_r(items, (size_t)n, sizeof(sortItem), sortCompareItems, &ord);
    }

    if (ok != C_OK)
        addReplyError(c, "One or more scores can't be converted into double");
    else if (opt.store == NULL)
        sortReplyResult(c, &opt, items, start, end);
    else
        sortStoreResult(c, &opt, items, start, end);

    for (long j = 0; j < n; j++) {
        decrRefCount(items[j].obj);
        if (items[j].cmpobj) decrRefCount(items[j].cmpobj);
    }
    zfree(items);
    zfree(opt.gets);
    decrRefCount(sortval);
}

/* SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 * [ALPHA] [STORE destination] */
void sortCommand(client *c) { sortGenericCommand(c, 1); }

/* SORT_RO: SORT without STORE (allowed on read-only replicas). */
void sortroCommand(client *c) { sortGenericCommand(c, 0); }

/* getkeys_proc of SORT: fills <keys> (room for <max>) with the sorted key
 * (argv[1]) and, when a STORE option is present, the destination of the
 * last one. The arguments of LIMIT, GET and BY are skipped so that a
 * pattern spelled "store" is not taken for the option. Returns how many
 * keys were found. BY/GET keys derive from the data and are not listed,
 * as in Redis. */
int sortGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                int max) {
    UNUSED(cmd);
    int n = 0, store = 0;
    if (max < 1 || argc < 2) return 0;
    keys[n++] = 1;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i]->ptr;
        if (!strcasecmp(arg, "limit"))
            i += 2;
        else if (!strcasecmp(arg, "get") || !strcasecmp(arg, "by"))
            i += 1;
        else if (!strcasecmp(arg, "store") && i + 1 < argc)
            store = i + 1;
    }
    if (store && n < max) keys[n++] = store;
    return n;
}

/* getkeys_proc of SORT_RO: the sorted key only (argv[1]). Returns how
 * many keys were written to <keys> (room for <max>). */
int sortroGetKeys(struct redisCommand *cmd, robj **argv, int argc, int *keys,
                  int max) {
    UNUSED(cmd);
    UNUSED(argv);
    if (max < 1 || argc < 2) return 0;
    keys[0] = 1;
    return 1;
}
