/* SPDX-License-Identifier: MIT */
/*
 * The bridge personality against real sockets and PTYs, without USB: the
 * engine's services are played by this file (the bridge reaches the engine
 * only through them), the program by the test itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/usb/ch9.h>

#include "description/description.h"
#include "ffs/personality.h"
#include "personalities/bridge/bridge.h"
#include "personalities/personalities.h"
#include "wire/bridge_wire.h"

extern const struct fg_personality fg_bridge_personality;

/* The engine, as the bridge sees it. */
struct fake_engine {
	int watched_fd;
	void (*ready)(void *ctx, int fd);
	void *ctx;
	unsigned kicks;
	bool held[FG_MAX_ENDPOINTS];
	unsigned answers;
	int answer_len;
	uint8_t answer[FG_CTRL_BUFSIZE];
	int speed;
};

static struct fake_engine engine;

int fg_engine_watch(struct fg_engine *e, int fd, void (*ready)(void *ctx, int fd), void *ctx)
{
	(void)e;
	engine.watched_fd = fd;
	engine.ready = ready;
	engine.ctx = ctx;
	return 0;
}

void fg_engine_unwatch(struct fg_engine *e, int fd)
{
	(void)e;
	if (engine.watched_fd == fd)
		engine.ready = NULL;
}

void fg_engine_kick(struct fg_engine *e)
{
	(void)e;
	engine.kicks++;
}

void fg_engine_hold(struct fg_engine *e, size_t index, bool hold)
{
	(void)e;
	engine.held[index] = hold;
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

int fg_engine_speed(const struct fg_engine *e)
{
	(void)e;
	return engine.speed;
}

static const char *const description =
	"function = {\n"
	"  name = \"br\"; personality = \"bridge\"; speeds = [\"high\"];\n"
	"  interfaces = ( { class = 0xff; subclass = 0; protocol = 0; endpoints = (\n"
	"    { name = \"in\"; address = 0x81; type = \"bulk\"; maxpacket = 512; queue = 2; buffer = 1024; },\n"
	"    { name = \"out\"; address = 0x02; type = \"bulk\"; maxpacket = 512; queue = 3; buffer = 1024; },\n"
	"    { name = \"tx\"; address = 0x83; type = \"bulk\"; maxpacket = 512; queue = 1; buffer = 512; },\n"
	"    { name = \"rx\"; address = 0x04; type = \"bulk\"; maxpacket = 512; queue = 2; buffer = 512; },\n"
	"    { name = \"fin\"; address = 0x85; type = \"bulk\"; maxpacket = 512; queue = 1; buffer = 512; },\n"
	"    { name = \"fout\"; address = 0x06; type = \"bulk\"; maxpacket = 512; queue = 2; buffer = 1024; }\n"
	"  ); } );\n"
	"  options = {\n"
	"    runtime_dir = \"%s\";\n"
	"    timeout_ms = 100;\n"
	"    mode = \"0600\";\n"
	"    answers = \"c0 ff 370b * -> 02; 41 00 * * -> accept;\"\n"
	"              \"40 99 * * -> stall; c1 05 * 0 -> 01 02 03\";\n"
	"    ep_in = \"seqpacket:data\"; ep_out = \"seqpacket:data\";\n"
	"    ep_tx = \"pty:tty\"; ep_rx = \"pty:tty\";\n"
	"    ep_fin = \"fifo:fifo.in\"; ep_fout = \"fifo:fifo.out\";\n"
	"  };\n"
	"};\n";

struct fixture {
	char dir[64];
	struct fg_model *m;
	void *b;
	const struct fg_ep_info *in, *out, *tx, *rx, *fin, *fout;
	struct fg_ep_info info[6];
};

static int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char text[2048], err[512];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fg-bridge-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(text, sizeof(text), description, fx->dir);
	if (fg_description_parse(text, "test.conf", &fx->m, err, sizeof(err)) < 0)
		fail_msg("description: %s", err);
	if (fg_bridge_personality.create(fx->m, &fx->b, err, sizeof(err)) < 0)
		fail_msg("create: %s", err);
	memset(&engine, 0, sizeof(engine));
	engine.speed = FG_HS;
	assert_int_equal(fg_bridge_personality.start(fx->b, (struct fg_engine *)&engine), 0);
	for (size_t i = 0; i < 6; i++) {
		fx->info[i].desc = &fx->m->endpoints[i];
		fx->info[i].index = i;
		fx->info[i].speed = FG_HS;
		fx->info[i].maxpacket = 512;
		fx->info[i].transfer_size = fx->m->endpoints[i].buffer_size;
	}
	fx->in = &fx->info[0];
	fx->out = &fx->info[1];
	fx->tx = &fx->info[2];
	fx->rx = &fx->info[3];
	fx->fin = &fx->info[4];
	fx->fout = &fx->info[5];
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	fg_bridge_personality.stop(fx->b);
	fg_bridge_personality.destroy(fx->b);
	fg_model_free(fx->m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Runs the bridge's handlers for whatever is ready, as the engine's loop would. */
static void pump(void)
{
	struct pollfd pfd = { .fd = engine.watched_fd, .events = POLLIN };

	for (int i = 0; i < 16 && poll(&pfd, 1, 20) > 0; i++)
		engine.ready(engine.ctx, engine.watched_fd);
}

static int connect_to(const struct fixture *fx, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", fx->dir, name);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump();
	return fd;
}

static void send_header(int fd, uint8_t version, uint8_t type, uint32_t tag,
			const void *payload, uint32_t len)
{
	uint8_t buf[BRIDGE_HEADER_LEN + 256];

	assert_true(len <= 256);
	bridge_put_header(buf, type, 0, tag, len);
	buf[0] = version;
	if (len)
		memcpy(buf + BRIDGE_HEADER_LEN, payload, len);
	assert_int_equal(send(fd, buf, BRIDGE_HEADER_LEN + len, 0), BRIDGE_HEADER_LEN + len);
}

/* The next message from the daemon within 500 ms: its length, or -1. */
static ssize_t recv_msg(int fd, uint8_t *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 500) <= 0)
		return -1;
	return recv(fd, buf, cap, 0);
}

static int control_client(const struct fixture *fx)
{
	uint8_t buf[64];
	int fd = connect_to(fx, "br.ctl");

	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_HELLO, 0, NULL, 0);
	pump();
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 4);
	assert_int_equal(buf[0], BRIDGE_WIRE_VERSION);
	assert_int_equal(buf[1], BRIDGE_MSG_WELCOME);
	assert_int_equal(buf[BRIDGE_HEADER_LEN + 2] | buf[BRIDGE_HEADER_LEN + 3] << 8, 100);
	return fd;
}

/* Expects an ERROR whose text contains what. */
static void expect_error(int fd, const char *what)
{
	uint8_t buf[512];
	ssize_t n = recv_msg(fd, buf, sizeof(buf) - 1);

	assert_true(n >= BRIDGE_HEADER_LEN);
	assert_int_equal(buf[1], BRIDGE_MSG_ERROR);
	buf[n] = 0;
	if (!strstr((char *)buf + BRIDGE_HEADER_LEN, what))
		fail_msg("error '%s' does not mention '%s'", buf + BRIDGE_HEADER_LEN, what);
}

static int setup(struct fixture *fx, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
		 uint16_t length, uint8_t *reply)
{
	struct fg_setup s = { type, req, value, index, length };

	return fg_bridge_personality.setup(fx->b, &s, reply, FG_CTRL_BUFSIZE);
}

static uint8_t reply_buf[FG_CTRL_BUFSIZE];

static void test_canned_answers(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(setup(fx, 0xc0, 0xff, 0x370b, 0, 1, reply_buf), 1);
	assert_int_equal(reply_buf[0], 0x02);
	assert_int_equal(setup(fx, 0x41, 0x00, 1, 0, 0, reply_buf), 0);
	assert_true(setup(fx, 0x40, 0x99, 0, 0, 0, reply_buf) < 0);
	assert_int_equal(setup(fx, 0xc1, 0x05, 7, 0, 64, reply_buf), 3);
	assert_memory_equal(reply_buf, "\x01\x02\x03", 3);
	/* wIndex 1 does not match "0": no program connected, so a STALL. */
	assert_int_equal(setup(fx, 0xc1, 0x05, 7, 1, 64, reply_buf), -ENOTCONN);
}

static void test_forwarded_request_answered_with_data(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[128];
	int fd = control_client(fx);
	uint32_t tag;

	assert_int_equal(setup(fx, 0xc1, 0x42, 0x1234, 2, 16, reply_buf), FG_SETUP_DEFER);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 8);
	assert_int_equal(buf[1], BRIDGE_MSG_SETUP);
	assert_memory_equal(buf + BRIDGE_HEADER_LEN, "\xc1\x42\x34\x12\x02\x00\x10\x00", 8);
	tag = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 |
	      (uint32_t)buf[7] << 24;
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_DATA, tag, "abc", 3);
	pump();
	assert_int_equal(engine.answers, 1);
	assert_int_equal(engine.answer_len, 3);
	assert_memory_equal(engine.answer, "abc", 3);

	/* An OUT request without data: ACK accepts it; an answer to nothing is dropped. */
	assert_int_equal(setup(fx, 0x41, 0x1e, 0, 0, 0, reply_buf), FG_SETUP_DEFER);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 8);
	tag = (uint32_t)buf[4] | (uint32_t)buf[5] << 8;
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_ACK, tag, NULL, 0);
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_ACK, tag, NULL, 0);
	pump();
	assert_int_equal(engine.answers, 2);
	assert_int_equal(engine.answer_len, 0);
	close(fd);
}

static void test_out_data_stage_reaches_the_program(void **state)
{
	struct fixture *fx = *state;
	struct fg_setup s = { 0x41, 0x1e, 0, 0, 4 };
	uint8_t buf[128];
	int fd = control_client(fx);

	/* Accepted at once (the kernel acknowledges data on receipt), then forwarded. */
	assert_int_equal(fg_bridge_personality.setup(fx->b, &s, reply_buf, sizeof(reply_buf)), 0);
	assert_int_equal(fg_bridge_personality.control_out(fx->b, &s,
							   (const uint8_t *)"\x80\x25\0\0", 4), 0);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 12);
	assert_int_equal(buf[1], BRIDGE_MSG_SETUP);
	assert_int_equal(buf[2], BRIDGE_FLAG_NO_ANSWER);
	assert_memory_equal(buf + BRIDGE_HEADER_LEN + 8, "\x80\x25\0\0", 4);
	assert_int_equal(engine.answers, 0);
	close(fd);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_unanswered_request_stalls_at_the_timeout(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[128];
	int fd = control_client(fx);
	double t0 = now_ms();

	assert_int_equal(setup(fx, 0xc1, 0x42, 0, 0, 16, reply_buf), FG_SETUP_DEFER);
	while (engine.answers == 0 && now_ms() - t0 < 1000)
		pump();
	assert_int_equal(engine.answers, 1);
	assert_true(engine.answer_len < 0);
	/* 100 ms configured: not before, and not much after. */
	assert_true(now_ms() - t0 >= 95);
	assert_true(now_ms() - t0 < 400);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 8);
	close(fd);
}

static void test_program_leaving_stalls_its_request(void **state)
{
	struct fixture *fx = *state;
	int fd = control_client(fx);

	assert_int_equal(setup(fx, 0x41, 0x03, 0x800, 0, 0, reply_buf), FG_SETUP_DEFER);
	close(fd);
	pump();
	assert_int_equal(engine.answers, 1);
	assert_true(engine.answer_len < 0);
	/* And a new program can connect. */
	fd = control_client(fx);
	close(fd);
}

static void test_malformed_messages_are_refused_and_the_bridge_goes_on(void **state)
{
	struct fixture *fx = *state;
	uint8_t big[BRIDGE_MSG_MAX + 64];
	uint8_t buf[64];
	int fd = control_client(fx);
	int fd2;

	assert_int_equal(send(fd, "\x01\x11\x00", 3, 0), 3);
	pump();
	expect_error(fd, "short message");
	send_header(fd, BRIDGE_WIRE_VERSION, 0x7f, 0, NULL, 0);
	pump();
	expect_error(fd, "unknown message type 0x7f");
	bridge_put_header(buf, BRIDGE_MSG_DATA, 0, 1, 40);
	assert_int_equal(send(fd, buf, BRIDGE_HEADER_LEN + 2, 0), BRIDGE_HEADER_LEN + 2);
	pump();
	expect_error(fd, "length field says 40");
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_ACK, 1, "x", 1);
	pump();
	expect_error(fd, "ACK carries no payload");
	memset(big, 0, sizeof(big));
	bridge_put_header(big, BRIDGE_MSG_DATA, 0, 1, (uint32_t)(sizeof(big) - BRIDGE_HEADER_LEN));
	assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	pump();
	expect_error(fd, "oversized message");
	/* A DATA longer than the request's wLength: refused, and the request STALLs. */
	assert_int_equal(setup(fx, 0xc1, 0x42, 0, 0, 2, reply_buf), FG_SETUP_DEFER);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 8);
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_DATA, buf[4] | buf[5] << 8, "abc", 3);
	pump();
	expect_error(fd, "wLength 2");
	assert_int_equal(engine.answers, 1);
	assert_true(engine.answer_len < 0);

	/* Still serving: HELLO again works. */
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_HELLO, 0, NULL, 0);
	pump();
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 4);
	assert_int_equal(buf[1], BRIDGE_MSG_WELCOME);

	/*
	 * A second program is refused while the first is connected, and reads
	 * why even when its HELLO was queued before the refusal (closing a
	 * socket with unread messages would reset it instead).
	 */
	fd2 = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/br.ctl", fx->dir);
	assert_int_equal(connect(fd2, (struct sockaddr *)&sa, sizeof(sa)), 0);
	send_header(fd2, BRIDGE_WIRE_VERSION, BRIDGE_MSG_HELLO, 0, NULL, 0);
	pump();
	expect_error(fd2, "another program");
	close(fd2);

	/* Another wire version: told which, and disconnected. */
	send_header(fd, 2, BRIDGE_MSG_HELLO, 0, NULL, 0);
	pump();
	expect_error(fd, "wire version 2 is not supported: this daemon speaks version 1");
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), 0);
	close(fd);
	fd = control_client(fx);
	close(fd);
}

static void test_hello_comes_first_and_events_follow(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[64];
	int fd = connect_to(fx, "br.ctl");

	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_ACK, 1, NULL, 0);
	pump();
	expect_error(fd, "HELLO must come first");
	send_header(fd, BRIDGE_WIRE_VERSION, BRIDGE_MSG_HELLO, 0, NULL, 0);
	pump();
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 4);
	fg_bridge_personality.event(fx->b, FG_EV_ENABLE);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 2);
	assert_int_equal(buf[1], BRIDGE_MSG_EVENT);
	assert_int_equal(buf[BRIDGE_HEADER_LEN], BRIDGE_EVENT_ENABLE);
	assert_int_equal(buf[BRIDGE_HEADER_LEN + 1], BRIDGE_SPEED_HIGH);
	fg_bridge_personality.event(fx->b, FG_EV_SUSPEND);
	assert_int_equal(recv_msg(fd, buf, sizeof(buf)), BRIDGE_HEADER_LEN + 2);
	assert_int_equal(buf[BRIDGE_HEADER_LEN], BRIDGE_EVENT_SUSPEND);
	close(fd);
}

static void test_in_messages_become_transfers_zlp_included(void **state)
{
	struct fixture *fx = *state;
	uint8_t msg[2000], buf[1024];
	int fd;

	/* No program: the IN request stays idle (the host is NAKed). */
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 1), FG_FILL_NONE);
	fd = connect_to(fx, "data");
	memset(msg, 0x5a, sizeof(msg));
	assert_int_equal(send(fd, msg, 100, 0), 100);
	assert_int_equal(send(fd, msg, 0, 0), 0);
	assert_int_equal(send(fd, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));  /* too long */
	assert_int_equal(send(fd, msg, 1024, 0), 1024);
	pump();
	assert_true(engine.kicks > 0);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 1), 100);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), 0);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), 1024);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), FG_FILL_NONE);
	/* The last message before the program leaves is still sent; the end is not a ZLP. */
	assert_int_equal(send(fd, msg, 7, 0), 7);
	close(fd);
	pump();
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), 7);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), FG_FILL_NONE);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), FG_FILL_NONE);
	/* A new program may connect once the old one is gone. */
	fd = connect_to(fx, "data");
	assert_int_equal(send(fd, msg, 3, 0), 3);
	pump();
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), 3);
	close(fd);
}

/* Transfer k is 1024 bytes of (k + i) & 0xff. */
static void out_transfer(struct fixture *fx, unsigned k)
{
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(k + i);
	fg_bridge_personality.consume_out(fx->b, fx->out, buf, sizeof(buf));
}

static void test_out_holds_while_the_program_does_not_read(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[2048];
	unsigned sent = 0, got = 0;
	int fd;

	/* No program: the first transfer is kept and the endpoint held. */
	out_transfer(fx, sent++);
	assert_true(engine.held[1]);
	/* What was in flight when it was held still arrives, and is kept. */
	out_transfer(fx, sent++);
	out_transfer(fx, sent++);
	fd = connect_to(fx, "data");
	pump();
	/* The program read nothing yet, but the socket took the backlog: released. */
	assert_false(engine.held[1]);
	/* Fill the socket until the bridge holds the endpoint again. */
	while (!engine.held[1] && sent < 10000)
		out_transfer(fx, sent++);
	assert_true(engine.held[1]);
	assert_true(sent < 10000);
	/* The queue depth's worth of transfers may still complete: none lost. */
	out_transfer(fx, sent++);
	out_transfer(fx, sent++);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 0) <= 0) {
			pump();
			if (poll(&pfd, 1, 50) <= 0)
				break;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		assert_int_equal(n, 1024);
		for (size_t i = 0; i < 1024; i++)
			if (buf[i] != (uint8_t)(got + i))
				fail_msg("transfer %u byte %zu: 0x%02x", got, i, buf[i]);
		got++;
	}
	assert_int_equal(got, sent);
	assert_false(engine.held[1]);
	close(fd);
}

static void test_second_data_client_is_refused(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[16];
	int fd = connect_to(fx, "data");
	int fd2 = connect_to(fx, "data");

	/* Refused: closed at once, without a message (data sockets carry no header). */
	assert_int_equal(recv_msg(fd2, buf, sizeof(buf)), 0);
	close(fd2);
	assert_int_equal(send(fd, "ok", 2, 0), 2);
	pump();
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->in, buf, 1024, 0), 2);
	close(fd);
}

static void test_pty_carries_bytes_both_ways(void **state)
{
	struct fixture *fx = *state;
	char link[128], target[64], buf[600];
	uint8_t block[512];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(link, sizeof(link), "%s/tty", fx->dir);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	assert_int_equal(strncmp(target, "/dev/pts/", 9), 0);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = open(link, O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	pump();
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->tx, block, 512, 1), 5);
	assert_memory_equal(block, "hello", 5);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->tx, block, 512, 1), FG_FILL_NONE);
	memset(block, 'z', sizeof(block));
	fg_bridge_personality.consume_out(fx->b, fx->rx, block, 300);
	n = 0;
	while (n < 300) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - (size_t)n);
		assert_true(r > 0);
		n += r;
	}
	assert_int_equal(n, 300);
	assert_int_equal(buf[299], 'z');
	close(fd);
}

static void fifo_path(const struct fixture *fx, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", fx->dir, name);
}

static void test_fifos_are_made_with_the_description_mode(void **state)
{
	struct fixture *fx = *state;
	const char *names[] = { "fifo.in", "fifo.out" };
	char path[128];
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		fifo_path(fx, names[i], path, sizeof(path));
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISFIFO(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(st.st_uid, geteuid());
	}
}

/* IN: what a writer writes is the next transfer; writers come and go. */
static void test_fifo_in_sends_what_is_written_when_it_is_written(void **state)
{
	struct fixture *fx = *state;
	uint8_t block[512];
	char path[128];
	unsigned kicks;
	int fd;

	fifo_path(fx, "fifo.in", path, sizeof(path));
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->fin, block, 512, 1), FG_FILL_NONE);
	/* The daemon holds the FIFO open: a writer opens it without waiting for a reader. */
	fd = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	kicks = engine.kicks;
	assert_int_equal(write(fd, "first", 5), 5);
	pump();
	assert_true(engine.kicks > kicks);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->fin, block, 512, 1), 5);
	assert_memory_equal(block, "first", 5);
	/* The writer leaves: no end of file, only nothing to send. */
	close(fd);
	pump();
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->fin, block, 512, 1), FG_FILL_NONE);
	fd = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	kicks = engine.kicks;
	assert_int_equal(write(fd, "second", 6), 6);
	close(fd);
	pump();
	assert_true(engine.kicks > kicks);
	assert_int_equal(fg_bridge_personality.fill_in(fx->b, fx->fin, block, 512, 1), 6);
	assert_memory_equal(block, "second", 6);
}

/* Reads the FIFO at fd (non-blocking) until n more bytes came, pumping the
 * bridge when it is empty; checks byte i of the stream against (i / 1024 +
 * i % 1024) & 0xff, the transfers out_fifo_transfer sends. */
static void read_fifo_stream(int fd, size_t *at, size_t n)
{
	uint8_t buf[4096];
	size_t end = *at + n;
	int idle = 0;

	while (*at < end) {
		size_t want = end - *at < sizeof(buf) ? end - *at : sizeof(buf);
		ssize_t r = read(fd, buf, want);

		if (r <= 0) {
			assert_true(r < 0 && errno == EAGAIN);
			assert_true(idle++ < 100);
			pump();
			continue;
		}
		idle = 0;
		for (ssize_t i = 0; i < r; i++, (*at)++)
			if (buf[i] != (uint8_t)(*at / 1024 + *at % 1024))
				fail_msg("stream byte %zu: 0x%02x", *at, buf[i]);
	}
}

static void out_fifo_transfer(struct fixture *fx, unsigned k)
{
	uint8_t buf[1024];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(k + i);
	fg_bridge_personality.consume_out(fx->b, fx->fout, buf, sizeof(buf));
}

/* OUT: a reader that is slow, or absent, holds the endpoint; nothing is lost. */
static void test_fifo_out_holds_while_the_reader_is_slow_and_loses_nothing(void **state)
{
	struct fixture *fx = *state;
	unsigned sent = 0;
	size_t at = 0;
	char path[128];
	uint8_t junk;
	int fd;

	/* No reader: the pipe takes what it can, then the endpoint is held. */
	while (!engine.held[5] && sent < 10000)
		out_fifo_transfer(fx, sent++);
	assert_true(engine.held[5]);
	assert_true(sent < 10000);
	/* What was in flight (the queue depth) still completes, kept. */
	out_fifo_transfer(fx, sent++);
	out_fifo_transfer(fx, sent++);
	fifo_path(fx, "fifo.out", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	read_fifo_stream(fd, &at, 10000);
	/* That reader leaves; the next one goes on where it stopped. */
	close(fd);
	pump();
	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	read_fifo_stream(fd, &at, (size_t)sent * 1024 - at);
	pump();
	assert_false(engine.held[5]);
	assert_int_equal(read(fd, &junk, 1), -1);
	assert_int_equal(errno, EAGAIN);
	/* Released: the next transfer goes straight through. */
	out_fifo_transfer(fx, sent++);
	assert_false(engine.held[5]);
	read_fifo_stream(fd, &at, 1024);
	close(fd);
}

static void check_refused(const char *options, const char *what)
{
	char text[2048], err[512];
	struct fg_model *m;
	void *b = NULL;

	snprintf(text, sizeof(text),
		 "function = { name = \"br\"; personality = \"bridge\"; speeds = [\"high\"];\n"
		 "  interfaces = ( { class = 0xff; subclass = 0; protocol = 0; endpoints = (\n"
		 "    { name = \"in\"; address = 0x81; type = \"bulk\"; maxpacket = 512; },\n"
		 "    { name = \"in2\"; address = 0x82; type = \"bulk\"; maxpacket = 512; }\n"
		 "  ); } );\n"
		 "  options = { %s };\n};\n", options);
	if (fg_description_parse(text, "bad.conf", &m, err, sizeof(err)) < 0)
		fail_msg("description: %s", err);
	/* As the loader does: the option table first, then create. */
	if (fg_options_check(fg_bridge_personality.options, "bridge", m, err, sizeof(err)) == 0)
		assert_true(fg_bridge_personality.create(m, &b, err, sizeof(err)) < 0);
	if (!strstr(err, what) || strncmp(err, "bad.conf:", 9) != 0)
		fail_msg("error '%s' does not mention '%s'", err, what);
	fg_model_free(m);
}

static void test_bad_options_are_refused_with_file_and_line(void **state)
{
	(void)state;
	check_refused("colour = \"red\";", "'bridge' has no option 'colour'");
	check_refused("timeout_ms = 5000;", "not a number 0..4000");
	check_refused("timeout_ms = 5;", "from 10 to 4000");
	check_refused("ep_nosuch = \"pty:x\";", "no endpoint 'nosuch'");
	check_refused("mode = \"0999\";", "octal mode");
	check_refused("mode = \"0060\";", "owner's write bit");
	check_refused("control = \"../x\";", "plain file name");
	check_refused("runtime_dir = \"run\";", "absolute path");
	check_refused("ep_in = \"file:x\";", "is not \"seqpacket:...\", \"pty:...\" or \"fifo:...\"");
	check_refused("ep_in = \"fifo:x\"; ep_in2 = \"fifo:x\";", "a FIFO carries one direction");
	check_refused("ep_in = \"fifo:x\"; ep_in2 = \"pty:x\";", "another kind");
	check_refused("ep_in = \"fifo:../x\";", "plain file name");
	check_refused("ep_in = \"pty:x\"; ep_in2 = \"pty:x\";", "already carries an IN");
	check_refused("ep_in = \"pty:x\"; ep_in2 = \"seqpacket:x\";", "another kind");
	check_refused("answers = \"c1 01 * * ->\";", "entry 1: expected");
	check_refused("answers = \"41 01 * * -> 00\";", "bmRequestType 0x41 is OUT");
	check_refused("answers = \"c1 01 * * -> accept; c1 100 * * -> stall\";",
		      "entry 2: bRequest '100'");
	check_refused("answers = \"c1 01 * * -> 0g\";", "reply byte '0g'");
	check_refused("owner = \"no-such-user-here\";", "no user");
}

static void test_answers_parser_takes_what_the_readme_shows(void **state)
{
	struct bridge_answers t;
	struct fg_setup s = { 0xc1, 0x10, 0, 0, 19 };
	char why[200];

	(void)state;
	assert_int_equal(bridge_answers_parse(" ; c1 10 * * -> 00 00 00 ;\n 0x41 0x07 0x0101 0x0000 "
					      "-> accept;", &t, why, sizeof(why)), 0);
	assert_int_equal(t.count, 2);
	assert_int_equal(bridge_answers_match(&t, &s)->reply_len, 3);
	s = (struct fg_setup){ 0x41, 0x07, 0x0101, 0, 0 };
	assert_int_equal(bridge_answers_match(&t, &s)->action, BRIDGE_ACT_ACCEPT);
	s.value = 0x0100;
	assert_null(bridge_answers_match(&t, &s));
}

/*
 * descriptors/bridge/vendor_device.py (and so ffsgadget_bridge.py) against
 * the personality: its control requests and its bulk loopback, with the
 * shipped description.  Needs python3 (tests/deps.sh installs it).
 */
static bool python_ready(void *b)
{
	const struct bridge *br = b;

	return br->ctl.hello && br->ports[0].io.fd >= 0;
}

static void test_python_vendor_device(void **state)
{
	char dir[64] = "/tmp/fg-bridge-py-XXXXXX", err[512], cmd[128];
	struct fg_model *m;
	struct fg_ep_info in = { 0 }, out = { 0 };
	uint8_t buf[16384], data[1000];
	void *b;
	pid_t pid;
	int status;

	(void)state;
	if (system("python3 -c pass >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	setenv("RUNTIME_DIRECTORY", dir, 1);
	if (fg_description_load(FG_SOURCE_DIR "/descriptors/bridge-vendor.conf", &m, err,
				sizeof(err)) < 0)
		fail_msg("%s", err);
	if (fg_bridge_personality.create(m, &b, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	unsetenv("RUNTIME_DIRECTORY");
	memset(&engine, 0, sizeof(engine));
	engine.speed = FG_HS;
	assert_int_equal(fg_bridge_personality.start(b, (struct fg_engine *)&engine), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execlp("python3", "python3", FG_SOURCE_DIR "/descriptors/bridge/vendor_device.py",
		       "--runtime-dir", dir, "--seconds", "5", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 250 && !python_ready(b); i++)
		pump();
	assert_true(python_ready(b));

	/* Control: stored by the script, read back from it; the rest STALLs. */
	struct fg_setup set = { 0x41, 0x01, 0, 0, 5 };
	assert_int_equal(fg_bridge_personality.setup(b, &set, reply_buf, sizeof(reply_buf)), 0);
	fg_bridge_personality.control_out(b, &set, (const uint8_t *)"Hello", 5);
	struct fg_setup get = { 0xc1, 0x02, 0, 0, 64 };
	assert_int_equal(fg_bridge_personality.setup(b, &get, reply_buf, sizeof(reply_buf)),
			 FG_SETUP_DEFER);
	for (int i = 0; i < 100 && !engine.answers; i++)
		pump();
	assert_int_equal(engine.answers, 1);
	assert_int_equal(engine.answer_len, 5);
	assert_memory_equal(engine.answer, "Hello", 5);
	struct fg_setup unknown = { 0xc1, 0x09, 0, 0, 4 };
	assert_int_equal(fg_bridge_personality.setup(b, &unknown, reply_buf, sizeof(reply_buf)),
			 FG_SETUP_DEFER);
	for (int i = 0; i < 100 && engine.answers < 2; i++)
		pump();
	assert_int_equal(engine.answers, 2);
	assert_true(engine.answer_len < 0);
	struct fg_setup version = { 0xc1, 0x03, 0, 0, 2 };
	assert_int_equal(fg_bridge_personality.setup(b, &version, reply_buf, sizeof(reply_buf)), 2);

	/* Bulk loopback through the script, a zero-length packet included. */
	in.desc = &m->endpoints[0];
	in.index = 0;
	out.desc = &m->endpoints[1];
	out.index = 1;
	in.transfer_size = out.transfer_size = sizeof(buf);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	fg_bridge_personality.consume_out(b, &out, data, sizeof(data));
	fg_bridge_personality.consume_out(b, &out, data, 0);
	size_t got = FG_FILL_NONE;
	for (int i = 0; i < 100 && got == FG_FILL_NONE; i++) {
		pump();
		got = fg_bridge_personality.fill_in(b, &in, buf, sizeof(buf), 1);
	}
	assert_int_equal(got, sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	got = FG_FILL_NONE;
	for (int i = 0; i < 100 && got == FG_FILL_NONE; i++) {
		pump();
		got = fg_bridge_personality.fill_in(b, &in, buf, sizeof(buf), 0);
	}
	assert_int_equal(got, 0);
	struct fg_setup counts = { 0xc1, 0x04, 0, 0, 8 };
	assert_int_equal(fg_bridge_personality.setup(b, &counts, reply_buf, sizeof(reply_buf)),
			 FG_SETUP_DEFER);
	for (int i = 0; i < 100 && engine.answers < 3; i++)
		pump();
	assert_int_equal(engine.answer_len, 8);
	assert_memory_equal(engine.answer, "\x02\0\0\0\x04\0\0\0", 8);

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fg_bridge_personality.stop(b);
	fg_bridge_personality.destroy(b);
	fg_model_free(m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* descriptors/bridge/cp210x_lines.py: the line settings it prints, the ones it refuses. */
static void test_python_cp210x_lines(void **state)
{
	char dir[64] = "/tmp/fg-bridge-py-XXXXXX", err[512], cmd[128], out[256] = "";
	struct fg_model *m;
	size_t len = 0;
	int pipefd[2], status;
	void *b;
	pid_t pid;

	(void)state;
	if (system("python3 -c pass >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	setenv("RUNTIME_DIRECTORY", dir, 1);
	if (fg_description_load(FG_SOURCE_DIR "/descriptors/bridge-cp210x.conf", &m, err,
				sizeof(err)) < 0)
		fail_msg("%s", err);
	if (fg_bridge_personality.create(m, &b, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	unsetenv("RUNTIME_DIRECTORY");
	memset(&engine, 0, sizeof(engine));
	assert_int_equal(fg_bridge_personality.start(b, (struct fg_engine *)&engine), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execlp("python3", "python3", FG_SOURCE_DIR "/descriptors/bridge/cp210x_lines.py",
		       "--runtime-dir", dir, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (int i = 0; i < 250 && !((struct bridge *)b)->ctl.hello; i++)
		pump();
	assert_true(((struct bridge *)b)->ctl.hello);

	/* The canned part needs no program; the line settings reach it. */
	assert_int_equal(setup(&(struct fixture){ .b = b }, 0xc0, 0xff, 0x370b, 0, 1, reply_buf), 1);
	struct fg_setup baud = { 0x41, 0x1e, 0, 0, 4 };
	assert_int_equal(fg_bridge_personality.setup(b, &baud, reply_buf, sizeof(reply_buf)), 0);
	fg_bridge_personality.control_out(b, &baud, (const uint8_t *)"\x00\x4b\x00\x00", 4);
	struct fg_setup line = { 0x41, 0x03, 0x0712, 0, 0 };
	assert_int_equal(fg_bridge_personality.setup(b, &line, reply_buf, sizeof(reply_buf)),
			 FG_SETUP_DEFER);
	for (int i = 0; i < 100 && !engine.answers; i++)
		pump();
	assert_int_equal(engine.answers, 1);
	assert_int_equal(engine.answer_len, 0);
	line.value = 0x0770;    /* parity 7: no such thing */
	assert_int_equal(fg_bridge_personality.setup(b, &line, reply_buf, sizeof(reply_buf)),
			 FG_SETUP_DEFER);
	for (int i = 0; i < 100 && engine.answers < 2; i++)
		pump();
	assert_int_equal(engine.answers, 2);
	assert_true(engine.answer_len < 0);
	while (!strstr(out, "line 7O2\n") && len < sizeof(out) - 1) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 2000) <= 0)
			break;
		n = read(pipefd[0], out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = 0;
	}
	assert_string_equal(out, "baud 19200\nline 7O2\n");

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(pipefd[0]);
	fg_bridge_personality.stop(b);
	fg_bridge_personality.destroy(b);
	fg_model_free(m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_canned_answers),
		T(test_forwarded_request_answered_with_data),
		T(test_out_data_stage_reaches_the_program),
		T(test_unanswered_request_stalls_at_the_timeout),
		T(test_program_leaving_stalls_its_request),
		T(test_malformed_messages_are_refused_and_the_bridge_goes_on),
		T(test_hello_comes_first_and_events_follow),
		T(test_in_messages_become_transfers_zlp_included),
		T(test_out_holds_while_the_program_does_not_read),
		T(test_second_data_client_is_refused),
		T(test_pty_carries_bytes_both_ways),
		T(test_fifos_are_made_with_the_description_mode),
		T(test_fifo_in_sends_what_is_written_when_it_is_written),
		T(test_fifo_out_holds_while_the_reader_is_slow_and_loses_nothing),
		cmocka_unit_test(test_bad_options_are_refused_with_file_and_line),
		cmocka_unit_test(test_answers_parser_takes_what_the_readme_shows),
		cmocka_unit_test(test_python_vendor_device),
		cmocka_unit_test(test_python_cp210x_lines),
	};
#undef T

	return cmocka_run_group_tests_name("bridge", tests, NULL, NULL);
}
