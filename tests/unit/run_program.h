/* Test helper: runs an external program (argv array, never a shell) and returns its exit
 * status, so tests can check our files against stock tools such as `minisign`. */
#ifndef KX_TEST_RUN_PROGRAM_H
#define KX_TEST_RUN_PROGRAM_H

/* Runs argv[0] (found on PATH) with argv in directory cwd (NULL: the current one), stdin from
 * /dev/null and stdout/stderr discarded. Returns the exit status, 127 when the program could
 * not be started, or -1 when it was killed or fork failed. */
int run_program(char *const argv[], const char *cwd);

/* 1 when name is an executable file on PATH (or, with a '/', at that path); 0 otherwise. */
int run_program_exists(const char *name);

#endif
