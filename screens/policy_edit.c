/* Editing a policy profile in $EDITOR: the profile goes to a private temporary file, curses
 * steps aside (def_prog_mode, endwin), the editor runs as the words of $EDITOR with the file
 * as its last argument (fork and execvp: no shell, so nothing in $EDITOR or the path is
 * interpreted), and curses comes back (reset_prog_mode, refresh). The console ignores C-c
 * meanwhile: it belongs to the editor. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy_edit.h"

int policy_edit_write(const char *text, char *path, size_t len, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, len, "%s/klaxon-policy-XXXXXX.json", dir && *dir ? dir : "/tmp");
	int fd = mkstemps(path, 5); /* 0600: a profile may name people and places */
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write it", path);
		unlink(path);
		return -1;
	}
	return 0;
}

char *policy_edit_read(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(POLICY_EDIT_MAX + 1);
	size_t n = buf ? fread(buf, 1, POLICY_EDIT_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > POLICY_EDIT_MAX) {
		free(buf);
		snprintf(err, errlen, "%s: larger than %d bytes", path, POLICY_EDIT_MAX);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* The words of $EDITOR (default vi) and the file; argv points into words. */
static int editor_argv(const char *path, char *words, size_t len, char **argv, int max)
{
	const char *ed = getenv("EDITOR");
	snprintf(words, len, "%s", ed && *ed ? ed : "vi");
	int n = 0;
	for (char *save = NULL, *w = strtok_r(words, " \t", &save); w && n < max - 2;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n++] = (char *)path;
	argv[n] = NULL;
	return n > 1 ? 0 : -1;
}

int policy_edit_run(const char *path, char *err, size_t errlen)
{
	char words[1024], *argv[32];
	if (editor_argv(path, words, sizeof words, argv, 32)) {
		snprintf(err, errlen, "$EDITOR names no program");
		return -1;
	}
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	def_prog_mode();
	endwin();
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "klaxon: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status = 0;
	pid_t r = -1;
	while (pid > 0 && (r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	int saved = errno;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE); /* whatever the editor left on the terminal is painted over */
	refresh();
	if (pid < 0 || r < 0) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(pid < 0 ? errno : saved));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s ended with %s %d; the profile was not sent", argv[0],
			 WIFEXITED(status) ? "status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}
