/* SPDX-License-Identifier: MIT */
/*
 * dfu: USB Device Firmware Upgrade 1.1 over ep0, for the host's dfu-util.
 *
 * The description's DFU interface (class 0xfe, subclass 0x01, a `dfu`
 * block for the functional descriptor) says which side it is: protocol 2,
 * DFU mode, downloads and uploads the image; protocol 1, run-time, answers
 * DETACH (and may run a command that brings the board's DFU-mode gadget
 * up: re-enumerating is the board's part, not FunctionFS's).  The state
 * machine is dfu_state.c; this file is where the image lives.
 *
 * Download writes a temporary file beside the image and, once the host
 * ended the download and manifestation succeeded, renames it over the
 * image: a download that breaks off (ABORT, an error, a reset, the daemon
 * stopped) is discarded, and the old image stays as it was.  Manifestation
 * may run a command on the board first (its exit status 0 accepts the new
 * image), without blocking the loop: the host polls with GETSTATUS.
 *
 * Uploads read the image, or come from a command's standard output
 * (dfu_upload_cmd.c: never waited for, STALL and dfuERROR when it fails).
 *
 * Options (the description's `options` group):
 *   image = "PATH"          DFU mode: the file downloads replace and uploads read
 *   manifest = "PATH"       DFU mode, optional: run with the new image's temporary
 *                           path as its argument before it replaces the image
 *   upload_command = "PATH" DFU mode, optional: uploads are its stdout (run
 *                           without arguments) instead of the image; the
 *                           interface must offer upload
 *   upload_timeout = MS     the wait for each upload block, 1..4000 (default
 *                           2000: under the host's 5 s control timeout)
 *   max_size = BYTES        a longer download, or upload from the command, is
 *                           refused (errADDRESS); 0 or absent: 64 MiB
 *   detach = "PATH"         run-time, optional: run on DETACH, with the
 *                           detach timeout in ms as its argument
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "ffs/personality.h"
#include "personalities/dfu/dfu_spawn.h"
#include "personalities/dfu/dfu_state.h"
#include "personalities/dfu/dfu_upload_cmd.h"
#include "personalities/personalities.h"

#define DFU_DEFAULT_MAX (64ull << 20)

struct dfu {
	const struct fg_model *m;
	struct dfu_machine sm;
	char image[PATH_MAX];
	char manifest[PATH_MAX];
	char detach[PATH_MAX];
	uint64_t max_size;

	char tmp[PATH_MAX];         /* the new image while downloading; "" none */
	int tmp_fd;
	pid_t manifest_pid, detach_pid;
	int read_fd;                /* the image, while an upload runs */
	bool upload_from_cmd;       /* upload_command: uploads are its output */
	struct dfu_upload_cmd cmd;
};

/* ---- options ---- */

static int path_option(const struct fg_model *m, const char *key, char *out, size_t size,
		       char *err, size_t errlen)
{
	const struct fg_option *o = fg_model_option(m, key);

	out[0] = '\0';
	if (!o)
		return 0;
	if (o->value[0] != '/' || strlen(o->value) + 16 >= size) {
		snprintf(err, errlen, "%s:%u: options: %s '%s' must be an absolute path, shorter "
			 "than %zu bytes", m->source, o->line, key, o->value, size - 16);
		return -EINVAL;
	}
	snprintf(out, size, "%s", o->value);
	return 0;
}

/* The table checks kinds and lengths; create checks what it cannot say (absolute paths). */
static const struct fg_option_spec dfu_options[] = {
	{ "image", FG_OPTION_TEXT, PATH_MAX - 16, NULL },
	{ "manifest", FG_OPTION_TEXT, PATH_MAX - 16, NULL },
	{ "max_size", FG_OPTION_UINT, UINT32_MAX, NULL },
	{ "detach", FG_OPTION_TEXT, PATH_MAX - 16, NULL },
	{ "upload_command", FG_OPTION_TEXT, PATH_MAX - 16, NULL },
	{ "upload_timeout", FG_OPTION_UINT, DFU_UPLOAD_TIMEOUT_MAX_MS, NULL },
	{ NULL, FG_OPTION_TEXT, 0, NULL },
};

/* upload_command and upload_timeout: what the table cannot say. */
static int upload_cmd_options(struct dfu *d, const struct fg_model *m, const struct fg_alt *alt,
			      char *cmd, size_t size, unsigned *timeout_ms, char *err,
			      size_t errlen)
{
	const struct fg_option *o = fg_model_option(m, "upload_command");
	const struct fg_option *t = fg_model_option(m, "upload_timeout");
	int rc;

	cmd[0] = '\0';
	*timeout_ms = DFU_UPLOAD_TIMEOUT_MS;
	if (t && !o) {
		snprintf(err, errlen, "%s:%u: options: upload_timeout applies to upload_command, "
			 "which is not set", m->source, t->line);
		return -EINVAL;
	}
	if (t) {
		*timeout_ms = fg_option_uint(m, "upload_timeout", 0);
		if (*timeout_ms == 0) {
			snprintf(err, errlen, "%s:%u: options: upload_timeout must be 1..%u ms (the "
				 "host gives up after 5 s)", m->source, t->line,
				 DFU_UPLOAD_TIMEOUT_MAX_MS);
			return -EINVAL;
		}
	}
	if (!o)
		return 0;
	if (!o->value[0]) {
		snprintf(err, errlen, "%s:%u: options: upload_command is empty: the absolute path "
			 "of a program whose standard output is the image to upload", m->source,
			 o->line);
		return -EINVAL;
	}
	rc = path_option(m, "upload_command", cmd, size, err, errlen);
	if (rc < 0)
		return rc;
	if (alt->protocol == FG_DFU_PROTOCOL_RUNTIME) {
		snprintf(err, errlen, "%s:%u: options: upload_command serves DFU mode (protocol 2); "
			 "the interface at line %u is run-time (protocol 1), which never uploads",
			 m->source, o->line, alt->line);
		return -EINVAL;
	}
	if (!(alt->dfu.attributes & FG_DFU_CAN_UPLOAD)) {
		snprintf(err, errlen, "%s:%u: options: upload_command: the dfu block of the interface "
			 "at line %u does not list \"upload\": the host could never upload",
			 m->source, o->line, alt->line);
		return -EINVAL;
	}
	if (d->image[0] && !(alt->dfu.attributes & FG_DFU_CAN_DNLOAD)) {
		snprintf(err, errlen, "%s:%u: options: both image and upload_command, but the "
			 "interface at line %u does not download: uploads come from the command, "
			 "so image would serve nothing; drop one", m->source, o->line, alt->line);
		return -EINVAL;
	}
	return 0;
}

static int dfu_read_options(struct dfu *d, const struct fg_model *m, const struct fg_alt *alt,
			    char *err, size_t errlen)
{
	bool runtime = alt->protocol == FG_DFU_PROTOCOL_RUNTIME;
	char cmd[PATH_MAX];
	unsigned timeout_ms;
	int rc;

	if ((rc = path_option(m, "image", d->image, sizeof(d->image), err, errlen)) < 0 ||
	    (rc = path_option(m, "manifest", d->manifest, sizeof(d->manifest), err, errlen)) < 0 ||
	    (rc = path_option(m, "detach", d->detach, sizeof(d->detach), err, errlen)) < 0 ||
	    (rc = upload_cmd_options(d, m, alt, cmd, sizeof(cmd), &timeout_ms, err, errlen)) < 0)
		return rc;
	d->upload_from_cmd = cmd[0] != '\0';
	if (!runtime && !d->image[0] && !d->upload_from_cmd) {
		snprintf(err, errlen, "%s: options: 'dfu' in DFU mode (protocol 2) needs "
			 "image = \"/path\" (the file downloads replace and uploads read), or "
			 "upload_command for an upload-only interface", m->source);
		return -EINVAL;
	}
	if (!runtime && !d->image[0] && (alt->dfu.attributes & FG_DFU_CAN_DNLOAD)) {
		snprintf(err, errlen, "%s:%u: options: the interface downloads: it needs "
			 "image = \"/path\" (the file downloads replace)", m->source, alt->line);
		return -EINVAL;
	}
	d->max_size = fg_option_uint(m, "max_size", 0);
	if (!d->max_size)
		d->max_size = DFU_DEFAULT_MAX;
	if (d->upload_from_cmd)
		return dfu_upload_cmd_init(&d->cmd, cmd, timeout_ms, d->max_size,
					   alt->dfu.transfer_size);
	return 0;
}

/* ---- the store: a temporary file beside the image, renamed on success ---- */

static void close_tmp(struct dfu *d)
{
	if (d->tmp_fd >= 0)
		close(d->tmp_fd);
	d->tmp_fd = -1;
}

static int store_begin(void *ctx)
{
	struct dfu *d = ctx;

	int n = snprintf(d->tmp, sizeof(d->tmp), "%s.dfu-XXXXXX", d->image);

	/* create() kept the image's path short enough; checked again all the same. */
	if (n < 0 || (size_t)n >= sizeof(d->tmp)) {
		d->tmp[0] = '\0';
		return DFU_ERR_FILE;
	}
	d->tmp_fd = mkostemp(d->tmp, O_CLOEXEC);
	if (d->tmp_fd < 0) {
		fg_err("dfu: %s: %s", d->tmp, strerror(errno));
		d->tmp[0] = '\0';
		return DFU_ERR_FILE;
	}
	fg_info("dfu: download started into %s", d->tmp);
	return DFU_OK;
}

static int store_write(void *ctx, const uint8_t *data, size_t len)
{
	struct dfu *d = ctx;

	while (len) {
		ssize_t n = write(d->tmp_fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fg_err("dfu: %s: %s", d->tmp, n < 0 ? strerror(errno) : "short write");
			return DFU_ERR_WRITE;
		}
		data += n;
		len -= (size_t)n;
	}
	return DFU_OK;
}

/* The image's directory, synced so that the rename itself survives a power cut. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int replace_image(struct dfu *d)
{
	if (rename(d->tmp, d->image) < 0) {
		fg_err("dfu: rename %s -> %s: %s", d->tmp, d->image, strerror(errno));
		unlink(d->tmp);
		d->tmp[0] = '\0';
		return DFU_ERR_WRITE;
	}
	sync_dir(d->image);
	fg_info("dfu: download complete: %s replaced", d->image);
	d->tmp[0] = '\0';
	return DFU_OK;
}

static int store_finish(void *ctx, bool *busy)
{
	struct dfu *d = ctx;
	int rc = DFU_OK;

	*busy = false;
	if (fsync(d->tmp_fd) < 0) {
		fg_err("dfu: %s: fsync: %s", d->tmp, strerror(errno));
		rc = DFU_ERR_WRITE;
	}
	close_tmp(d);
	if (rc != DFU_OK)
		return rc;
	if (!d->manifest[0])
		return replace_image(d);
	d->manifest_pid = dfu_spawn(d->manifest, d->tmp, -1);
	if (d->manifest_pid < 0)
		return DFU_ERR_FIRMWARE;
	*busy = true;
	return DFU_OK;
}

static int store_poll(void *ctx, bool *busy)
{
	struct dfu *d = ctx;
	int status;
	pid_t r = waitpid(d->manifest_pid, &status, WNOHANG);

	*busy = r == 0;
	if (r == 0)
		return DFU_OK;
	d->manifest_pid = 0;
	if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fg_err("dfu: %s %s: %s %d: the new image is refused, the old one kept",
		       d->manifest, d->tmp, r < 0 ? "wait failed" :
		       WIFEXITED(status) ? "exit status" : "killed by signal",
		       r < 0 ? errno : WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return DFU_ERR_VERIFY;
	}
	return replace_image(d);
}

static void store_discard(void *ctx)
{
	struct dfu *d = ctx;

	close_tmp(d);
	if (d->manifest_pid > 0) {
		kill(d->manifest_pid, SIGKILL);
		waitpid(d->manifest_pid, NULL, 0);
		d->manifest_pid = 0;
	}
	if (d->tmp[0]) {
		unlink(d->tmp);
		fg_warn("dfu: download discarded (%s removed): %s kept as it was", d->tmp,
			d->image);
		d->tmp[0] = '\0';
	}
}

static long store_read(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
	struct dfu *d = ctx;
	size_t got = 0;

	if (d->upload_from_cmd)
		return dfu_upload_cmd_read(&d->cmd, offset, buf, len);

	if (offset == 0) {
		if (d->read_fd >= 0)
			close(d->read_fd);
		d->read_fd = open(d->image, O_RDONLY | O_CLOEXEC);
		if (d->read_fd < 0) {
			fg_err("dfu: upload: %s: %s", d->image, strerror(errno));
			return -DFU_ERR_FILE;
		}
	}
	if (d->read_fd < 0)
		return -DFU_ERR_FILE;
	while (got < len) {
		ssize_t n = pread(d->read_fd, buf + got, len - got, (off_t)(offset + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fg_err("dfu: upload: %s: %s", d->image, strerror(errno));
			return -DFU_ERR_FILE;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < len) {
		close(d->read_fd);
		d->read_fd = -1;
	}
	return (long)got;
}

static void store_upload_end(void *ctx)
{
	struct dfu *d = ctx;

	if (d->upload_from_cmd)
		dfu_upload_cmd_end(&d->cmd);
	if (d->read_fd >= 0)
		close(d->read_fd);
	d->read_fd = -1;
}

static void reap_detach(struct dfu *d, bool wait)
{
	if (d->detach_pid > 0 && waitpid(d->detach_pid, NULL, wait ? 0 : WNOHANG) != 0)
		d->detach_pid = 0;
}

static void store_detach(void *ctx, uint16_t timeout_ms)
{
	struct dfu *d = ctx;
	char arg[16];

	fg_info("dfu: DETACH (timeout %u ms)%s", timeout_ms,
		d->detach[0] ? "" : ": no detach command; the board brings DFU mode up");
	if (!d->detach[0])
		return;
	reap_detach(d, false);
	if (d->detach_pid > 0)
		return;
	snprintf(arg, sizeof(arg), "%u", timeout_ms);
	d->detach_pid = dfu_spawn(d->detach, arg, -1);
	if (d->detach_pid < 0)
		d->detach_pid = 0;
}

static const struct dfu_store file_store = {
	.begin = store_begin, .write = store_write, .finish = store_finish,
	.poll = store_poll, .discard = store_discard, .read = store_read,
	.detach = store_detach, .upload_end = store_upload_end,
};

/* ---- hooks ---- */

static int dfu_create(const struct fg_model *m, void **state, char *err, size_t errlen)
{
	const struct fg_alt *found = NULL;
	uint8_t iface = 0;
	struct dfu *d;
	int rc;

	for (size_t i = 0; i < m->interface_count; i++) {
		for (size_t a = 0; a < m->interfaces[i].alt_count; a++) {
			const struct fg_alt *alt = &m->interfaces[i].alts[a];

			if (!alt->dfu.present)
				continue;
			if (found) {
				snprintf(err, errlen, "%s:%u: 'dfu' serves one DFU interface; "
					 "another is at line %u", m->source, alt->line, found->line);
				return -EINVAL;
			}
			found = alt;
			iface = m->interfaces[i].number;
		}
	}
	if (!found) {
		snprintf(err, errlen, "%s: 'dfu' needs an interface of class 0xfe subclass 0x01 "
			 "with a 'dfu' block", m->source);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->m = m;
	d->tmp_fd = d->read_fd = -1;
	rc = dfu_read_options(d, m, found, err, errlen);
	if (rc < 0) {
		free(d);
		return rc;
	}
	dfu_machine_init(&d->sm, &found->dfu, iface, found->protocol == FG_DFU_PROTOCOL_RUNTIME,
			 d->max_size, &file_store, d);
	*state = d;
	return 0;
}

static void dfu_destroy(void *state)
{
	struct dfu *d = state;

	dfu_reset(&d->sm);
	if (d->read_fd >= 0)
		close(d->read_fd);
	if (d->upload_from_cmd)
		dfu_upload_cmd_release(&d->cmd);
	reap_detach(d, true);
	free(d);
}

static int dfu_setup_hook(void *state, const struct fg_setup *s, uint8_t *reply, size_t cap)
{
	struct dfu *d = state;
	enum dfu_state before = d->sm.state;
	int rc;

	reap_detach(d, false);
	rc = dfu_setup(&d->sm, s, reply, cap);
	if (d->sm.state != before)
		fg_dbg("dfu: request %u: %s -> %s (status %u)", s->request, dfu_state_name(before),
		       dfu_state_name(d->sm.state), d->sm.status);
	if (d->sm.state == DFU_ERROR && before != DFU_ERROR)
		fg_warn("dfu: request %u in %s: dfuERROR, status %u", s->request,
			dfu_state_name(before), d->sm.status);
	return rc;
}

static int dfu_control_out(void *state, const struct fg_setup *s, const uint8_t *data,
			   size_t len)
{
	struct dfu *d = state;

	if (s->request == DFU_DNLOAD)
		dfu_download_data(&d->sm, data, len);
	return 0;
}

/* A reset, SET_CONFIGURATION or SET_INTERFACE (ENABLE), or a disconnect. */
static void dfu_enable(void *state)
{
	dfu_reset(&((struct dfu *)state)->sm);
}

static void dfu_report(void *state, FILE *out)
{
	const struct dfu *d = state;

	fprintf(out, " | dfu %s status %u: %" PRIu64 " downloads %" PRIu64 " uploads %" PRIu64
		" stalls %" PRIu64 " errors", dfu_state_name(d->sm.state), d->sm.status,
		d->sm.downloads, d->sm.uploads, d->sm.stalls, d->sm.errors);
	if (d->upload_from_cmd)
		fprintf(out, " %" PRIu64 " upload commands %" PRIu64 " failed %" PRIu64
			" timed out", d->cmd.runs, d->cmd.failures, d->cmd.timeouts);
}

static int dfu_start(void *state, struct fg_engine *e)
{
	struct dfu *d = state;

	if (!d->upload_from_cmd)
		return 0;
	return dfu_upload_cmd_start(&d->cmd, e, &d->sm);
}

static void dfu_stop(void *state)
{
	struct dfu *d = state;

	/* A download the host has not finished never replaces the image. */
	dfu_reset(&d->sm);
	if (d->upload_from_cmd)
		dfu_upload_cmd_stop(&d->cmd);
}

const struct fg_personality fg_dfu_personality = {
	.name = "dfu",
	.summary = "USB DFU 1.1: download and upload an image file, or upload a command's output (dfu-util)",
	.options = dfu_options,
	.create = dfu_create,
	.destroy = dfu_destroy,
	.setup = dfu_setup_hook,
	.control_out = dfu_control_out,
	.enable = dfu_enable,
	.disable = dfu_enable,
	.report = dfu_report,
	.start = dfu_start,
	.stop = dfu_stop,
};
