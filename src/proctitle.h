/* proctitle.h: the process title that ps and /proc/<pid>/cmdline show. */
#ifndef PROCTITLE_H
#define PROCTITLE_H

void procTitleInit(int argc, char **argv);
int procTitleIsAvailable(void);
void procTitleSet(const char *title);

#endif
