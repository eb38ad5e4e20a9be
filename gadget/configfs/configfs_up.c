/* SPDX-License-Identifier: MIT */
/*
 * up, down and status: the configfs lifecycle of a scheme's gadget (the
 * order is in configfs.h).  libusbgx creates and removes the tree; the UDC
 * is written directly so that the retry loop sees the kernel's errno.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <usbg/usbg.h>

#include "common/log.h"
#include "common/sysfile.h"
#include "common/udc.h"
#include "configfs/board.h"
#include "configfs/configfs.h"
#include "configfs/daemons.h"
#include "configfs/ffs_mount.h"
#include "description/description.h"
#include "personalities/personalities.h"

#define STOP_TIMEOUT_MS 5000

/* snprintf that reports truncation: -ENAMETOOLONG. */
__attribute__((format(printf, 3, 4)))
static int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int run_quiet(const char *prog, const char *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static bool is_mounted(const char *dir, const char *type)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	bool found = false;

	while (f && (m = getmntent(f)) != NULL)
		if (strcmp(m->mnt_dir, dir) == 0 && (!type || strcmp(m->mnt_type, type) == 0))
			found = true;
	if (f)
		endmntent(f);
	return found;
}

int fg_configfs_ensure(char *err, size_t errlen)
{
	if (access(FG_CONFIGFS_GADGETS, F_OK) == 0)
		return 0;
	if (!is_mounted(FG_CONFIGFS, "configfs")) {
		run_quiet("modprobe", "configfs");
		if (mount("none", FG_CONFIGFS, "configfs", 0, NULL) < 0 && errno != EBUSY) {
			snprintf(err, errlen, "cannot mount configfs on %s: %s (is configfs in "
				 "the kernel? see 'ffsgadget doctor')", FG_CONFIGFS, strerror(errno));
			return -errno;
		}
	}
	run_quiet("modprobe", "libcomposite");
	if (access(FG_CONFIGFS_GADGETS, F_OK) == 0)
		return 0;
	snprintf(err, errlen, "%s is missing: the kernel has no USB gadget configfs "
		 "(libcomposite); see 'ffsgadget doctor'", FG_CONFIGFS_GADGETS);
	return -ENOENT;
}

void fg_dt_model(char *buf, size_t len)
{
	static const char *const paths[] = { "/proc/device-tree/model",
					     "/sys/firmware/devicetree/base/model", NULL };

	buf[0] = '\0';
	for (size_t i = 0; paths[i] && !buf[0]; i++) {
		FILE *f = fopen(paths[i], "re");
		size_t n;

		if (!f)
			continue;
		n = fread(buf, 1, len - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *fg_boards_dir(const char *explicit_dir, const char *scheme_path, char *buf, size_t len)
{
	const char *env = getenv("FFSGADGET_BOARDS");
	char exe[PATH_MAX];
	ssize_t n;

	if (explicit_dir)
		return explicit_dir;
	if (env && env[0])
		return env;
	if (scheme_path) {
		const char *slash = strrchr(scheme_path, '/');

		snprintf(buf, len, "%.*s/../boards", slash ? (int)(slash - scheme_path) : 1,
			 slash ? scheme_path : ".");
		if (is_dir(buf))
			return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(buf, len, "%s/../boards", exe);
		if (is_dir(buf))
			return buf;
		snprintf(buf, len, "%s/../share/ffsgadget/boards", exe);
		if (is_dir(buf))
			return buf;
	}
	return "/usr/share/ffsgadget/boards";
}

static const char *usbg_msg(int rc)
{
	return usbg_strerror((usbg_error)rc);
}

/* --- down ------------------------------------------------------------------ */

struct mounts {
	char dir[FG_SCHEME_MAX_FUNCS * 2][PATH_MAX];
	size_t count;
};

static void mounts_add(struct mounts *m, const char *dir)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->dir[i], dir) == 0)
			return;
	if (m->count < sizeof(m->dir) / sizeof(m->dir[0]))
		snprintf(m->dir[m->count++], PATH_MAX, "%s", dir);
}

/* Every FunctionFS mount of instance (the mount source is the instance name). */
static void find_ffs_mounts(const char *instance, struct mounts *out)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;

	while (f && (m = getmntent(f)) != NULL)
		if (strcmp(m->mnt_type, "functionfs") == 0 && strcmp(m->mnt_fsname, instance) == 0)
			mounts_add(out, m->mnt_dir);
	if (f)
		endmntent(f);
}

static int unmount_ffs(const char *dir)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		pid_t holders[16];
		size_t n;

		if (!is_mounted(dir, "functionfs"))
			return 0;
		if (umount(dir) == 0)
			return 0;
		if (errno != EBUSY)
			break;
		/* Whoever still has ep0 or an endpoint open keeps the mount busy. */
		n = fg_mount_holders(dir, holders, 16);
		for (size_t i = 0; i < n; i++) {
			fg_info("stopping pid %ld, which holds %s", (long)holders[i], dir);
			fg_process_stop(holders[i], STOP_TIMEOUT_MS);
		}
	}
	if (is_mounted(dir, "functionfs")) {
		fg_warn("%s: %s; detaching it lazily", dir, strerror(errno));
		if (umount2(dir, MNT_DETACH) < 0) {
			fg_err("%s: %s", dir, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The state directory's files: *.pid daemons, *.mount mounts. */
static void state_scan(const char *state, struct mounts *mounts, int *rc)
{
	DIR *d = opendir(state);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char path[PATH_MAX], mount[PATH_MAX], *dot = strrchr(e->d_name, '.');

		if (!dot || strcmp(dot, ".pid") != 0)
			continue;
		if (pathf(path, sizeof(path), "%s/%.*s.mount", state, (int)(dot - e->d_name),
			  e->d_name) < 0)
			continue;
		(void)fg_read_first_line(path, mount, sizeof(mount));
		if (mount[0])
			mounts_add(mounts, mount);
		if (pathf(path, sizeof(path), "%s/%s", state, e->d_name) < 0)
			continue;
		if (fg_daemon_stop_pidfile(path, mount, STOP_TIMEOUT_MS) < 0) {
			fg_err("%s: the daemon does not stop", path);
			*rc = -EBUSY;
		}
	}
	if (d)
		closedir(d);
}

static void remove_state(const char *state)
{
	DIR *d = opendir(state);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		if (pathf(path, sizeof(path), "%s/%s", state, e->d_name) == 0)
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(state);
}

/* The os_desc link pins its configuration: libusbgx's recursive removal needs it gone. */
static void unlink_os_desc(const char *name)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/%s/os_desc", FG_CONFIGFS_GADGETS, name);
	d = opendir(dir);
	while (d && (e = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			unlink(path);
	}
	if (d)
		closedir(d);
}

/* rmdir the entries of dir (links unlinked instead); skipping nothing else. */
static void rm_children(const char *dir, bool links_only)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' || pathf(path, sizeof(path), "%s/%s", dir, e->d_name) < 0 ||
		    lstat(path, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode))
			unlink(path);
		else if (!links_only && S_ISDIR(st.st_mode))
			rmdir(path);
	}
	if (d)
		closedir(d);
}

/*
 * The configfs tree in the order configfs accepts, for when libusbgx's
 * recursive removal stops half-way: links, config strings, configs,
 * functions, gadget strings, the gadget.
 */
static int rm_tree_direct(const char *name)
{
	char g[PATH_MAX], path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (pathf(g, sizeof(g), "%s/%s", FG_CONFIGFS_GADGETS, name) < 0)
		return -ENAMETOOLONG;
	if (pathf(path, sizeof(path), "%s/configs", g) == 0 && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char c[PATH_MAX];

			if (e->d_name[0] == '.' || pathf(c, sizeof(c), "%s/%s", path, e->d_name) < 0)
				continue;
			rm_children(c, true);
			if (pathf(c, sizeof(c), "%s/%s/strings", path, e->d_name) == 0)
				rm_children(c, false);
			if (pathf(c, sizeof(c), "%s/%s", path, e->d_name) == 0)
				rmdir(c);
		}
		closedir(d);
	}
	if (pathf(path, sizeof(path), "%s/functions", g) == 0)
		rm_children(path, false);
	if (pathf(path, sizeof(path), "%s/strings", g) == 0)
		rm_children(path, false);
	return rmdir(g) < 0 ? -errno : 0;
}

int fg_gadget_down(const char *name, const char *run_dir)
{
	char state[PATH_MAX];
	struct mounts mounts = { .count = 0 };
	usbg_state *s = NULL;
	usbg_gadget *g = NULL;
	int rc = 0, urc;

	if (fg_scheme_state_dir(run_dir, name, state, sizeof(state)) < 0)
		return -ENAMETOOLONG;
	if (access(FG_CONFIGFS_GADGETS, F_OK) == 0) {
		/* libusbgx 0.2 does not know the os_desc link, which pins its config. */
		unlink_os_desc(name);
		urc = usbg_init(FG_CONFIGFS, &s);
		if (urc != USBG_SUCCESS) {
			fg_err("libusbgx: %s", usbg_msg(urc));
			return -EIO;
		}
		g = usbg_get_gadget(s, name);
	}
	/* 1. unbind: the host sees the device go before anything else changes. */
	if (g && usbg_get_gadget_udc(g)) {
		urc = usbg_disable_gadget(g);
		if (urc != USBG_SUCCESS) {
			fg_err("%s: unbind: %s", name, usbg_msg(urc));
			rc = -EIO;
		}
	}
	/* 2. stop the daemons we started. */
	state_scan(state, &mounts, &rc);
	for (usbg_function *f = g ? usbg_get_first_function(g) : NULL; f;
	     f = usbg_get_next_function(f))
		if (usbg_get_function_type(f) == USBG_F_FFS)
			find_ffs_mounts(usbg_get_function_instance(f), &mounts);
	/* 3. umount (stopping whoever else still holds a mount). */
	for (size_t i = 0; i < mounts.count; i++) {
		const char *base = strrchr(mounts.dir[i], '/');

		if (unmount_ffs(mounts.dir[i]) < 0)
			rc = -EBUSY;
		else if (base && strncmp(base + 1, "ffs-", 4) == 0)
			rmdir(mounts.dir[i]);
	}
	/* 4. the configfs tree. */
	if (g) {
		urc = usbg_rm_gadget(g, USBG_RM_RECURSE);
		if (urc != USBG_SUCCESS) {
			fg_dbg("%s: libusbgx: removing the configfs tree: %s; removing it directly",
			       name, usbg_msg(urc));
			if (rm_tree_direct(name) < 0) {
				fg_err("%s: removing the configfs tree: %s", name, strerror(errno));
				rc = -EIO;
			}
		}
	}
	if (s)
		usbg_cleanup(s);
	remove_state(state);
	if (rc == 0)
		fg_info("%s: down", name);
	return rc;
}

/* --- up -------------------------------------------------------------------- */

struct bind_ctx {
	char path[PATH_MAX];
	const char *udc;
};

static int bind_once(void *p)
{
	struct bind_ctx *b = p;
	int fd = open(b->path, O_WRONLY | O_CLOEXEC);
	ssize_t w;
	int rc = 0;

	if (fd < 0)
		return -errno;
	w = write(fd, b->udc, strlen(b->udc));
	if (w < 0)
		rc = -errno;
	close(fd);
	if (rc == -EBUSY || rc == -ENODEV)
		fg_dbg("bind %s: %s, retrying", b->udc, strerror(-rc));
	return rc;
}

/* Up already: bound, and every daemon of the scheme alive. */
static bool already_up(const struct fg_scheme *s, const char *run_dir)
{
	char path[PATH_MAX], udc[FG_UDC_NAME_MAX];

	snprintf(path, sizeof(path), "%s/%s/UDC", FG_CONFIGFS_GADGETS, s->name);
	(void)fg_read_first_line(path, udc, sizeof(udc));
	if (!udc[0])
		return false;
	for (size_t i = 0; i < s->ffs_count; i++) {
		char pid[32];

		if (fg_scheme_state_file(run_dir, s->name, s->ffs[i].instance, "pid", path,
					 sizeof(path)) < 0)
			return false;
		(void)fg_read_first_line(path, pid, sizeof(pid));
		if (!pid[0] || fg_process_gone((pid_t)atol(pid)))
			return false;
	}
	return true;
}

static int wait_for_udc(const struct fg_up_options *o, const struct fg_scheme *s,
			struct fg_udc *chosen, char *err, size_t errlen)
{
	const char *want = o->udc ? o->udc : s->udc;
	unsigned waited = 0;

	if (want && strcmp(want, "auto") == 0)
		want = NULL;
	for (;;) {
		struct fg_udc udcs[FG_UDC_MAX];
		size_t n;
		int i;

		fg_udc_list(FG_SYS_UDC, FG_CONFIGFS_GADGETS, udcs, FG_UDC_MAX, &n);
		fg_udc_sort(udcs, n);
		i = fg_udc_choose(udcs, n, want, s->name, err, errlen);
		if (i >= 0) {
			*chosen = udcs[i];
			return 0;
		}
		if (i != -ENODEV || waited >= o->udc_timeout_ms)
			return i;
		usleep(100 * 1000);
		waited += 100;
	}
}

static int check_budget(const struct fg_up_options *o, const struct fg_scheme *s,
			const struct fg_udc *udc, struct fg_model **models)
{
	const char *want = o->board ? o->board : s->board;
	char dirbuf[PATH_MAX], err[512], model[256];
	const char *dir = fg_boards_dir(o->boards_dir, s->path, dirbuf, sizeof(dirbuf));
	struct fg_budget *bu;
	struct fg_board b;
	int rc;

	if (want && strcmp(want, "none") == 0)
		return 0;
	if (want && want[0]) {
		rc = fg_board_open(dir, want, &b, err, sizeof(err));
		if (rc < 0) {
			fg_err("%s", err);
			return rc;
		}
	} else {
		fg_dt_model(model, sizeof(model));
		if (fg_board_detect(dir, udc->name, udc->driver, model, &b) != 1) {
			fg_info("no board profile in %s matches UDC %s (driver %s): endpoint "
				"budget not checked", dir, udc->name,
				udc->driver[0] ? udc->driver : "unknown");
			return 0;
		}
	}
	bu = calloc(1, sizeof(*bu));
	if (!bu) {
		fg_board_free(&b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->ffs_count; i++) {
		char fname[96];

		snprintf(fname, sizeof(fname), "ffs.%s", s->ffs[i].instance);
		fg_budget_add_model(bu, fname, models[i], b.super_speed);
	}
	for (size_t i = 0; i < s->kfunc_count; i++)
		if (fg_budget_add_kernel(bu, s->kfuncs[i].type, s->kfuncs[i].instance) == -ENOENT)
			fg_warn("%s.%s: endpoints unknown to ffsgadget, not counted",
				s->kfuncs[i].type, s->kfuncs[i].instance);
	rc = fg_board_check(&b, bu, err, sizeof(err));
	if (rc < 0) {
		fg_err("%s: %s", s->name, err);
		for (size_t i = 0; i < bu->count; i++)
			fg_info("  %-3s %-9s %5u bytes  %s", bu->eps[i].in ? "IN" : "OUT",
				bu->eps[i].type == FG_EP_ISO ? "iso" :
				bu->eps[i].type == FG_EP_INT ? "interrupt" : "bulk",
				bu->eps[i].bytes, bu->eps[i].what);
	} else {
		fg_dbg("%s: %zu endpoints fit %s", s->name, bu->count, b.name);
	}
	free(bu);
	fg_board_free(&b);
	return rc;
}

static const char *description_for(const struct fg_up_options *o, const struct fg_scheme_ffs *f)
{
	for (size_t i = 0; i < o->description_count; i++)
		if (strcmp(o->descriptions[i].instance, f->instance) == 0)
			return o->descriptions[i].file;
	return f->description;
}

/*
 * The endpoints whose address the UDC changed, and with --dmabuf the path
 * each took, from the daemon's ready file (engine.h: "endpoint NAME
 * 0xDESCRIBED 0xASSIGNED[ PATH]" lines after the PID).
 */
static void print_moved_endpoints(const char *ready_file)
{
	int fd = fg_open_regular(ready_file);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char line[256], name[64], path[16];
	unsigned described, assigned;

	if (fd >= 0 && !f)
		close(fd);
	while (f && fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "endpoint %63s 0x%x 0x%x %15s", name, &described, &assigned,
			       path);

		if (n >= 3 && described != assigned)
			printf("\n    endpoint %s: 0x%02x in the description, 0x%02x on the bus",
			       name, described & 0xffu, assigned & 0xffu);
		if (n == 4 && (strcmp(path, "dmabuf") == 0 || strcmp(path, "aio") == 0))
			printf("\n    endpoint %s: %s", name,
			       path[0] == 'd' ? "DMABUF" : "AIO");
	}
	if (f)
		fclose(f);
}

static int import_gadget(struct fg_scheme *s, usbg_state **st)
{
	usbg_gadget *g;
	FILE *f;
	int urc;

	urc = usbg_init(FG_CONFIGFS, st);
	if (urc != USBG_SUCCESS) {
		fg_err("libusbgx: %s", usbg_msg(urc));
		return -EIO;
	}
	f = fopen(s->path, "re");
	if (!f)
		return -errno;
	urc = usbg_import_gadget(*st, f, s->name, &g);
	fclose(f);
	if (urc != USBG_SUCCESS) {
		const char *t = usbg_get_gadget_import_error_text(*st);

		fg_err("%s:%d: libusbgx cannot create the gadget: %s%s%s", s->path,
		       usbg_get_gadget_import_error_line(*st), usbg_msg(urc), t ? ": " : "",
		       t ? t : "");
		return -EINVAL;
	}
	if (s->os_desc) {
		struct usbg_gadget_os_descs od = {
			.use = true, .b_vendor_code = s->os_vendor_code, .qw_sign = s->os_qw_sign,
		};
		usbg_config *c = usbg_get_config(g, s->os_config, NULL);

		urc = usbg_set_gadget_os_descs(g, &od);
		if (urc == USBG_SUCCESS)
			urc = c ? usbg_set_os_desc_config(g, c) : USBG_ERROR_NOT_FOUND;
		if (urc != USBG_SUCCESS) {
			fg_err("%s: os_desc: %s", s->name, usbg_msg(urc));
			return -EIO;
		}
	}
	return 0;
}

static int self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* One up in progress: what its steps share, and what the cleanup must undo. */
struct up {
	struct fg_scheme *s;
	const struct fg_up_options *o;
	const char *run_dir;
	struct fg_model *models[FG_SCHEME_MAX_FUNCS];
	struct fg_udc udc;
	char state[PATH_MAX];           /* the run dir's folder for this gadget */
	char exe[PATH_MAX];             /* the daemons' binary: this one */
	struct up_function {
		char name[80];          /* "ffs.INSTANCE" */
		char mount[PATH_MAX], ready[PATH_MAX], pid[PATH_MAX], mount_file[PATH_MAX];
	} fn[FG_SCHEME_MAX_FUNCS];
	struct fg_daemon daemons[FG_SCHEME_MAX_FUNCS];  /* fn[i]'s */
	bool created;                   /* down undoes from here on */
};

/* Every description and its personality's options: nothing touched yet. */
static int up_check_descriptions(struct up *u)
{
	char err[512] = "";

	for (size_t i = 0; i < u->s->ffs_count; i++) {
		const struct fg_personality *p;
		int rc = fg_personality_load(description_for(u->o, &u->s->ffs[i]), &u->models[i],
					     &p, err, sizeof(err));

		if (rc < 0) {
			fg_err("%s", err[0] ? err : strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* 1 when the gadget is up already; a stale one is taken down first. */
static int up_clear_stale(struct up *u)
{
	char err[512] = "", g[PATH_MAX];
	int rc = fg_configfs_ensure(err, sizeof(err));

	if (rc < 0) {
		fg_err("%s", err);
		return rc;
	}
	if (pathf(g, sizeof(g), "%s/%s", FG_CONFIGFS_GADGETS, u->s->name) < 0)
		return -ENAMETOOLONG;
	if (access(g, F_OK) != 0)
		return 0;
	if (!u->o->force && already_up(u->s, u->run_dir)) {
		fg_info("%s: already up", u->s->name);
		return 1;
	}
	fg_info("%s: removing the gadget left from an earlier run", u->s->name);
	return fg_gadget_down(u->s->name, u->run_dir);
}

/* The UDC, the board's endpoint budget and the paths every later step uses. */
static int up_check_target(struct up *u)
{
	char err[512] = "";
	int rc = wait_for_udc(u->o, u->s, &u->udc, err, sizeof(err));

	if (rc < 0) {
		fg_err("%s: %s", u->s->name, err);
		return rc;
	}
	rc = check_budget(u->o, u->s, &u->udc, u->models);
	if (rc == 0)
		rc = self_exe(u->exe, sizeof(u->exe));
	if (rc == 0)
		rc = fg_scheme_state_dir(u->run_dir, u->s->name, u->state, sizeof(u->state));
	for (size_t i = 0; rc == 0 && i < u->s->ffs_count; i++) {
		const struct fg_scheme_ffs *f = &u->s->ffs[i];
		struct up_function *fn = &u->fn[i];

		snprintf(fn->name, sizeof(fn->name), "ffs.%s", f->instance);
		if (fg_scheme_mount_point(u->s, f, fn->mount, sizeof(fn->mount)) < 0 ||
		    fg_scheme_state_file(u->run_dir, u->s->name, f->instance, "ready", fn->ready,
					 sizeof(fn->ready)) < 0 ||
		    fg_scheme_state_file(u->run_dir, u->s->name, f->instance, "pid", fn->pid,
					 sizeof(fn->pid)) < 0 ||
		    fg_scheme_state_file(u->run_dir, u->s->name, f->instance, "mount",
					 fn->mount_file, sizeof(fn->mount_file)) < 0)
			rc = -ENAMETOOLONG;
	}
	return rc;
}

/* The run dir's folder, then the configfs tree (libusbgx imports the scheme). */
static int up_create_tree(struct up *u)
{
	const struct fg_scheme *s = u->s;
	usbg_state *st = NULL;
	int rc = fg_mkdir_p(u->state, 0755);

	if (rc < 0) {
		fg_err("%s: %s", u->state, strerror(-rc));
		return rc;
	}
	u->created = true;
	if ((s->has_uid || s->has_gid) &&
	    chown(u->state, s->has_uid ? s->uid : (uid_t)-1, s->has_gid ? s->gid : (gid_t)-1) < 0) {
		rc = -errno;
		fg_err("%s: %s", u->state, strerror(errno));
		return rc;
	}
	rc = import_gadget(u->s, &st);
	if (st)
		usbg_cleanup(st);
	return rc;
}

static int up_mount(struct up *u)
{
	char opts[128];

	fg_scheme_mount_options(u->s, opts, sizeof(opts));
	for (size_t i = 0; i < u->s->ffs_count; i++) {
		int rc = fg_ffs_mount(u->s->ffs[i].instance, u->fn[i].mount, opts,
				      u->fn[i].mount_file, mount);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One daemon per FunctionFS function, each ready (descriptors accepted). */
static int up_start_daemons(struct up *u)
{
	const struct fg_scheme *s = u->s;
	const struct fg_up_options *o = u->o;
	char err[512] = "";
	int rc;

	for (size_t i = 0; i < s->ffs_count; i++) {
		const struct fg_scheme_ffs *f = &s->ffs[i];
		struct up_function *fn = &u->fn[i];

		u->daemons[i] = (struct fg_daemon){
			.name = fn->name, .exe = u->exe, .wrapper = f->wrapper,
			.description = description_for(o, f), .mount = fn->mount,
			.ready_file = fn->ready, .pid_file = fn->pid,
			.log = o->log ? o->log : s->log, .args = f->args, .arg_count = f->arg_count,
			.extra = o->extra, .extra_count = o->extra_count,
			.drop = s->has_uid || s->has_gid,
			.uid = s->has_uid ? s->uid : getuid(), .gid = s->has_gid ? s->gid : getgid(),
		};
		rc = fg_daemon_start(&u->daemons[i]);
		if (rc < 0) {
			fg_err("%s: cannot start its daemon: %s", fn->name, strerror(-rc));
			return rc;
		}
	}
	rc = fg_daemons_wait_ready(u->daemons, s->ffs_count,
				   o->ready_timeout_ms >= 0 ? (unsigned)o->ready_timeout_ms :
				   s->ready_timeout_ms, err, sizeof(err));
	if (rc < 0)
		fg_err("%s", err);
	return rc;
}

/* Binds the UDC (EBUSY and ENODEV retried) and records which scheme made the gadget. */
static int up_bind(struct up *u)
{
	struct fg_backoff backoff = { 20, 500, u->s->bind_timeout_ms };
	char scheme_file[PATH_MAX];
	struct bind_ctx bind;
	unsigned tries = 0;
	int rc;

	if (pathf(bind.path, sizeof(bind.path), "%s/%s/UDC", FG_CONFIGFS_GADGETS, u->s->name) < 0 ||
	    pathf(scheme_file, sizeof(scheme_file), "%s/scheme", u->state) < 0)
		return -ENAMETOOLONG;
	bind.udc = u->udc.name;
	rc = fg_retry(bind_once, &bind, &backoff, NULL, &tries);
	if (rc < 0) {
		fg_err("%s: cannot bind to %s: %s (%u attempts in %u ms)", u->s->name, u->udc.name,
		       strerror(-rc), tries, u->s->bind_timeout_ms);
		return rc;
	}
	/* Only status reads it: a gadget that works is not undone for it. */
	rc = fg_write_text(scheme_file, u->s->path);
	if (rc < 0)
		fg_warn("%s: %s", scheme_file, strerror(-rc));
	return 0;
}

int fg_gadget_up(struct fg_scheme *s, const struct fg_up_options *o)
{
	struct up *u = calloc(1, sizeof(*u));
	int rc;

	if (!u)
		return -ENOMEM;
	u->s = s;
	u->o = o;
	u->run_dir = o->run_dir ? o->run_dir : s->run_dir;
	if (o->name)
		snprintf(s->name, sizeof(s->name), "%s", o->name);

	rc = up_check_descriptions(u);
	if (rc == 0)
		rc = up_clear_stale(u);
	if (rc == 0)
		rc = up_check_target(u);
	if (rc == 0)
		rc = up_create_tree(u);
	if (rc == 0)
		rc = up_mount(u);
	if (rc == 0)
		rc = up_start_daemons(u);
	if (rc == 0)
		rc = up_bind(u);
	if (rc == 0)
		fg_info("%s: up on %s (%zu FunctionFS, %zu kernel function%s)", s->name,
			u->udc.name, s->ffs_count, s->kfunc_count, s->kfunc_count == 1 ? "" : "s");

	if (rc < 0 && u->created) {
		fg_info("%s: undoing what was done", s->name);
		fg_gadget_down(s->name, u->run_dir);
	}
	for (size_t i = 0; i < s->ffs_count; i++)
		fg_model_free(u->models[i]);
	free(u);
	return rc > 0 ? 0 : rc;
}

/* --- status ---------------------------------------------------------------- */

int fg_gadget_status(const char *run_dir, const char *only)
{
	struct fg_udc udcs[FG_UDC_MAX];
	usbg_state *s = NULL;
	size_t n;
	int shown = 0;

	fg_udc_list(FG_SYS_UDC, FG_CONFIGFS_GADGETS, udcs, FG_UDC_MAX, &n);
	fg_udc_sort(udcs, n);
	if (access(FG_CONFIGFS_GADGETS, F_OK) == 0 && usbg_init(FG_CONFIGFS, &s) != USBG_SUCCESS)
		s = NULL;
	for (usbg_gadget *g = s ? usbg_get_first_gadget(s) : NULL; g; g = usbg_get_next_gadget(g)) {
		const char *name = usbg_get_gadget_name(g);
		usbg_udc *u = usbg_get_gadget_udc(g);
		char path[PATH_MAX], line[PATH_MAX];

		if (only && strcmp(only, name) != 0)
			continue;
		shown++;
		snprintf(path, sizeof(path), "%s/%s/scheme", run_dir, name);
		(void)fg_read_first_line(path, line, sizeof(line));
		printf("%s: %s%s%s%s\n", name, u ? "bound to " : "not bound",
		       u ? usbg_get_udc_name(u) : "", line[0] ? ", from " : "", line);
		for (usbg_function *f = usbg_get_first_function(g); f;
		     f = usbg_get_next_function(f)) {
			const char *inst = usbg_get_function_instance(f);
			struct mounts m = { .count = 0 };
			char pid[32] = "";

			printf("  %s.%s", usbg_get_function_type_str(usbg_get_function_type(f)), inst);
			if (usbg_get_function_type(f) != USBG_F_FFS) {
				printf("\n");
				continue;
			}
			find_ffs_mounts(inst, &m);
			printf(" at %s", m.count ? m.dir[0] : "(not mounted)");
			snprintf(path, sizeof(path), "%s/%s/%s.pid", run_dir, name, inst);
			(void)fg_read_first_line(path, pid, sizeof(pid));
			if (pid[0] && !fg_process_gone((pid_t)atol(pid))) {
				snprintf(path, sizeof(path), "%s/%s/%s.ready", run_dir, name, inst);
				printf(", daemon %s %s", pid,
				       access(path, F_OK) == 0 ? "ready" : "not ready");
				print_moved_endpoints(path);
			} else if (m.count) {
				pid_t h[4];
				size_t hn = fg_mount_holders(m.dir[0], h, 4);

				if (hn)
					printf(", served by pid %ld (not started by up)", (long)h[0]);
				else
					printf(", no daemon");
			}
			printf("\n");
		}
	}
	if (s)
		usbg_cleanup(s);
	if (only && !shown) {
		printf("%s: no such gadget\n", only);
		return 1;
	}
	if (!only) {
		if (!shown)
			printf("no gadgets in %s\n", FG_CONFIGFS_GADGETS);
		for (size_t i = 0; i < n; i++)
			printf("UDC %s: %s%s, state %s%s%s\n", udcs[i].name,
			       udcs[i].driver[0] ? udcs[i].driver : "driver unknown",
			       udcs[i].is_virtual ? " (virtual)" : "",
			       udcs[i].state[0] ? udcs[i].state : "unknown",
			       udcs[i].gadget[0] ? ", used by " : "", udcs[i].gadget);
		if (!n)
			printf("no UDC in %s\n", FG_SYS_UDC);
	}
	return 0;
}
