/* adlist: a doubly linked list of void pointers.
 * Owns nothing but its nodes, unless a free method is set. */
#ifndef ADLIST_H
#define ADLIST_H

typedef struct listNode {
    struct listNode *prev;
    struct listNode *next;
    void *value;
} listNode;

typedef struct listIter {
    listNode *next;
    int direction;
} listIter;

typedef struct list {
    listNode *head;
    listNode *tail;
    void *(*dup)(void *ptr);
    void (*free)(void *ptr);
    int (*match)(void *ptr, void *key);
    unsigned long len;
} list;

#define listLength(l) ((l)->len)
#define listFirst(l) ((l)->head)
#define listLast(l) ((l)->tail)
#define listPrevNode(n) ((n)->prev)
#define listNextNode(n) ((n)->next)
#define listNodeValue(n) ((n)->value)
#define listSetFreeMethod(l, m) ((l)->free = (m))
#define listSetMatchMethod(l, m) ((l)->match = (m))
#define listSetDupMethod(l, m) ((l)->dup = (m))

#define AL_START_HEAD 0
#define AL_START_TAIL 1

list *listCreate(void);
void listRelease(list *list);
void listEmpty(list *list);
list *listAddNodeHead(list *list, void *value);
list *listAddNodeTail(list *list, void *value);
list *listInsertNode(list *list, listNode *old_node, void *value, int after);
void listDelNode(list *list, listNode *node);
void listGetIterator(list *list, listIter *iter, int direction);
listNode *listNext(listIter *iter);
listNode *listSearchKey(list *list, void *key);
listNode *listIndex(list *list, long index);
void listRotateTailToHead(list *list);
void listRotateHeadToTail(list *list);
/* Moves <node> (already in <list>) to the tail; O(1). */
void listMoveNodeToTail(list *list, listNode *node);
/* Appends all of <o>'s nodes to <l>, leaving <o> empty. */
void listJoin(list *l, list *o);

#endif
