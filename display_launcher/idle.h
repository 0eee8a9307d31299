/* idle.h -- between sessions the display's screen shows its name and how to
 * connect (kiosk/idle_screen), so a passer-by knows what to do. */
#ifndef KIM_IDLE_H
#define KIM_IDLE_H

#include <sys/types.h>

struct idle {
	const char *program;	/* NULL: no idle screen */
	const char *x_display;
	char name[256];
	char hint[512];
	pid_t pid;
};

void idle_show(struct idle *i);
void idle_hide(struct idle *i);

#endif
