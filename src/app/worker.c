/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Jobs on threads of their own (app/worker.h). */
#include "config.h"

#include "app/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

struct worker_pool {
	struct session *parent;
	int pipe[2];          /* the news: [0] polled, [1] written */
	pthread_mutex_t lock; /* guards every job's state and the counts */
	size_t running;       /* threads not yet ended */
	size_t busy;          /* of which not abandoned */
	size_t holding;       /* of which held (worker_hold()) */
	unsigned long ended;  /* jobs not abandoned whose run() returned */
	struct worker *jobs;  /* the running ones, abandoned or not */
};

struct worker {
	struct worker_pool *pool;
	worker_fn run;
	void *arg;
	void (*free_arg)(void *arg);
	struct session session; /* the job's own */
	int cancel[2];          /* a byte in [1] asks the job to stop waiting */
	struct worker *next;    /* in the pool's running jobs */
	bool done;
	bool abandoned;
	bool held;
	bool cancelled;
};

/* Makes a pool with its news pipe. */
struct worker_pool *worker_pool_new(struct session *parent)
{
	struct worker_pool *p = xcalloc(1, sizeof *p);

	p->parent = parent;
	if (pipe(p->pipe) != 0) {
		p->pipe[0] = p->pipe[1] = -1;
	} else {
		for (int i = 0; i < 2; i++) {
			fcntl(p->pipe[i], F_SETFD, FD_CLOEXEC);
			fcntl(p->pipe[i], F_SETFL, O_NONBLOCK);
		}
	}
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

/* Frees an idle pool. */
bool worker_pool_free(struct worker_pool *p)
{
	size_t running;

	if (!p)
		return true;
	pthread_mutex_lock(&p->lock);
	running = p->running;
	pthread_mutex_unlock(&p->lock);
	if (running > 0)
		return false;
	if (p->pipe[0] >= 0) {
		close(p->pipe[0]);
		close(p->pipe[1]);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
	return true;
}

/* The news descriptor. */
int worker_pool_fd(const struct worker_pool *p)
{
	return p ? p->pipe[0] : -1;
}

/* Empties the news pipe. */
void worker_pool_drain(struct worker_pool *p)
{
	char buf[64];

	while (p && p->pipe[0] >= 0 && read(p->pipe[0], buf, sizeof buf) > 0)
		;
}

/* Jobs the front end waits for. */
size_t worker_pool_busy(struct worker_pool *p)
{
	size_t busy;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	busy = p->busy;
	pthread_mutex_unlock(&p->lock);
	return busy;
}

/* Held jobs still running. */
size_t worker_pool_holding(struct worker_pool *p)
{
	size_t holding;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	holding = p->holding;
	pthread_mutex_unlock(&p->lock);
	return holding;
}

/* Jobs that ended unabandoned. */
unsigned long worker_pool_ended(struct worker_pool *p)
{
	unsigned long ended;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	ended = p->ended;
	pthread_mutex_unlock(&p->lock);
	return ended;
}

/* Writes one byte to fd; a full pipe already holds one. */
static void byte_write(int fd)
{
	char c = 1;
	ssize_t r;

	if (fd < 0)
		return;
	do
		r = write(fd, &c, 1);
	while (r < 0 && errno == EINTR);
}

/* Writes one news byte. */
static void pool_wake(struct worker_pool *p)
{
	byte_write(p->pipe[1]);
}

/* Asks a running job to stop waiting; the pool's lock is held. */
static void job_cancel_locked(struct worker *w)
{
	if (w->done || w->cancelled)
		return;
	w->cancelled = true;
	byte_write(w->cancel[1]);
}

/* Unlinks a job from the pool's running ones; the lock is held. */
static void job_unlink_locked(struct worker *w)
{
	for (struct worker **at = &w->pool->jobs; *at; at = &(*at)->next)
		if (*at == w) {
			*at = w->next;
			break;
		}
	w->next = NULL;
}

/* Frees a job that ended, with its arg and its cancel pipe. */
static void job_free(struct worker *w)
{
	if (w->free_arg)
		w->free_arg(w->arg);
	if (w->cancel[0] >= 0) {
		close(w->cancel[0]);
		close(w->cancel[1]);
	}
	free(w);
}

/* The thread: the job, then its end told or, abandoned, its freeing. */
static void *worker_thread(void *data)
{
	struct worker *w = data;
	struct worker_pool *p = w->pool;
	bool abandoned;

	w->run(w->arg, &w->session, w);
	session_done(&w->session);
	pthread_mutex_lock(&p->lock);
	w->done = true;
	job_unlink_locked(w);
	if (w->held)
		p->holding--;
	abandoned = w->abandoned;
	if (!abandoned) {
		/* With the count, in one step: a front end that finds
		 * nothing busy and the same count of ended jobs as before
		 * it drew has drawn every job's end. */
		p->busy--;
		p->ended++;
	}
	pthread_mutex_unlock(&p->lock);
	if (abandoned)
		job_free(w);
	/* The count and the news under the lock: whoever sees nothing
	 * running may free the pool, and by then the news is written and
	 * this thread touches nothing more. */
	pthread_mutex_lock(&p->lock);
	p->running--;
	pool_wake(p);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Starts a job. */
struct worker *worker_start(struct worker_pool *p, worker_fn run, void *arg,
			    void (*free_arg)(void *arg))
{
	struct worker *w = xcalloc(1, sizeof *w);
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;
	int r;

	w->pool = p;
	w->run = run;
	w->arg = arg;
	w->free_arg = free_arg;
	if (pipe2(w->cancel, O_CLOEXEC | O_NONBLOCK) != 0)
		w->cancel[0] = w->cancel[1] = -1;
	/* In this thread: the parent's resources are made here, once. */
	session_init_worker(&w->session, p->parent);
	pthread_mutex_lock(&p->lock);
	p->running++;
	p->busy++;
	w->next = p->jobs;
	p->jobs = w;
	pthread_mutex_unlock(&p->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Signals stay with the loop's thread (its ppoll() mask). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&thread, &attr, worker_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		/* No thread: the job runs here, as a blocking call would. */
		worker_thread(w);
	}
	return w;
}

/* The job's argument. */
void *worker_arg(struct worker *w)
{
	return w ? w->arg : NULL;
}

/* Whether run() returned. */
bool worker_done(struct worker *w)
{
	bool done;

	if (!w)
		return false;
	pthread_mutex_lock(&w->pool->lock);
	done = w->done;
	pthread_mutex_unlock(&w->pool->lock);
	return done;
}

/* Frees or abandons. */
void worker_free(struct worker *w)
{
	struct worker_pool *p;
	bool done;

	if (!w)
		return;
	p = w->pool;
	pthread_mutex_lock(&p->lock);
	done = w->done;
	if (!done) {
		w->abandoned = true;
		p->busy--;
	}
	pthread_mutex_unlock(&p->lock);
	if (!done)
		return;
	job_free(w);
}

/* Holds the front end's exit while the job runs. */
void worker_hold(struct worker *w)
{
	pthread_mutex_lock(&w->pool->lock);
	if (!w->done && !w->held) {
		w->held = true;
		w->pool->holding++;
	}
	pthread_mutex_unlock(&w->pool->lock);
}

/* Wakes the loop. */
void worker_wake(struct worker *w)
{
	pool_wake(w->pool);
}

/* Takes the job's lock (the pool's). */
void worker_lock(struct worker *w)
{
	pthread_mutex_lock(&w->pool->lock);
}

/* Lets go of it. */
void worker_unlock(struct worker *w)
{
	pthread_mutex_unlock(&w->pool->lock);
}

/* Asks one job to stop waiting. */
void worker_cancel(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->pool->lock);
	job_cancel_locked(w);
	pthread_mutex_unlock(&w->pool->lock);
}

/* Asks every running job to stop waiting. */
void worker_pool_cancel(struct worker_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (struct worker *w = p->jobs; w; w = w->next)
		job_cancel_locked(w);
	pthread_mutex_unlock(&p->lock);
}

/* Whether the job was asked to stop. */
bool worker_cancelled(struct worker *w)
{
	bool cancelled;

	pthread_mutex_lock(&w->pool->lock);
	cancelled = w->cancelled;
	pthread_mutex_unlock(&w->pool->lock);
	return cancelled;
}

/* Waits on the cancel pipe with the pause as its timeout. */
bool worker_pause(struct worker *w, int ms)
{
	struct timespec end, now;
	long long left = ms;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!worker_cancelled(w) && left > 0) {
		struct pollfd fd = { w->cancel[0], POLLIN, 0 };

		if (w->cancel[0] < 0) {
			poll(NULL, 0, (int)left);
			break;
		}
		/* The byte stays in the pipe: every later pause ends at
		 * once too. */
		if (poll(&fd, 1, (int)left) > 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (long long)(end.tv_sec - now.tv_sec) * 1000 +
		       (end.tv_nsec - now.tv_nsec) / 1000000;
	}
	return !worker_cancelled(w);
}
