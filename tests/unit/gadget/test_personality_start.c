/* SPDX-License-Identifier: MIT */
/*
 * isostream's start hook when the engine refuses a watch or the source
 * cannot be opened: the engine's error comes back as it was (-ENOSPC when
 * its watch table is full), and start undoes what it did itself, since the
 * engine calls stop only after a start that succeeded (personality.h).
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

/*
 * isostream on one iso IN endpoint with these options, the engine refusing
 * its refuse_from-th watch and later ones (0: none); start's result.
 */
static int start_with(const char *options, unsigned refuse_from)
{
	char text[1024], err[512] = "";
	const struct fg_personality *p;
	struct fg_model *m;
	void *state = NULL;
	size_t fds;
	int rc;

	memset(&eng, 0, sizeof(eng));
	eng.refuse_from = refuse_from;
	snprintf(text, sizeof(text),
		 "function = { name = \"x\"; personality = \"isostream\";\n"
		 " interfaces = ( { class = 0xff; endpoints = ( { name = \"i\"; address = 0x81;\n"
		 " type = \"iso\"; maxpacket = 1023; } ); } );\n options = { %s };\n};\n", options);
	assert_int_equal(fg_description_parse(text, "t.conf", &m, err, sizeof(err)), 0);
	assert_int_equal(fg_personality_prepare(m, &p, &state, err, sizeof(err)), 0);
	fds = open_fds();
	rc = p->start(state, (struct fg_engine *)&eng);
	if (rc < 0) {
		/* Undone by start itself: nothing watched, nothing left open. */
		assert_int_equal(eng.watched_count, 0);
		assert_int_equal(open_fds(), fds);
	} else {
		p->stop(state);
	}
	p->destroy(state);
	fg_model_free(m);
	return rc;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_timer_watch_keeps_the_engines_errno),
		cmocka_unit_test(missing_source_unwatches_the_timer),
		cmocka_unit_test(refused_source_watch_fails_the_start),
	};

	fg_log_threshold = FG_LOG_ERR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
