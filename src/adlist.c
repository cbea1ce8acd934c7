/* adlist.c: a generic doubly linked list.
 *
 * Owns: the list header and its nodes. Values belong to the caller unless a
 * free method is set, in which case deleting a node or emptying the list
 * frees its value through that method.
 * Invariants: head->prev == NULL, tail->next == NULL, len counts the nodes,
 * and head == NULL exactly when len == 0.
 * Must not touch: anything above the platform layer. */
#include "adlist.h"

#include <stddef.h>

#include "zmalloc.h"

/* Creates an empty list with no dup/free/match methods; the caller owns it
 * and frees it with listRelease. */
list *listCreate(void) {
    list *l = zmalloc(sizeof(*l));
    l->head = l->tail = NULL;
    l->len = 0;
    l->dup = NULL;
    l->free = NULL;
    l->match = NULL;
    return l;
}

/* Removes every node of <l> (freeing values through the free method, if
 * set); the list itself stays usable. */
void listEmpty(list *l) {
    listNode *current = l->head;
    while (current) {
        listNode *next = current->next;
        if (l->free) l->free(current->value);
        zfree(current);
        current = next;
    }
    l->head = l->tail = NULL;
    l->len = 0;
}

/* Frees <l> and all its nodes (values through the free method, if set). */
void listRelease(list *l) {
    listEmpty(l);
    zfree(l);
}

/* Adds a node holding <value> at the head of <l>. Returns <l>. */
list *listAddNodeHead(list *l, void *value) {
    listNode *node = zmalloc(sizeof(*node));
    node->value = value;
    node->prev = NULL;
    node->next = l->head;
    if (l->head)
        l->head->prev = node;
    else
        l->tail = node;
    l->head = node;
    l->len++;
    return l;
}

/* Adds a node holding <value> at the tail of <l>. Returns <l>. */
list *listAddNodeTail(list *l, void *value) {
    listNode *node = zmalloc(sizeof(*node));
    node->value = value;
    node->next = NULL;
    node->prev = l->tail;
    if (l->tail)
        l->tail->next = node;
    else
        l->head = node;
    l->tail = node;
    l->len++;
    return l;
}

/* Inserts a node holding <value> right after <old_node> (when <after> is
 * non-zero) or right before it. Returns <l>. */
list *listInsertNode(list *l, listNode *old_node, void *value, int after) {
    listNode *node = zmalloc(sizeof(*node));
    node->value = value;
    if (after) {
        node->prev = old_node;
        node->next = old_node->next;
        if (l->tail == old_node) l->tail = node;
    } else {
        node->next = old_node;
        node->prev = old_node->prev;
        if (l->head == old_node) l->head = node;
    }
    if (node->prev) node->prev->next = node;
    if (node->next) node->next->prev = node;
    l->len++;
    return l;
}

/* Detaches <node> from <l> without freeing it. */
static void listUnlinkNode(list *l, listNode *node) {
    if (node->prev)
        node->prev->next = node->next;
    else
        l->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        l->tail = node->prev;
    node->prev = node->next = NULL;
    l->len--;
}

/* Removes <node> from <l> and frees it (and its value through the free
 * method, if set). */
void listDelNode(list *l, listNode *node) {
    listUnlinkNode(l, node);
    if (l->free) l->free(node->value);
    zfree(node);
}

/* Initialises the caller's <iter> to walk <l> from the head
 * (AL_START_HEAD) or from the tail (AL_START_TAIL). The node last returned
 * may be deleted while iterating; others may not. */
void listGetIterator(list *l, listIter *iter, int direction) {
    iter->next = direction == AL_START_HEAD ? l->head : l->tail;
    iter->direction = direction;
}

/* Returns the next node of <iter>, or NULL at the end. */
listNode *listNext(listIter *iter) {
    listNode *current = iter->next;
    if (current) {
        iter->next = iter->direction == AL_START_HEAD ? current->next
                                                      : current->prev;
    }
    return current;
}

/* Returns the first node (from the head) whose value matches <key>: through
 * the match method if set, else by pointer equality. NULL if none. */
listNode *listSearchKey(list *l, void *key) {
    for (listNode *node = l->head; node; node = node->next) {
        if (l->match ? l->match(node->value, key) : node->value == key)
            return node;
    }
    return NULL;
}

/* Returns the node at zero-based <index>; negative indexes count from the
 * tail (-1 is the last node). NULL when out of range. */
listNode *listIndex(list *l, long index) {
    listNode *n;
    if (index < 0) {
        unsigned long back = (unsigned long)(-(index + 1));
        n = l->tail;
        while (back-- && n) n = n->prev;
    } else {
        unsigned long fwd = (unsigned long)index;
        n = l->head;
        while (fwd-- && n) n = n->next;
    }
    return n;
}

/* Moves the tail node of <l> to the head. */
void listRotateTailToHead(list *l) {
    if (l->len <= 1) return;
    listNode *tail = l->tail;
    listUnlinkNode(l, tail);
    tail->next = l->head;
    l->head->prev = tail;
    l->head = tail;
    l->len++;
}

/* Moves the head node of <l> to the tail. */
void listRotateHeadToTail(list *l) {
    if (l->len <= 1) return;
    listNode *head = l->head;
    listUnlinkNode(l, head);
    head->prev = l->tail;
    l->tail->next = head;
    l->tail = head;
    l->len++;
}

/* Moves <node>, which belongs to <l>, to the tail of <l> in O(1). */
void listMoveNodeToTail(list *l, listNode *node) {
    if (l->tail == node) return;
    listUnlinkNode(l, node);
    node->prev = l->tail;
    node->next = NULL;
    l->tail->next = node;
    l->tail = node;
    l->len++;
}

/* Appends all nodes of <o> to the tail of <l>, leaving <o> empty (but not
 * freed). */
void listJoin(list *l, list *o) {
    if (o->len == 0) return;
    o->head->prev = l->tail;
    if (l->tail)
        l->tail->next = o->head;
    else
        l->head = o->head;
    l->tail = o->tail;
    l->len += o->len;
    o->head = o->tail = NULL;
    o->len = 0;
}
