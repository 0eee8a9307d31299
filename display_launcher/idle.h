/* idle.h -- between sessions the display's screen shows its name and how to
 * connect (kiosk/idle_screen), so a passer-by knows what to do. */
#ifndef KIM_IDLE_H
#define KIM_IDLE_H

#include <sys/types.h>

struct idle {
	const char *program; /* NULL: no idle screen */
	const char *x_display;
	char name[256];
	char hint[512];
	char code[16]; /* the one-time screen code, "" none */
	pid_t pid;
};

void idle_show(struct idle *i);
/* A screen code the parent may show: "" or KIM_IDLE_CODE_LEN digits. */
#define KIM_IDLE_CODE_LEN 10
int idle_code_ok(const char *code);
void idle_hide(struct idle *i);

#endif
