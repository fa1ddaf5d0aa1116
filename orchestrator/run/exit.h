/* The process exit codes of CLI-AND-REPORT.md, returned as values (never as negative
 * returns): 0 pass, 1 an expectation failed or a fault did not happen as planned (not applied,
 * lost with its agent, not reverted: the cause is named, no code of its own), 2 invalid input,
 * 3 environment, 4 interrupted (the reports are still written, marked interrupted). */
#ifndef FL_EXIT_H
#define FL_EXIT_H

enum fl_exit {
	FL_EXIT_OK = 0,
	FL_EXIT_FAILED = 1, /* also: a fault error (report.json fault_errors) */
	FL_EXIT_INVALID = 2,
	FL_EXIT_ENV = 3,
	FL_EXIT_INTERRUPTED = 4,
};

#endif
