/* cli-edit: redis-cli's line editor for interactive mode.
 *
 * Owns: the terminal while a line is read (raw mode, restored before
 * returning and at exit), editing keys, the in-memory history list,
 * completion of the line through a callback and the grey hint drawn to the
 * right of the typed text through another callback.
 * Must not touch: the history file (redis-cli.c keeps it) or the server.
 * Invariants: the terminal is in its original mode whenever
 * cliEditReadLine is not running. */
#ifndef CLI_EDIT_H
#define CLI_EDIT_H

#include "sds.h"

/* Completion: fills *count candidates, each a whole replacement line
 * (zmalloc'ed array of sds, freed by the editor). */
typedef sds *cliEditCompleteFn(const char *buf, int *count);
/* Hint: the text to draw after <buf> (sds, freed by the editor) or NULL. */
typedef sds cliEditHintFn(const char *buf);

void cliEditSetCompletion(cliEditCompleteFn *fn);
void cliEditSetHints(cliEditHintFn *fn);
/* Reads one line with <prompt> on the terminal. Returns a malloc'ed line
 * (free()) or NULL on end of input (Ctrl-D on an empty line, Ctrl-C or a
 * read error). */
char *cliEditReadLine(const char *prompt);
void cliEditHistoryAdd(const char *line);

#endif
