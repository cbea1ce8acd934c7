/* cli-edit: redis-cli's line editor (see cli-edit.h).
 *
 * The line is drawn on one terminal row: carriage return, prompt, the part
 * of the text that fits (scrolled sideways around the cursor when the line
 * is wider than the terminal), the hint in grey (SGR 90) when there is room,
 * erase to end of row, then the cursor is placed with CR + "cursor forward".
 * Widths count one column per UTF-8 character. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli-edit.h"
#include "zmalloc.h"

#define EDIT_HISTORY_MAX 1000

static cliEditCompleteFn *complete_fn = NULL;
static cliEditHintFn *hint_fn = NULL;
static sds history[EDIT_HISTORY_MAX];
static int history_len = 0;

static struct termios orig_termios;
static int raw_active = 0;
static int atexit_set = 0;

/* The line being edited. */
typedef struct {
    const char *prompt;
    size_t plen;  /* prompt width in columns */
    sds buf;      /* the text */
    size_t pos;   /* cursor, a byte offset at a character start */
    int hist_idx; /* 0: the new line; n: the n-th entry from the end */
    sds saved;    /* the new line while browsing history */
    int tabs;     /* consecutive Tab presses */
} editState;

void cliEditSetCompletion(cliEditCompleteFn *fn) {
    complete_fn = fn;
}

void cliEditSetHints(cliEditHintFn *fn) {
    hint_fn = fn;
}

void cliEditHistoryAdd(const char *line) {
    if (line[0] == '\0') return;
    if (history_len && !strcmp(history[history_len - 1], line)) return;
    if (history_len == EDIT_HISTORY_MAX) {
        sdsFree(history[0]);
        memmove(history, history + 1, sizeof(sds) * (EDIT_HISTORY_MAX - 1));
        history_len--;
    }
    history[history_len++] = sdsNew(line);
}

/* ---------------------------------------------------------------------
 * Terminal mode.
 * ------------------------------------------------------------------ */

static void editRawOff(void) {
    if (raw_active) {
        tcsetattr(STDIN_FILENO, TCSADRAIN, &orig_termios);
        raw_active = 0;
    }
}

static int editRawOn(void) {
    struct termios raw;

    if (tcgetattr(STDIN_FILENO, &orig_termios) == -1) return -1;
    if (!atexit_set) {
        atexit(editRawOff);
        atexit_set = 1;
    }
    raw = orig_termios;
    /* No CR/NL translation, no flow control, no signals from keys, no
     * echo, bytes delivered one at a time. */
    raw.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
    raw.c_oflag &= ~(tcflag_t)OPOST;
    raw.c_cflag |= CS8;
    raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == -1) return -1;
    raw_active = 1;
    return 0;
}

static int editColumns(void) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0)
        return 80;
    return ws.ws_col;
}

static void editWrite(const char *s, size_t len) {
    while (len) {
        ssize_t n = write(STDOUT_FILENO, s, len);
        if (n <= 0) {
            if (n == -1 && errno == EINTR) continue;
            return;
        }
        s += n;
        len -= (size_t)n;
    }
}

/* Reads one byte; -1 on end of input or error. */
static int editReadByte(void) {
    unsigned char c;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n == 1) return c;
        if (n == -1 && errno == EINTR) continue;
        return -1;
    }
}

/* ---------------------------------------------------------------------
 * Drawing.
 * ------------------------------------------------------------------ */

static int isCont(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

/* Columns taken by s[0..len). */
static size_t editWidth(const char *s, size_t len) {
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        if (!isCont((unsigned char)s[i])) w++;
    return w;
}

/* The byte offset <cols> columns into s (at most len). */
static size_t editOffsetFor(const char *s, size_t len, size_t cols) {
    size_t i = 0, w = 0;
    while (i < len) {
        if (!isCont((unsigned char)s[i])) {
            if (w == cols) break;
            w++;
        }
        i++;
    }
    return i;
}

static void editRefresh(editState *st, int with_hint) {
    size_t cols = (size_t)editColumns();
    size_t start = 0, end = sdsLen(st->buf), shown, cursor_col;
    sds out = sdsNew("\r");

    /* Scroll sideways so the cursor stays on screen. */
    while (start < st->pos && st->plen + editWidth(st->buf + start, st->pos - start) >= cols) {
        start++;
        while (start < st->pos && isCont((unsigned char)st->buf[start])) start++;
    }
    if (st->plen < cols)
        end = start + editOffsetFor(st->buf + start, end - start, cols - st->plen - 1);
    else
        end = start;
    out = sdsCat(out, st->prompt);
    out = sdsCatLen(out, st->buf + start, end - start);
    shown = st->plen + editWidth(st->buf + start, end - start);
    if (with_hint && hint_fn && end == sdsLen(st->buf) && shown < cols) {
        sds hint = hint_fn(st->buf);
        if (hint && sdsLen(hint)) {
            size_t room = cols - shown;
            size_t hlen = editOffsetFor(hint, sdsLen(hint), room);
            out = sdsCat(out, "\x1b[90m");
            out = sdsCatLen(out, hint, hlen);
            out = sdsCat(out, "\x1b[0m");
        }
        sdsFree(hint);
    }
    out = sdsCat(out, "\x1b[0K\r");
    cursor_col = st->plen + editWidth(st->buf + start, st->pos - start);
    if (cursor_col) out = sdsCatPrintf(out, "\x1b[%zuC", cursor_col);
    editWrite(out, sdsLen(out));
    sdsFree(out);
}

/* ---------------------------------------------------------------------
 * Editing.
 * ------------------------------------------------------------------ */

static void editInsert(editState *st, const char *s, size_t len) {
    size_t old = sdsLen(st->buf);
    st->buf = sdsGrowZero(st->buf, old + len);
    memmove(st->buf + st->pos + len, st->buf + st->pos, old - st->pos);
    memcpy(st->buf + st->pos, s, len);
    st->pos += len;
}

/* Removes bytes [from, to). */
static void editDelete(editState *st, size_t from, size_t to) {
    size_t len = sdsLen(st->buf);
    if (from >= to || to > len) return;
    memmove(st->buf + from, st->buf + to, len - to);
    sdsSetLen(st->buf, len - (to - from));
    if (st->pos > to)
        st->pos -= to - from;
    else if (st->pos > from)
        st->pos = from;
}

static size_t editPrevChar(editState *st, size_t p) {
    if (p == 0) return 0;
    p--;
    while (p > 0 && isCont((unsigned char)st->buf[p])) p--;
    return p;
}

static size_t editNextChar(editState *st, size_t p) {
    size_t len = sdsLen(st->buf);
    if (p >= len) return len;
    p++;
    while (p < len && isCont((unsigned char)st->buf[p])) p++;
    return p;
}

static void editSetText(editState *st, const char *s) {
    st->buf = sdsCpy(st->buf, s);
    st->pos = sdsLen(st->buf);
}

/* dir > 0: older entry, dir < 0: newer. */
static void editHistoryMove(editState *st, int dir) {
    int idx = st->hist_idx + dir;
    if (idx < 0 || idx > history_len) return;
    if (st->hist_idx == 0) st->saved = sdsCpy(st->saved, st->buf);
    st->hist_idx = idx;
    editSetText(st, idx == 0 ? st->saved : history[history_len - idx]);
}

static void editComplete(editState *st) {
    int count = 0;
    sds *c;

    if (complete_fn == NULL) return;
    c = complete_fn(st->buf, &count);
    if (count == 0) {
        editWrite("\x07", 1);
    } else if (count == 1) {
        editSetText(st, c[0]);
    } else {
        /* The longest common prefix, then the list on a second Tab. */
        size_t common = sdsLen(c[0]);
        for (int i = 1; i < count; i++) {
            size_t j = 0;
            while (j < common && c[i][j] == c[0][j]) j++;
            common = j;
        }
        if (common > sdsLen(st->buf)) {
            st->buf = sdsCpyLen(st->buf, c[0], common);
            st->pos = common;
        } else if (st->tabs >= 1) {
            sds out = sdsNew("\r\n");
            for (int i = 0; i < count; i++)
                out = sdsCatPrintf(out, "%s%s", c[i], i + 1 < count ? "  " : "\r\n");
            editWrite(out, sdsLen(out));
            sdsFree(out);
        } else {
            editWrite("\x07", 1);
        }
    }
    for (int i = 0; i < count; i++) sdsFree(c[i]);
    zfree(c);
}

/* Reads the rest of an escape sequence; returns a key code:
 * 'A' up, 'B' down, 'C' right, 'D' left, 'H' home, 'F' end, 'X' delete,
 * 0 for anything else. */
static int editEscape(void) {
    int a = editReadByte(), b;
    if (a == '[') {
        b = editReadByte();
        if (b >= '0' && b <= '9') {
            int num = b - '0', c;
            while ((c = editReadByte()) >= '0' && c <= '9') num = num * 10 + (c - '0');
            if (c != '~') {
                /* e.g. ESC [ 1 ; 5 C: take the final letter. */
                while (c != -1 && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && c != '~')
                    c = editReadByte();
                return (c == 'C' || c == 'D' || c == 'H' || c == 'F') ? c : 0;
            }
            switch (num) {
            case 1:
            case 7: return 'H';
            case 4:
            case 8: return 'F';
            case 3: return 'X';
            default: return 0;
            }
        }
        return (b == 'A' || b == 'B' || b == 'C' || b == 'D' || b == 'H' || b == 'F') ? b : 0;
    }
    if (a == 'O') {
        b = editReadByte();
        return (b == 'H' || b == 'F' || b == 'A' || b == 'B' || b == 'C' || b == 'D') ? b : 0;
    }
    return 0;
}

/* Edits until Enter (returns 1), end of input or Ctrl-C (returns 0). */
static int editLoop(editState *st) {
    editRefresh(st, 1);
    for (;;) {
        int c = editReadByte(), key;
        int tab = 0;

        if (c == -1) return 0;
        key = c;
        if (c == 27) {
            key = editEscape();
            switch (key) {
            case 'A': key = 16; break; /* as Ctrl-P */
            case 'B': key = 14; break; /* Ctrl-N */
            case 'C': key = 6; break;  /* Ctrl-F */
            case 'D': key = 2; break;  /* Ctrl-B */
            case 'H': key = 1; break;  /* Ctrl-A */
            case 'F': key = 5; break;  /* Ctrl-E */
            case 'X': key = 0x100; break;
            default: continue;
            }
        }
        switch (key) {
        case '\r':
        case '\n':
            return 1;
        case 3: /* Ctrl-C */
            return 0;
        case 4: /* Ctrl-D: end of input on an empty line, else delete */
            if (sdsLen(st->buf) == 0) return 0;
            editDelete(st, st->pos, editNextChar(st, st->pos));
            break;
        case 0x100: /* Delete */
            editDelete(st, st->pos, editNextChar(st, st->pos));
            break;
        case 127:
        case 8: /* Backspace */
            editDelete(st, editPrevChar(st, st->pos), st->pos);
            break;
        case 1: st->pos = 0; break;
        case 5: st->pos = sdsLen(st->buf); break;
        case 2: st->pos = editPrevChar(st, st->pos); break;
        case 6: st->pos = editNextChar(st, st->pos); break;
        case 16: editHistoryMove(st, 1); break;
        case 14: editHistoryMove(st, -1); break;
        case 21: /* Ctrl-U: delete to the start */
            editDelete(st, 0, st->pos);
            break;
        case 11: /* Ctrl-K: delete to the end */
            editDelete(st, st->pos, sdsLen(st->buf));
            break;
        case 23: { /* Ctrl-W: delete the word before the cursor */
            size_t p = st->pos;
            while (p > 0 && st->buf[p - 1] == ' ') p--;
            while (p > 0 && st->buf[p - 1] != ' ') p--;
            editDelete(st, p, st->pos);
            break;
        }
        case 20: /* Ctrl-T: swap the two characters before the cursor */
            if (st->pos > 0 && st->pos < sdsLen(st->buf)) {
                char t = st->buf[st->pos - 1];
                st->buf[st->pos - 1] = st->buf[st->pos];
                st->buf[st->pos] = t;
                st->pos++;
            }
            break;
        case 12: /* Ctrl-L: clear the screen */
            editWrite("\x1b[H\x1b[2J", 7);
            break;
        case 9:
            editComplete(st);
            tab = 1;
            break;
        default:
            if (key >= 32 && key != 127) {
                char ch = (char)key;
                editInsert(st, &ch, 1);
            }
            break;
        }
        st->tabs = tab ? st->tabs + 1 : 0;
        editRefresh(st, 1);
    }
}

/* Terminals that cannot take the escape sequences (or a terminal whose
 * mode cannot be set): the prompt, then a plain line read. */
static char *editPlainLine(const char *prompt) {
    sds acc = sdsEmpty();
    char buf[4096], *res;

    editWrite(prompt, strlen(prompt));
    while (fgets(buf, sizeof(buf), stdin) != NULL) {
        acc = sdsCat(acc, buf);
        if (sdsLen(acc) && acc[sdsLen(acc) - 1] == '\n') break;
    }
    if (sdsLen(acc) == 0) {
        sdsFree(acc);
        return NULL;
    }
    sdsTrim(acc, "\r\n");
    res = strdup(acc);
    sdsFree(acc);
    return res;
}

static int editDumbTerminal(void) {
    const char *term = getenv("TERM");
    return term && (!strcasecmp(term, "dumb") || !strcasecmp(term, "emacs") ||
                    !strcasecmp(term, "cons25"));
}

char *cliEditReadLine(const char *prompt) {
    editState st;
    char *res = NULL;
    int ok;

    if (editDumbTerminal() || editRawOn() == -1) return editPlainLine(prompt);
    memset(&st, 0, sizeof(st));
    st.prompt = prompt;
    st.plen = editWidth(prompt, strlen(prompt));
    st.buf = sdsEmpty();
    st.saved = sdsEmpty();
    ok = editLoop(&st);
    /* The entered line is drawn once more without its hint. */
    st.pos = sdsLen(st.buf);
    editRefresh(&st, 0);
    editWrite("\r\n", 2);
    editRawOff();
    if (ok) res = strdup(st.buf);
    sdsFree(st.buf);
    sdsFree(st.saved);
    return res;
}
