/* --help text at every level of the command line. */
#ifndef KX_HELP_H
#define KX_HELP_H

/* Prints help for the noun and verb (either may be NULL) to stdout. */
void help_print(const char *noun, const char *verb);

#endif
