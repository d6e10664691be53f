/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Use cases run off the wizard's input path: each job runs on a thread
 * of its own with a session of its own (session_init_worker: its own
 * connection to the database through store_open, its own resolver or a
 * view of the offline table), while the loop keeps drawing and reading
 * keys. A job tells the loop through one file descriptor when it is
 * done or has news; the loop then reads what the job left in its
 * argument. A job the front end no longer wants is abandoned: it runs
 * to its end on its own and frees itself, and never delays the exit.
 * No curses. */
#ifndef DMARCPILOT_APP_WORKER_H
#define DMARCPILOT_APP_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "app/session.h"

struct worker_pool;
struct worker;

/* Runs in the job's thread with the job's session (freed after it
 * returns); arg is the job's own. */
typedef void (*worker_fn)(void *arg, struct session *s, struct worker *w);

/* The jobs of one front end over its session (borrowed: it must outlive
 * every job, which the caller ensures by leaving the process without
 * freeing it while worker_pool_free() says jobs run). */
struct worker_pool *worker_pool_new(struct session *parent);

/* Frees the pool when no job runs and returns true; otherwise frees
 * nothing and returns false: the running jobs still use the parent's
 * session, so the caller must not free it either (it leaves the process
 * with _exit()). NULL is allowed (true). */
bool worker_pool_free(struct worker_pool *p);

/* The descriptor the loop polls for POLLIN: readable when a job has
 * news. */
int worker_pool_fd(const struct worker_pool *p);

/* Reads the news bytes after poll() said the descriptor is readable. */
void worker_pool_drain(struct worker_pool *p);

/* The jobs running that are not abandoned (the loop is busy while
 * there are some). */
size_t worker_pool_busy(struct worker_pool *p);

/* How many jobs, not abandoned, have ended so far. A front end that
 * reads it before it draws and finds it the same afterwards, with
 * nothing busy, knows that what it drew holds the end of every job it
 * waits for: a job's end and this count change in one step. */
unsigned long worker_pool_ended(struct worker_pool *p);

/* The running jobs marked with worker_hold(), abandoned or not: a
 * front end that left now would cut a change short that the job
 * records at its end. */
size_t worker_pool_holding(struct worker_pool *p);

/* Starts run(arg, session, worker) on a new thread. free_arg (may be
 * NULL) frees arg when the job is freed or, abandoned, has ended. */
struct worker *worker_start(struct worker_pool *p, worker_fn run, void *arg,
			    void (*free_arg)(void *arg));

/* The job's arg (still the job's while it runs). */
void *worker_arg(struct worker *w);

/* True once run() has returned; the front end may then read arg. */
bool worker_done(struct worker *w);

/* Frees a done job with its arg, or abandons a running one. NULL is
 * allowed. */
void worker_free(struct worker *w);

/* Marks a job whose end must be reached for what it changed to be
 * recorded (a publish, a rotation's update): worker_pool_holding()
 * counts it until run() returns. Call right after worker_start(). */
void worker_hold(struct worker *w);

/* From run(): wakes the loop (progress to show). */
void worker_wake(struct worker *w);

/* Asks a running job (done: nothing) to stop waiting: from then on its
 * worker_pause() returns false at once. NULL is allowed. */
void worker_cancel(struct worker *w);

/* Asks every running job, abandoned or not, as worker_cancel(). NULL
 * is allowed. */
void worker_pool_cancel(struct worker_pool *p);

/* From run(): true once the job was asked to stop. */
bool worker_cancelled(struct worker *w);

/* From run(): waits ms milliseconds, on the job's cancel descriptor,
 * so that worker_cancel() ends the wait at once; returns false when the
 * job was asked to stop (before or during the wait). */
bool worker_pause(struct worker *w, int ms);

/* Guard what run() writes and the front end reads while it runs
 * (progress); both sides take the job's lock around it. */
void worker_lock(struct worker *w);
void worker_unlock(struct worker *w);

#endif
