/* SPDX-License-Identifier: MIT */
/*
 * The dfu personality's upload from a command (upload_command), with real
 * child processes: the engine's services are played by this file (watches
 * polled as the loop would, deferred answers recorded), the host by the
 * test's UPLOAD, GETSTATUS, CLRSTATUS and ABORT requests.  The uploaded
 * bytes are compared with the command's own output (run again with popen);
 * failures (exit status, signal, silence, too much output) must STALL into
 * dfuERROR, and every command must be killed and reaped, no fd left open.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/usb/ch9.h>

#include "description/description.h"
#include "ffs/personality.h"
#include "personalities/dfu/dfu_state.h"
#include "personalities/personalities.h"
#include "tmp_tree.h"

extern const struct fg_personality fg_dfu_personality;

#define MAX_WATCHES 16
#define XFER 1024

/* The engine, as the dfu personality sees it. */
static struct {
	struct { int fd; void (*ready)(void *ctx, int fd); void *ctx; } w[MAX_WATCHES];
	unsigned answers;
	int answer_len;
	uint8_t answer[FG_CTRL_BUFSIZE];
} engine;

int fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd), void *ctx)
{
	(void)e;
	for (size_t i = 0; i < MAX_WATCHES; i++) {
		assert_false(engine.w[i].ready && engine.w[i].fd == fd);   /* watched twice */
		if (!engine.w[i].ready) {
			engine.w[i].fd = fd;
			engine.w[i].ready = ready;
			engine.w[i].ctx = ctx;
			return 0;
		}
	}
	return -ENOSPC;
}

void fg_engine_unwatch(struct fg_engine *e, int fd)
{
	(void)e;
	for (size_t i = 0; i < MAX_WATCHES; i++)
		if (engine.w[i].ready && engine.w[i].fd == fd)
			engine.w[i].ready = NULL;
}

int fg_engine_answer_setup(struct fg_engine *e, const void *reply, int len)
{
	(void)e;
	engine.answers++;
	engine.answer_len = len;
	if (len > 0)
		memcpy(engine.answer, reply, (size_t)len);
	return 0;
}

static unsigned watched(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < MAX_WATCHES; i++)
		n += engine.w[i].ready != NULL;
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The loop: runs the handlers of whatever is readable until an answer comes, or limit s. */
static bool loop_until_answer(unsigned before, double limit)
{
	double end = now_s() + limit;

	while (engine.answers == before && now_s() < end) {
		struct pollfd pfd[MAX_WATCHES];
		size_t idx[MAX_WATCHES], n = 0;

		for (size_t i = 0; i < MAX_WATCHES; i++)
			if (engine.w[i].ready) {
				pfd[n] = (struct pollfd){ .fd = engine.w[i].fd, .events = POLLIN };
				idx[n++] = i;
			}
		if (poll(pfd, n, 20) <= 0)
			continue;
		for (size_t k = 0; k < n; k++)
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) && engine.w[idx[k]].ready &&
			    engine.w[idx[k]].fd == pfd[k].fd)
				engine.w[idx[k]].ready(engine.w[idx[k]].ctx, pfd[k].fd);
	}
	return engine.answers != before;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

struct fx {
	char dir[64];
	struct fg_model *m;
	void *state;
	uint8_t reply[FG_CTRL_BUFSIZE];
	int fds_before;
};

/* Writes an executable script NAME into the fixture's directory; its path in path. */
static void script(struct fx *f, const char *name, const char *body, char *path, size_t size)
{
	char text[1024];

	assert_true((size_t)snprintf(path, size, "%s/%s", f->dir, name) < size);
	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	tmp_write(path, text);
	assert_int_equal(chmod(path, 0755), 0);
}

/* A DFU-mode description around options, each '@' in them the fixture's directory. */
static int make(struct fx *f, const char *attributes, const char *options, char *err,
		size_t errlen)
{
	char text[4096], opts[2048];
	size_t n = 0;
	int rc;

	for (const char *p = options; *p && n + sizeof(f->dir) < sizeof(opts); p++) {
		if (*p == '@')
			n += (size_t)snprintf(opts + n, sizeof(opts) - n, "%s", f->dir);
		else
			opts[n++] = *p;
	}
	opts[n] = '\0';
	snprintf(text, sizeof(text),
		 "function = {\n"
		 "  name = \"dfu\"; personality = \"dfu\"; speeds = [\"high\"];\n"
		 "  interfaces = ( { class = 0xfe; subclass = 0x01; protocol = 2;\n"
		 "    dfu = { attributes = [%s]; transfer_size = %d; }; } );\n"
		 "  options = {\n%s\n  };\n"
		 "};\n", attributes, XFER, opts);
	if (f->m)
		fg_model_free(f->m);
	f->m = NULL;
	rc = fg_description_parse(text, "test.conf", &f->m, err, errlen);
	if (rc < 0)
		return rc;
	rc = fg_options_check(fg_dfu_personality.options, "dfu", f->m, err, errlen);
	if (rc < 0)
		return rc;
	return fg_dfu_personality.create(f->m, &f->state, err, errlen);
}

/* make, which must succeed (upload-only without an image), then the loop starts. */
static void bring_up(struct fx *f, const char *options)
{
	char err[512];

	if (make(f, strstr(options, "image") ? "\"download\", \"upload\", \"manifestation_tolerant\"" :
					       "\"upload\"", options, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(fg_dfu_personality.start(f->state, (struct fg_engine *)&engine), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memset(&engine, 0, sizeof(engine));
	f->fds_before = count_fds();
	snprintf(f->dir, sizeof(f->dir), "/tmp/fg-dfu-cmd-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->state) {
		fg_dfu_personality.stop(f->state);
		fg_dfu_personality.destroy(f->state);
	}
	if (f->m)
		fg_model_free(f->m);
	/* Nothing of the commands left: every fd closed, every child reaped, nothing watched. */
	assert_int_equal(count_fds(), f->fds_before);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(watched(), 0);
	assert_int_equal(tmp_tree_remove(f->dir), 0);
	free(f);
	return 0;
}

#define OUT (USB_TYPE_CLASS | USB_RECIP_INTERFACE)
#define IN (USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE)

/* A request as the engine makes it; a deferred one is run to its answer. */
static int req(struct fx *f, uint8_t type, uint8_t r, uint16_t length, const uint8_t **data)
{
	struct fg_setup s = { type, r, 0, 0, length };
	unsigned before = engine.answers;
	int rc = fg_dfu_personality.setup(f->state, &s, f->reply, sizeof(f->reply));

	if (data)
		*data = f->reply;
	if (rc != FG_SETUP_DEFER)
		return rc;
	if (!loop_until_answer(before, 6.0))
		fail_msg("a deferred request was never answered");
	if (data)
		*data = engine.answer;
	return engine.answer_len < 0 ? -EPIPE : engine.answer_len;
}

static void get_status(struct fx *f, uint8_t *status, uint8_t *st)
{
	const uint8_t *r;

	assert_int_equal(req(f, IN, DFU_GETSTATUS, 6, &r), 6);
	*status = r[0];
	*st = r[4];
}

static void assert_status(struct fx *f, uint8_t want_status, uint8_t want_state)
{
	uint8_t status, st;

	get_status(f, &status, &st);
	assert_int_equal(status, want_status);
	assert_int_equal(st, want_state);
}

/* Uploads until a short block or a STALL: the bytes in out, their count in *len; the last rc. */
static int upload(struct fx *f, uint8_t *out, size_t cap, size_t *len)
{
	const uint8_t *data;
	int rc;

	*len = 0;
	do {
		rc = req(f, IN, DFU_UPLOAD, XFER, &data);
		if (rc < 0)
			return rc;
		assert_true(*len + (size_t)rc <= cap);
		memcpy(out + *len, data, (size_t)rc);
		*len += (size_t)rc;
	} while (rc == XFER);
	return rc;
}

/* What the command writes when run by itself. */
static size_t output_of(const char *path, uint8_t *out, size_t cap)
{
	FILE *p = popen(path, "r");
	size_t n;

	assert_non_null(p);
	n = fread(out, 1, cap, p);
	assert_int_equal(pclose(p), 0);
	return n;
}

static pid_t read_pid(const struct fx *f, const char *name)
{
	char path[128];
	long pid = 0;
	FILE *p;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	p = fopen(path, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%ld", &pid), 1);
	fclose(p);
	return (pid_t)pid;
}

/* Gone: no process, not even a zombie (a grandchild is reaped by init, maybe later). */
static bool gone(pid_t pid)
{
	char path[64], text[512];
	FILE *p;

	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		p = fopen(path, "r");
		if (!p)
			return true;
		if (!fgets(text, sizeof(text), p))
			text[0] = '\0';
		fclose(p);
		if (strstr(text, ") Z "))
			return true;
		usleep(10000);
	}
	return false;
}

static uint8_t up[1 << 20], want[1 << 20];

/* The upload is the command's output, byte for byte, over several deferred blocks. */
static void upload_is_the_output(void **state)
{
	struct fx *f = *state;
	char path[128];
	size_t len, n;

	script(f, "seq.sh", "exec seq 1 6000", path, sizeof(path));
	n = output_of(path, want, sizeof(want));
	assert_true(n > 20 * XFER);
	bring_up(f, "image = \"@/image.bin\"; upload_command = \"@/seq.sh\";");
	assert_true(upload(f, up, sizeof(up), &len) < XFER);
	assert_int_equal(len, n);
	assert_memory_equal(up, want, n);
	assert_status(f, DFU_OK, DFU_IDLE);
	/* Again: a new command each upload. */
	assert_true(upload(f, up, sizeof(up), &len) < XFER);
	assert_int_equal(len, n);
	assert_memory_equal(up, want, n);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* Output a whole number of blocks: the end is a zero-length block; slow output is waited for. */
static void exact_blocks_and_trickle(void **state)
{
	struct fx *f = *state;
	char path[128];
	size_t len;

	script(f, "exact.sh", "head -c 2048 /dev/zero | tr '\\000' x", path, sizeof(path));
	script(f, "trickle.sh", "printf a; sleep 0.2; printf b; sleep 0.2; printf c", path,
	       sizeof(path));
	bring_up(f, "upload_command = \"@/exact.sh\";");
	assert_int_equal(upload(f, up, sizeof(up), &len), 0);
	assert_int_equal(len, 2048);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(up[i], 'x');
	fg_dfu_personality.stop(f->state);
	fg_dfu_personality.destroy(f->state);
	f->state = NULL;
	assert_int_equal(watched(), 0);

	bring_up(f, "upload_command = \"@/trickle.sh\"; upload_timeout = 1500;");
	assert_int_equal(upload(f, up, sizeof(up), &len), 3);
	assert_memory_equal(up, "abc", 3);
	assert_status(f, DFU_OK, DFU_IDLE);
}

/* Exit status 3 (at once, or after whole blocks), a signal: STALL, dfuERROR errUNKNOWN; recovery. */
static void failing_commands_stall(void **state)
{
	struct fx *f = *state;
	char path[128], body[256];
	size_t len;
	int rc;

	snprintf(body, sizeof(body),
		 "case $(cat %1$s/mode) in\n"
		 "fail) printf abc; exit 3 ;;\n"
		 "late) seq 1 1000; exit 3 ;;\n"
		 "signal) printf x; kill -9 $$ ;;\n"
		 "esac\nprintf good", f->dir);
	script(f, "cmd.sh", body, path, sizeof(path));
	snprintf(path, sizeof(path), "%s/mode", f->dir);
	bring_up(f, "image = \"@/image.bin\"; upload_command = \"@/cmd.sh\";");

	const char *modes[] = { "fail", "late", "signal" };
	for (size_t i = 0; i < 3; i++) {
		tmp_write(path, modes[i]);
		rc = upload(f, up, sizeof(up), &len);
		assert_int_equal(rc, -EPIPE);
		/* "late": its whole blocks went first; the STALL comes at the end. */
		assert_int_equal(len, i == 1 ? 3 * XFER : 0);
		assert_status(f, DFU_ERR_UNKNOWN, DFU_ERROR);
		/* In dfuERROR an UPLOAD is refused; CLRSTATUS recovers. */
		assert_int_equal(req(f, IN, DFU_UPLOAD, XFER, NULL), -EPIPE);
		assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, NULL), 0);
		assert_status(f, DFU_OK, DFU_IDLE);
		assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	}
	tmp_write(path, "ok");
	assert_int_equal(upload(f, up, sizeof(up), &len), 4);
	assert_memory_equal(up, "good", 4);
}

/* Silence: STALL within upload_timeout, the command and what it started killed and reaped. */
static void silent_command_times_out(void **state)
{
	struct fx *f = *state;
	char path[128], body[256];
	double t0, dt;
	pid_t pid, bg;
	int rc;

	snprintf(body, sizeof(body),
		 "sleep 30 &\necho $! >%1$s/bg\necho $$ >%1$s/pid\nprintf hi\nwait", f->dir);
	script(f, "silent.sh", body, path, sizeof(path));
	bring_up(f, "upload_command = \"@/silent.sh\"; upload_timeout = 300;");
	t0 = now_s();
	rc = req(f, IN, DFU_UPLOAD, XFER, NULL);
	dt = now_s() - t0;
	assert_int_equal(rc, -EPIPE);
	assert_true(dt >= 0.25 && dt < 2.0);
	assert_status(f, DFU_ERR_UNKNOWN, DFU_ERROR);
	pid = read_pid(f, "pid");
	bg = read_pid(f, "bg");
	assert_int_equal(kill(pid, 0), -1);    /* reaped, not a zombie */
	assert_int_equal(errno, ESRCH);
	assert_true(gone(bg));                 /* its group killed too */
	assert_int_equal(watched(), 1);        /* only the timer, between requests */
}

/* More output than max_size: cut with errADDRESS; exactly max_size passes. */
static void output_past_max_size(void **state)
{
	struct fx *f = *state;
	char path[128], body[128];
	size_t len;

	snprintf(body, sizeof(body), "if [ -e %s/exact ]; then head -c 3000 /dev/zero; else exec yes; fi",
		 f->dir);
	script(f, "big.sh", body, path, sizeof(path));
	bring_up(f, "upload_command = \"@/big.sh\"; max_size = 3000;");
	assert_int_equal(upload(f, up, sizeof(up), &len), -EPIPE);
	assert_int_equal(len, 2 * XFER);
	assert_status(f, DFU_ERR_ADDRESS, DFU_ERROR);
	assert_int_equal(req(f, OUT, DFU_CLRSTATUS, 0, NULL), 0);
	snprintf(path, sizeof(path), "%s/exact", f->dir);
	tmp_write(path, "");
	assert_int_equal(upload(f, up, sizeof(up), &len), 3000 - 2 * XFER);
	assert_int_equal(len, 3000);
}

/* ABORT and a reset mid-upload, and the daemon's end: the command killed and reaped. */
static void abort_and_reset_kill(void **state)
{
	struct fx *f = *state;
	char path[128], body[128];
	pid_t pid;

	snprintf(body, sizeof(body), "echo $$ >%s/pid\nexec yes", f->dir);
	script(f, "yes.sh", body, path, sizeof(path));
	bring_up(f, "upload_command = \"@/yes.sh\";");

	assert_int_equal(req(f, IN, DFU_UPLOAD, XFER, NULL), XFER);
	assert_status(f, DFU_OK, DFU_UPLOAD_IDLE);
	pid = read_pid(f, "pid");
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(req(f, OUT, DFU_ABORT, 0, NULL), 0);
	assert_status(f, DFU_OK, DFU_IDLE);
	assert_int_equal(kill(pid, 0), -1);

	assert_int_equal(req(f, IN, DFU_UPLOAD, XFER, NULL), XFER);
	pid = read_pid(f, "pid");
	fg_dfu_personality.enable(f->state);          /* a bus reset: ENABLE */
	assert_int_equal(kill(pid, 0), -1);
	assert_status(f, DFU_OK, DFU_IDLE);

	assert_int_equal(req(f, IN, DFU_UPLOAD, XFER, NULL), XFER);
	pid = read_pid(f, "pid");
	fg_dfu_personality.stop(f->state);
	assert_int_equal(kill(pid, 0), -1);
	fg_dfu_personality.destroy(f->state);
	f->state = NULL;
}

/* A command that cannot start: STALL at once (nothing deferred), errUNKNOWN. */
static void missing_command(void **state)
{
	struct fx *f = *state;
	unsigned before;

	bring_up(f, "upload_command = \"@/nowhere.sh\";");
	before = engine.answers;
	assert_int_equal(req(f, IN, DFU_UPLOAD, XFER, NULL), -EPIPE);
	assert_int_equal(engine.answers, before);
	assert_status(f, DFU_ERR_UNKNOWN, DFU_ERROR);
}

/* What the options cannot be, each refused with file:line. */
static void options_refused(void **state)
{
	static const struct { const char *attrs, *options, *says; } bad[] = {
		{ "\"upload\"", "upload_command = \"\";", "test.conf:6: options: upload_command is empty" },
		{ "\"upload\"", "upload_command = \"rel/x\";", "test.conf:6: options: upload_command 'rel/x' must be an absolute path" },
		{ "\"download\"", "image = \"/x\"; upload_command = \"/bin/true\";", "test.conf:6: options: upload_command: the dfu block of the interface at line 3 does not list \"upload\"" },
		{ "\"upload\"", "image = \"/x\"; upload_command = \"/bin/true\";", "test.conf:6: options: both image and upload_command, but the interface at line 3 does not download" },
		{ "\"upload\", \"download\"", "upload_command = \"/bin/true\";", "test.conf:3: options: the interface downloads: it needs image" },
		{ "\"upload\"", "image = \"/x\"; upload_timeout = 100;", "test.conf:6: options: upload_timeout applies to upload_command, which is not set" },
		{ "\"upload\"", "upload_command = \"/bin/true\"; upload_timeout = 0;", "test.conf:6: options: upload_timeout must be 1..4000 ms" },
		{ "\"upload\"", "upload_command = \"/bin/true\"; upload_timeout = 4001;", "test.conf:6: options: upload_timeout" },
		{ "\"upload\"", "max_size = 10;", "needs image = \"/path\"" },
	};
	struct fx *f = *state;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		f->state = NULL;
		if (make(f, bad[i].attrs, bad[i].options, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, bad[i].options);
		if (!strstr(err, bad[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].says);
	}
	/* Upload-only from a command, without image: fine. */
	assert_int_equal(make(f, "\"upload\"", "upload_command = \"/bin/true\";", err,
			      sizeof(err)), 0);
	fg_dfu_personality.destroy(f->state);
	f->state = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(upload_is_the_output, setup, teardown),
		cmocka_unit_test_setup_teardown(exact_blocks_and_trickle, setup, teardown),
		cmocka_unit_test_setup_teardown(failing_commands_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(silent_command_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(output_past_max_size, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_and_reset_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_command, setup, teardown),
		cmocka_unit_test_setup_teardown(options_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
