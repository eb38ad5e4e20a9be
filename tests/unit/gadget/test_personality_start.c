/* SPDX-License-Identifier: MIT */
/*
 * The personalities' start hooks when the engine refuses a watch or an
 * input cannot be opened: the engine's error comes back as it was (-ENOSPC
 * when its watch table is full), and start undoes what it did itself, since
 * the engine calls stop only after a start that succeeded (personality.h).
 * fg_engine_watch and fg_engine_unwatch are this file's (linked with
 * --wrap, see the Makefile): no engine runs here.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "description/description.h"
#include "personalities/personalities.h"

int __wrap_fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd),
			   void *ctx);
void __wrap_fg_engine_unwatch(struct fg_engine *e, int fd);

static struct {
	unsigned watches, unwatches;
	unsigned refuse_from;       /* the n-th watch (1-based) and later fail; 0: none */
	int watched[8];
	size_t watched_count;
} eng;

int __wrap_fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd),
			   void *ctx)
{
	(void)e;
	(void)ready;
	(void)ctx;
	eng.watches++;
	if (eng.refuse_from && eng.watches >= eng.refuse_from) {
		errno = 0;      /* the engine says why in its return value only */
		return -ENOSPC;
	}
	eng.watched[eng.watched_count++] = fd;
	return 0;
}

void __wrap_fg_engine_unwatch(struct fg_engine *e, int fd)
{
	(void)e;
	eng.unwatches++;
	for (size_t i = 0; i < eng.watched_count; i++)
		if (eng.watched[i] == fd)
			eng.watched[i] = eng.watched[--eng.watched_count];
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The description text's personality started, the engine refusing its refuse_from-th
 * watch and later ones (0: none); start's result. */
static int start_text(const char *text, unsigned refuse_from)
{
	char err[512] = "";
	const struct fg_personality *p = NULL;
	struct fg_model *m;
	void *state = NULL;
	size_t fds;
	int rc;

	memset(&eng, 0, sizeof(eng));
	eng.refuse_from = refuse_from;
	if (fg_description_parse(text, "t.conf", &m, err, sizeof(err)) != 0 ||
	    fg_personality_prepare(m, &p, &state, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fds = open_fds();
	rc = p->start(state, (struct fg_engine *)&eng);
	if (rc < 0) {
		/* Undone by start itself: nothing watched, nothing left open. */
		assert_int_equal(eng.watched_count, 0);
		assert_int_equal(open_fds(), fds);
	} else {
		p->stop(state);
		assert_int_equal(eng.watched_count, 0);
	}
	p->destroy(state);
	fg_model_free(m);
	return rc;
}

/* isostream on one iso IN endpoint with these options. */
static int start_with(const char *options, unsigned refuse_from)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "function = { name = \"x\"; personality = \"isostream\";\n"
		 " interfaces = ( { class = 0xff; endpoints = ( { name = \"i\"; address = 0x81;\n"
		 " type = \"iso\"; maxpacket = 1023; } ); } );\n options = { %s };\n};\n", options);
	return start_text(text, refuse_from);
}

/* A boot keyboard whose control socket is at path. */
static int start_hid(const char *path, unsigned refuse_from)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "function = { name = \"k\"; personality = \"hid\"; speeds = [\"full\"];\n"
		 "interfaces = ( { class = 3; subclass = 1; protocol = 1;\n"
		 "  hid = { bcd = 0x0111; country = 0; report = [0x05, 0x01]; };\n"
		 "  endpoints = ( { name = \"k\"; address = 0x81; type = \"interrupt\"; maxpacket = 8; } ); } );\n"
		 "options = { socket = \"%s\"; };\n};\n", path);
	return start_text(text, refuse_from);
}

static void refused_timer_watch_keeps_the_engines_errno(void **state)
{
	(void)state;
	assert_int_equal(start_with("throttle = 1000;", 1), -ENOSPC);
}

static void missing_source_unwatches_the_timer(void **state)
{
	(void)state;
	assert_int_equal(start_with("throttle = 1000; source = \"file:/nonexistent/x\";", 0), -ENOENT);
	assert_int_equal(eng.watches, 1);
	assert_int_equal(eng.unwatches, 1);
}

/* A character device: not regular, so its reads are watched. */
static void refused_source_watch_fails_the_start(void **state)
{
	const char *opts = "throttle = 1000; source = \"file:/dev/zero\";";

	(void)state;
	assert_int_equal(start_with(opts, 0), 0);       /* timer and source watched */
	assert_int_equal(eng.watches, 2);
	/* The source's watch refused: no data would ever come, so start fails. */
	assert_int_equal(start_with(opts, 2), -ENOSPC);
	assert_int_equal(eng.unwatches, 1);
}

static void hid_start_undoes_itself(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_personality_start.%ld", (long)getpid());
	assert_int_equal(start_hid(path, 0), 0);                /* timer and socket watched */
	assert_int_equal(eng.watches, 2);
	assert_int_equal(access(path, F_OK), -1);               /* stop removed the socket */
	assert_int_equal(start_hid("/nonexistent/dir/k.sock", 0), -ENOENT);
	assert_int_equal(eng.unwatches, 1);                     /* the timer's */
	assert_int_equal(start_hid(path, 2), -ENOSPC);          /* the socket's watch refused */
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_timer_watch_keeps_the_engines_errno),
		cmocka_unit_test(missing_source_unwatches_the_timer),
		cmocka_unit_test(refused_source_watch_fails_the_start),
		cmocka_unit_test(hid_start_undoes_itself),
	};

	fg_log_threshold = FG_LOG_ERR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
