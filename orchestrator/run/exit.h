/* The process exit codes of CLI-AND-REPORT.md, returned as values (never as negative
 * returns): 0 pass, 1 an expectation failed, 2 invalid input, 3 environment, 4 interrupted. */
#ifndef FL_EXIT_H
#define FL_EXIT_H

enum fl_exit {
	FL_EXIT_OK = 0,
	FL_EXIT_FAILED = 1,
	FL_EXIT_INVALID = 2,
	FL_EXIT_ENV = 3,
	FL_EXIT_INTERRUPTED = 4,
};

#endif
