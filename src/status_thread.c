/* The status server on a thread and loop of its own (veriportd's): a
 * sweep of thousands of probes keeps the daemon's loop busy for long
 * stretches (TLS handshakes, the end-of-sweep rendering), and a monitor
 * polling the socket must not wait for it. The daemon renders the report
 * answers on its loop when its results change and hands them over; the
 * server's thread serves them, and takes every other command to the
 * daemon's loop, one at a time, waiting for its answer.
 *
 * What crosses threads is under one mutex: the answers handed over, the
 * stop flag and the one command in flight. Blob references are taken and
 * dropped on the server's thread only (or, before it runs and after it
 * ended, on the daemon's). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status_impl.h"
#include "veriport/xalloc.h"

/* Take the answers the daemon handed over, and stop when asked. */
static void server_on_wake(uv_async_t *h)
{
	struct status_server *s = h->data;
	struct status_thread *th = s->th;
	struct status_blob *fresh[STATUS_CACHED_COUNT];
	uv_mutex_lock(&th->mu);
	bool ready = th->next_ready, stop = th->stop;
	memcpy(fresh, th->next, sizeof fresh);
	memset(th->next, 0, sizeof th->next);
	th->next_ready = false;
	uv_mutex_unlock(&th->mu);
	if (ready) {
		status_cache_drop(s->cache);
		memcpy(s->cache, fresh, sizeof fresh);
	}
	if (stop && !s->stopping)
		status_stop_now(s);
}

/* On the daemon's loop: answer the command in flight. */
static void daemon_on_call(uv_async_t *h)
{
	struct status_server *s = h->data;
	struct status_thread *th = s->th;
	char line[sizeof th->call_line];
	uv_mutex_lock(&th->mu);
	bool pending = th->call_pending && th->call_answer == NULL;
	memcpy(line, th->call_line, sizeof line);
	uv_mutex_unlock(&th->mu);
	if (!pending)
		return;
	size_t len;
	char *a = status_answer(&s->src, line, &len);
	uv_mutex_lock(&th->mu);
	if (th->call_pending) {
		th->call_answer = a;
		th->call_len = len;
		a = NULL;
		uv_cond_signal(&th->answered);
	}
	uv_mutex_unlock(&th->mu);
	free(a);
}

char *status_thread_call(struct status_server *s, const char *line, size_t *len)
{
	struct status_thread *th = s->th;
	uv_mutex_lock(&th->mu);
	if (!th->stop) {
		snprintf(th->call_line, sizeof th->call_line, "%s", line);
		th->call_pending = true;
		th->call_answer = NULL;
		uv_async_send(&th->call);
		while (th->call_answer == NULL && !th->stop)
			uv_cond_wait(&th->answered, &th->mu);
	}
	char *a = th->call_answer;
	*len = th->call_len;
	th->call_answer = NULL;
	th->call_pending = false;
	uv_mutex_unlock(&th->mu);
	return a != NULL ? a
			 : status_text(len, "error: the daemon is stopping\n");
}

void status_thread_publish(struct status_server *s)
{
	struct status_thread *th = s->th;
	struct status_blob *fresh[STATUS_CACHED_COUNT],
	    *stale[STATUS_CACHED_COUNT];
	status_render_cache(s, fresh);
	uv_mutex_lock(&th->mu);
	/* Answers the server has not taken yet were never shared: they go
	 * here. */
	memcpy(stale, th->next, sizeof stale);
	memcpy(th->next, fresh, sizeof fresh);
	th->next_ready = true;
	bool running = th->running;
	uv_mutex_unlock(&th->mu);
	status_cache_drop(stale);
	if (running)
		uv_async_send(&th->wake);
}

static void server_thread(void *arg)
{
	struct status_server *s = arg;
	uv_run(s->loop, UV_RUN_DEFAULT);
}

int status_thread_go(struct status_server *s)
{
	struct status_thread *th = s->th;
	int rc = uv_loop_init(&th->loop);
	if (rc < 0)
		return rc;
	uv_loop_t *daemon_loop = s->loop;
	s->loop = &th->loop;
	status_serve(s, th->ufd, th->tfd);
	th->ufd = th->tfd = -1;
	if (uv_async_init(&th->loop, &th->wake, server_on_wake) != 0 ||
	    uv_async_init(daemon_loop, &th->call, daemon_on_call) != 0)
		fatalx("%s: uv_async_init failed", __func__);
	th->wake.data = th->call.data = s;
	/* Answers handed over before the thread ran are taken at once. */
	server_on_wake(&th->wake);
	uv_mutex_lock(&th->mu);
	th->running = true;
	uv_mutex_unlock(&th->mu);
	rc = uv_thread_create(&th->thread, server_thread, s);
	if (rc < 0)
		fatalx("%s: cannot start the status thread: %s", __func__,
		       uv_strerror(rc));
	return 0;
}

/* On the server's thread: the last listener or client closed. */
void status_thread_release(struct status_server *s)
{
	uv_close((uv_handle_t *)&s->th->wake, NULL);
}

static void server_free(struct status_server *s)
{
	void (*closed)(void *) = s->closed;
	void *arg = s->closed_arg;
	status_cache_drop(s->cache);
	status_cache_drop(s->th->next);
	uv_mutex_destroy(&s->th->mu);
	uv_cond_destroy(&s->th->answered);
	free(s->th);
	free(s->socket_path);
	free(s);
	if (closed != NULL)
		closed(arg);
}

static void daemon_on_call_closed(uv_handle_t *h)
{
	server_free(h->data);
}

void status_thread_stop(struct status_server *s)
{
	struct status_thread *th = s->th;
	uv_mutex_lock(&th->mu);
	th->stop = true;
	bool running = th->running;
	uv_cond_broadcast(&th->answered);
	uv_mutex_unlock(&th->mu);
	if (!running) {
		/* Never served: only the listening sockets to close. */
		unlink(s->socket_path);
		close(th->ufd);
		if (th->tfd >= 0)
			close(th->tfd);
		server_free(s);
		return;
	}
	uv_async_send(&th->wake);
	uv_thread_join(&th->thread);
	if (uv_loop_close(&th->loop) != 0)
		fatalx("%s: the status loop has handles open", __func__);
	uv_close((uv_handle_t *)&th->call, daemon_on_call_closed);
}
