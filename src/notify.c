/* notify.c: keyspace notifications (notify-keyspace-events).
 *
 * Owns: the mapping between the notify-keyspace-events class letters and
 * NOTIFY_* flags, and turning a key event into the two pub/sub messages
 * "__keyspace@<db>__:<key>" -> <event> and "__keyevent@<db>__:<event>" ->
 * <key>, as described in Redis's keyspace notifications documentation.
 * Must not touch: subscribers or client buffers (delivery is the pub/sub
 * module's pubsubPublishMessage). */
#include "server.h"

/* Returns the NOTIFY_* flags for the class letters in <classes> (the
 * notify-keyspace-events syntax), or -1 on an unknown letter. */
int keyspaceEventsStringToFlags(char *classes) {
    int flags = 0;
    for (char *p = classes; *p; p++) {
        switch (*p) {
        case 'A': flags |= NOTIFY_ALL; break;
        case 'g': flags |= NOTIFY_GENERIC; break;
        case '$': flags |= NOTIFY_STRING; break;
        case 'l': flags |= NOTIFY_LIST; break;
        case 's': flags |= NOTIFY_SET; break;
        case 'h': flags |= NOTIFY_HASH; break;
        case 'z': flags |= NOTIFY_ZSET; break;
        case 'x': flags |= NOTIFY_EXPIRED; break;
        case 'e': flags |= NOTIFY_EVICTED; break;
        case 'K': flags |= NOTIFY_KEYSPACE; break;
        case 'E': flags |= NOTIFY_KEYEVENT; break;
        case 't': flags |= NOTIFY_STREAM; break;
        case 'm': flags |= NOTIFY_KEY_MISS; break;
        case 'd': flags |= NOTIFY_MODULE; break;
        case 'n': flags |= NOTIFY_NEW; break;
        default: return -1;
        }
    }
    return flags;
}

/* Returns a new sds with the class letters of <flags> in the order
 * CONFIG GET shows them in Redis 7.0: "A" or the single classes (with 'n'
 * only in that case), then K, E and m. The caller frees it. */
sds keyspaceEventsFlagsToString(int flags) {
    sds res = sdsEmpty();
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        res = sdsCatLen(res, "A", 1);
    } else {
        static const struct {
            int flag;
            char letter;
        } classes[] = {{NOTIFY_GENERIC, 'g'}, {NOTIFY_STRING, '$'},
                       {NOTIFY_LIST, 'l'},    {NOTIFY_SET, 's'},
                       {NOTIFY_HASH, 'h'},    {NOTIFY_ZSET, 'z'},
                       {NOTIFY_EXPIRED, 'x'}, {NOTIFY_EVICTED, 'e'},
                       {NOTIFY_STREAM, 't'},  {NOTIFY_MODULE, 'd'},
                       {NOTIFY_NEW, 'n'}};
        for (size_t j = 0; j < sizeof(classes) / sizeof(classes[0]); j++)
            if (flags & classes[j].flag) res = sdsCatLen(res, &classes[j].letter, 1);
    }
    if (flags & NOTIFY_KEYSPACE) res = sdsCatLen(res, "K", 1);
    if (flags & NOTIFY_KEYEVENT) res = sdsCatLen(res, "E", 1);
    if (flags & NOTIFY_KEY_MISS) res = sdsCatLen(res, "m", 1);
    return res;
}

/* Publishes event <event> of class <type> (NOTIFY_*) on <key> of database
 * <dbid>, on the keyspace and/or keyevent channel as the configuration
 * asks. <key> is borrowed. */
void notifyKeyspaceEvent(int type, char *event, robj *key, int dbid) {
    int cfg = server.notify_keyspace_events;
    if (cfg == 0 || !(cfg & type)) return;

    char dbbuf[LONG_STR_SIZE];
    int dblen = ll2string(dbbuf, sizeof(dbbuf), dbid);
    robj *eventobj = createStringObject(event, strlen(event));

    if (cfg & NOTIFY_KEYSPACE) {
        robj *dec = getDecodedObject(key);
        sds ch = sdsNewLen("__keyspace@", 11);
        ch = sdsCatLen(ch, dbbuf, (size_t)dblen);
        ch = sdsCatLen(ch, "__:", 3);
        ch = sdsCatSds(ch, dec->ptr);
        robj *chobj = createObject(OBJ_STRING, ch);
        pubsubPublishMessage(chobj, eventobj, 0);
        decrRefCount(chobj);
        decrRefCount(dec);
    }
    if (cfg & NOTIFY_KEYEVENT) {
        sds ch = sdsNewLen("__keyevent@", 11);
        ch = sdsCatLen(ch, dbbuf, (size_t)dblen);
        ch = sdsCatLen(ch, "__:", 3);
        ch = sdsCat(ch, event);
        robj *chobj = createObject(OBJ_STRING, ch);
        pubsubPublishMessage(chobj, key, 0);
        decrRefCount(chobj);
    }
    decrRefCount(eventobj);
}
