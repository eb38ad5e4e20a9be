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
#include "configfs/board.h"
#include "configfs/configfs.h"
#include "configfs/daemons.h"
#include "configfs/udc.h"
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

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
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

int fg_gadget_up(struct fg_scheme *s, const struct fg_up_options *o)
{
	const char *run_dir = o->run_dir ? o->run_dir : s->run_dir;
	struct fg_model *models[FG_SCHEME_MAX_FUNCS] = { NULL };
	struct fg_daemon daemons[FG_SCHEME_MAX_FUNCS];
	char paths[FG_SCHEME_MAX_FUNCS][3][PATH_MAX], dnames[FG_SCHEME_MAX_FUNCS][80];
	char err[512] = "", state[PATH_MAX], exe[PATH_MAX], opts[128];
	struct fg_backoff backoff = { 20, 500, s->bind_timeout_ms };
	struct bind_ctx bind;
	usbg_state *st = NULL;
	struct fg_udc udc;
	bool created = false;
	unsigned tries = 0;
	int rc;

	if (o->name)
		snprintf(s->name, sizeof(s->name), "%s", o->name);
	/* Checks first: nothing exists yet if one fails. */
	for (size_t i = 0; i < s->ffs_count; i++) {
		const struct fg_personality *p;

		rc = fg_personality_load(description_for(o, &s->ffs[i]), &models[i], &p, err,
					 sizeof(err));
		if (rc < 0) {
			fg_err("%s", err);
			goto out;
		}
	}
	rc = fg_configfs_ensure(err, sizeof(err));
	if (rc < 0) {
		fg_err("%s", err);
		goto out;
	}
	if (access(FG_CONFIGFS_GADGETS "/", F_OK) == 0) {
		char g[PATH_MAX];

		snprintf(g, sizeof(g), "%s/%s", FG_CONFIGFS_GADGETS, s->name);
		if (access(g, F_OK) == 0) {
			if (!o->force && already_up(s, run_dir)) {
				fg_info("%s: already up", s->name);
				goto out;
			}
			fg_info("%s: removing the gadget left from an earlier run", s->name);
			rc = fg_gadget_down(s->name, run_dir);
			if (rc < 0)
				goto out;
		}
	}
	rc = wait_for_udc(o, s, &udc, err, sizeof(err));
	if (rc < 0) {
		fg_err("%s: %s", s->name, err);
		goto out;
	}
	rc = check_budget(o, s, &udc, models);
	if (rc < 0)
		goto out;
	rc = self_exe(exe, sizeof(exe));
	if (rc < 0)
		goto out;
	rc = fg_scheme_state_dir(run_dir, s->name, state, sizeof(state));
	if (rc == 0)
		rc = fg_mkdir_p(state, 0755);
	if (rc < 0) {
		fg_err("%s: %s", state, strerror(-rc));
		goto out;
	}
	if ((s->has_uid || s->has_gid) &&
	    chown(state, s->has_uid ? s->uid : (uid_t)-1, s->has_gid ? s->gid : (gid_t)-1) < 0) {
		rc = -errno;
		fg_err("%s: %s", state, strerror(errno));
		goto out;
	}

	created = true;
	rc = import_gadget(s, &st);
	if (rc < 0)
		goto out;

	fg_scheme_mount_options(s, opts, sizeof(opts));
	for (size_t i = 0; i < s->ffs_count; i++) {
		const struct fg_scheme_ffs *f = &s->ffs[i];
		char *mp = paths[i][0], *ready = paths[i][1], *pid = paths[i][2], mfile[PATH_MAX];

		if (fg_scheme_mount_point(s, f, mp, PATH_MAX) < 0 ||
		    fg_scheme_state_file(run_dir, s->name, f->instance, "ready", ready,
					 PATH_MAX) < 0 ||
		    fg_scheme_state_file(run_dir, s->name, f->instance, "pid", pid, PATH_MAX) < 0 ||
		    fg_scheme_state_file(run_dir, s->name, f->instance, "mount", mfile,
					 sizeof(mfile)) < 0) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		rc = fg_mkdir_p(mp, 0755);
		if (rc == 0 && mount(f->instance, mp, "functionfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				     opts[0] ? opts : NULL) < 0)
			rc = -errno;
		if (rc < 0) {
			fg_err("mount -t functionfs %s %s%s%s: %s", f->instance, mp,
			       opts[0] ? " -o " : "", opts, strerror(-rc));
			goto out;
		}
		write_file(mfile, mp);
		fg_dbg("ffs.%s mounted at %s (%s)", f->instance, mp, opts[0] ? opts : "defaults");
	}
	for (size_t i = 0; i < s->ffs_count; i++) {
		const struct fg_scheme_ffs *f = &s->ffs[i];
		snprintf(dnames[i], sizeof(dnames[i]), "ffs.%s", f->instance);
		daemons[i] = (struct fg_daemon){
			.name = dnames[i], .exe = exe, .wrapper = f->wrapper,
			.description = description_for(o, f), .mount = paths[i][0],
			.ready_file = paths[i][1], .pid_file = paths[i][2],
			.log = o->log ? o->log : s->log, .args = f->args, .arg_count = f->arg_count,
			.extra = o->extra, .extra_count = o->extra_count,
			.drop = s->has_uid || s->has_gid,
			.uid = s->has_uid ? s->uid : getuid(), .gid = s->has_gid ? s->gid : getgid(),
		};
		rc = fg_daemon_start(&daemons[i]);
		if (rc < 0) {
			fg_err("ffs.%s: cannot start its daemon: %s", f->instance, strerror(-rc));
			goto out;
		}
	}
	rc = fg_daemons_wait_ready(daemons, s->ffs_count,
				   o->ready_timeout_ms >= 0 ? (unsigned)o->ready_timeout_ms :
				   s->ready_timeout_ms, err, sizeof(err));
	if (rc < 0) {
		fg_err("%s", err);
		goto out;
	}

	snprintf(bind.path, sizeof(bind.path), "%s/%s/UDC", FG_CONFIGFS_GADGETS, s->name);
	bind.udc = udc.name;
	rc = fg_retry(bind_once, &bind, &backoff, NULL, &tries);
	if (rc < 0) {
		fg_err("%s: cannot bind to %s: %s (%u attempts in %u ms)", s->name, udc.name,
		       strerror(-rc), tries, s->bind_timeout_ms);
		goto out;
	}
	if (pathf(paths[0][0], PATH_MAX, "%s/scheme", state) == 0)
		write_file(paths[0][0], s->path);
	fg_info("%s: up on %s (%zu FunctionFS, %zu kernel function%s)", s->name, udc.name,
		s->ffs_count, s->kfunc_count, s->kfunc_count == 1 ? "" : "s");
out:
	if (st)
		usbg_cleanup(st);
	if (rc < 0 && created) {
		fg_info("%s: undoing what was done", s->name);
		fg_gadget_down(s->name, run_dir);
	}
	for (size_t i = 0; i < s->ffs_count; i++)
		if (models[i])
			fg_model_free(models[i]);
	return rc;
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
