/* SPDX-License-Identifier: MIT */
/*
 * The engine's line socket (ffs/line_socket.c) with the engine's watches
 * stood in (--wrap, see the Makefile): each watched fd's callback is called
 * here by hand, as the loop would when the fd is readable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "ffs/line_socket.h"

int __wrap_fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd),
			   void *ctx);
void __wrap_fg_engine_unwatch(struct fg_engine *e, int fd);

static struct watch {
	int fd;
	void (*ready)(void *ctx, int fd);
	void *ctx;
} watches[16];
static size_t watch_count;

int __wrap_fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd),
			   void *ctx)
{
	(void)e;
	if (watch_count == sizeof(watches) / sizeof(watches[0]))
		return -ENOSPC;
	watches[watch_count++] = (struct watch){ fd, ready, ctx };
	return 0;
}

void __wrap_fg_engine_unwatch(struct fg_engine *e, int fd)
{
	(void)e;
	for (size_t i = 0; i < watch_count; i++)
		if (watches[i].fd == fd)
			watches[i] = watches[--watch_count];
}

/* Runs the callback of every watched fd once, as the loop would. */
static void run_loop(void)
{
	struct watch now[16];
	size_t n = watch_count;

	memcpy(now, watches, sizeof(now));
	for (size_t i = 0; i < n; i++)
		now[i].ready(now[i].ctx, now[i].fd);
}

static char seen[8][64];
static size_t seen_count;

static void echo_line(void *ctx, const char *line, char *reply, size_t replylen)
{
	(void)ctx;
	if (seen_count < 8)
		snprintf(seen[seen_count++], sizeof(seen[0]), "%s", line);
	snprintf(reply, replylen, "ok %zu", strlen(line));
}

static char path[64];

static int connect_client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Everything the socket answered so far, as one string. */
static void read_replies(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
}

static int setup(void **state)
{
	(void)state;
	watch_count = seen_count = 0;
	snprintf(path, sizeof(path), "/tmp/test_line_socket.%ld", (long)getpid());
	return 0;
}

static void lines_reach_the_callback_and_replies_come_back(void **state)
{
	struct fg_line_socket *s;
	char buf[256];
	int c;

	(void)state;
	assert_int_equal(fg_line_socket_open(NULL, path, echo_line, NULL, &s), 0);
	assert_int_equal(watch_count, 1);
	c = connect_client();
	run_loop();                                     /* accept */
	assert_int_equal(watch_count, 2);
	assert_int_equal(write(c, "abc\r\nde", 7), 7);
	run_loop();
	assert_int_equal(seen_count, 1);
	assert_string_equal(seen[0], "abc");            /* CR gone */
	read_replies(c, buf, sizeof(buf));
	assert_string_equal(buf, "ok 3\n");
	assert_int_equal(write(c, "f\n", 2), 2);        /* a line split across reads */
	run_loop();
	assert_string_equal(seen[1], "def");
	assert_int_equal(write(c, "x\0y\n", 4), 4);
	run_loop();
	assert_int_equal(seen_count, 2);                /* the callback never sees a NUL */
	read_replies(c, buf, sizeof(buf));
	assert_string_equal(buf, "ok 3\nerror: NUL byte in line\n");
	close(c);
	run_loop();                                     /* end of file: client closed */
	assert_int_equal(watch_count, 1);
	fg_line_socket_close(s);
	assert_int_equal(watch_count, 0);
	assert_int_equal(access(path, F_OK), -1);       /* the socket file removed */
}

static void long_line_is_refused_whole(void **state)
{
	struct fg_line_socket *s;
	char line[FG_LINE_MAX + 10], buf[256];
	int c;

	(void)state;
	assert_int_equal(fg_line_socket_open(NULL, path, echo_line, NULL, &s), 0);
	c = connect_client();
	run_loop();
	memset(line, 'a', sizeof(line));
	assert_int_equal(write(c, line, sizeof(line)), (ssize_t)sizeof(line));
	run_loop();
	run_loop();
	assert_int_equal(write(c, "\nok\n", 4), 4);
	run_loop();
	assert_int_equal(seen_count, 1);
	assert_string_equal(seen[0], "ok");
	read_replies(c, buf, sizeof(buf));
	assert_string_equal(buf, "error: line longer than 1023 bytes\nok 2\n");
	close(c);
	fg_line_socket_close(s);
}

static void clients_beyond_the_limit_are_told(void **state)
{
	struct fg_line_socket *s;
	int c[FG_LINE_CLIENTS + 1];
	char buf[64];

	(void)state;
	assert_int_equal(fg_line_socket_open(NULL, path, echo_line, NULL, &s), 0);
	for (size_t i = 0; i <= FG_LINE_CLIENTS; i++) {
		c[i] = connect_client();
		run_loop();
	}
	assert_int_equal(watch_count, 1 + FG_LINE_CLIENTS);
	read_replies(c[FG_LINE_CLIENTS], buf, sizeof(buf));
	assert_string_equal(buf, "error: too many clients\n");
	for (size_t i = 0; i <= FG_LINE_CLIENTS; i++)
		close(c[i]);
	fg_line_socket_close(s);
	assert_int_equal(watch_count, 0);
}

static void refused_watch_leaves_nothing(void **state)
{
	struct fg_line_socket *s = NULL;

	(void)state;
	watch_count = sizeof(watches) / sizeof(watches[0]);     /* the engine's table full */
	assert_int_equal(fg_line_socket_open(NULL, path, echo_line, NULL, &s), -ENOSPC);
	assert_null(s);
	assert_int_equal(access(path, F_OK), -1);
	watch_count = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(lines_reach_the_callback_and_replies_come_back, setup),
		cmocka_unit_test_setup(long_line_is_refused_whole, setup),
		cmocka_unit_test_setup(clients_beyond_the_limit_are_told, setup),
		cmocka_unit_test_setup(refused_watch_leaves_nothing, setup),
	};

	fg_log_threshold = FG_LOG_ERR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
