/* Test helper: fork/execvp an external program with an argv array (no shell, so no quoting
 * surprises), discarding its output, and report how it exited. */
#include "run_program.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child: quiet stdio, move to cwd, exec; 127 like a shell when it cannot start. */
static void run_program_child(char *const argv[], const char *cwd)
{
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	if (cwd && chdir(cwd) != 0)
		_exit(127);
	execvp(argv[0], argv);
	_exit(127);
}

int run_program(char *const argv[], const char *cwd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		run_program_child(argv, cwd);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		/* retry only on EINTR; anything else means the child is gone */
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run_program_exists(const char *name)
{
	const char *path = getenv("PATH");
	if (!name || !*name)
		return 0;
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	size_t nlen = strlen(name);
	while (*path) {
		size_t dlen = strcspn(path, ":");
		char buf[4096];
		if (dlen + 1 + nlen + 1 <= sizeof buf) {
			memcpy(buf, path, dlen);
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, name, nlen + 1);
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
				return 1;
		}
		path += dlen;
		if (*path == ':')
			path++;
	}
	return 0;
}
