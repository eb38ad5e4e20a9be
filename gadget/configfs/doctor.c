/* SPDX-License-Identifier: MIT */
/*
 * ffsgadget doctor: what this machine's kernel offers a gadget, and for
 * each missing piece, the fix.  Given descriptions (or schemes), it also
 * asks the running kernel whether it takes their descriptors: a scratch
 * FunctionFS instance in a scratch gadget, never bound, is written the
 * same blobs the daemon would write.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <usbg/usbg.h>

#include "common/udc.h"
#include "configfs/board.h"
#include "configfs/configfs.h"
#include "configfs/scheme.h"
#include "description/description.h"
#include "ffs/dmabuf.h"
#include "ffs/ffs_blobs.h"
#include "ffs/ffs_features.h"
#include "personalities/personalities.h"

struct doctor {
	int missing;
	int warnings;
	char release[128];
	unsigned major, minor;
	bool root;
	struct fg_ffs_probe get_alt;
	bool dmabuf_kernel;         /* f_fs has the DMABUF ioctls (probed) */
};

static void ok(const char *what, const char *detail)
{
	printf("  ok       %-22s %s\n", what, detail);
}

static void missing(struct doctor *d, const char *what, const char *detail, const char *fix)
{
	d->missing++;
	printf("  MISSING  %-22s %s\n           fix: %s\n", what, detail, fix);
}

static void warn(struct doctor *d, const char *what, const char *detail, const char *advice)
{
	d->warnings++;
	printf("  warning  %-22s %s\n", what, detail);
	if (advice)
		printf("           %s\n", advice);
}

static bool file_has_module(const char *path, const char *module)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	bool found = false;
	size_t ml = strlen(module);

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *end = colon ? colon : line + strcspn(line, "\n");
		char *base;

		*end = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		/* name.ko, name.ko.xz, name.ko.zst; '-' and '_' are the same to modprobe */
		if (strncmp(base, module, ml) == 0 && strncmp(base + ml, ".ko", 3) == 0)
			found = true;
	}
	if (f)
		fclose(f);
	return found;
}

/* "built in", "module, loaded", "module, not loaded", or NULL when absent. */
static const char *module_state(const struct doctor *d, const char *module)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", d->release);
	if (file_has_module(path, module))
		return "built in";
	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (access(path, F_OK) == 0)
		return "module, loaded";
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", d->release);
	if (file_has_module(path, module))
		return "module, not loaded";
	if (access(path, F_OK) != 0)
		return NULL;
	return NULL;
}

static bool has_filesystem(const char *fs)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[128];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		const char *name = strrchr(line, '\t');

		if (strcmp(name ? name + 1 : line, fs) == 0)
			found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static void check_module(struct doctor *d, const char *module, bool present_now,
			 const char *fix_absent)
{
	const char *st = module_state(d, module);
	char detail[160], fix[160], path[PATH_MAX];

	if (present_now || (st && (strcmp(st, "built in") == 0 || strcmp(st, "module, loaded") == 0))) {
		ok(module, st ? st : "available");
		return;
	}
	if (!st) {
		snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", d->release);
		missing(d, module, access(path, F_OK) == 0 ? "not in this kernel" :
			"not loaded, and no modules.dep to look in (depmod)", fix_absent);
		return;
	}
	snprintf(detail, sizeof(detail), "%s", st);
	snprintf(fix, sizeof(fix), "modprobe %s", module);
	if (strcmp(st, "module, not loaded") == 0)
		warn(d, module, detail, "loaded on demand by up; by hand: modprobe");
	else
		missing(d, module, detail, fix);
}

/*
 * Whether FunctionFS has get_alt, from the last kallsyms probe; only when
 * that could not tell, from the version (vendor kernels backport it).
 */
static bool has_get_alt(const struct doctor *d, char *how, size_t size)
{
	char why[160];
	bool by_version = d->major > 6 || (d->major == 6 && d->minor >= 10);

	fg_ffs_probe_explain(&d->get_alt, why, sizeof(why));
	if (d->get_alt.answer != FG_FFS_FEATURE_UNKNOWN) {
		snprintf(how, size, "%s", why);
		return d->get_alt.answer == FG_FFS_FEATURE_PRESENT;
	}
	snprintf(how, size, "judged by version: kernel %s 6.10; %s",
		 by_version ? ">=" : "<", why);
	return by_version;
}

static void check_kernel(struct doctor *d)
{
	char detail[400], how[300];
	bool yes;

	printf("kernel\n");
	snprintf(detail, sizeof(detail), "%s (%u.%u)", d->release, d->major, d->minor);
	ok("version", detail);
	if (access(FG_CONFIGFS_GADGETS, F_OK) == 0) {
		ok("configfs", "mounted, " FG_CONFIGFS_GADGETS " present");
	} else if (has_filesystem("configfs")) {
		warn(d, "configfs", "known, not mounted yet (no " FG_CONFIGFS_GADGETS ")",
		     "up mounts it and loads libcomposite; by hand: mount -t configfs none "
		     FG_CONFIGFS "; modprobe libcomposite");
	} else {
		check_module(d, "configfs", false,
			     "a kernel with CONFIG_CONFIGFS_FS (every distribution kernel has it)");
	}
	check_module(d, "libcomposite", access(FG_CONFIGFS_GADGETS, F_OK) == 0,
		     "a kernel with CONFIG_USB_LIBCOMPOSITE and CONFIG_USB_CONFIGFS");
	/* functionfs appears in /proc/filesystems only once an ffs instance exists. */
	check_module(d, "usb_f_fs", has_filesystem("functionfs"),
		     "a kernel with CONFIG_USB_CONFIGFS_F_FS (FunctionFS)");
	fg_ffs_probe_get_alt(FG_KALLSYMS, &d->get_alt);
	yes = has_get_alt(d, how, sizeof(how));
	snprintf(detail, sizeof(detail), "%s (%s)%s", yes ? "yes" : "no", how,
		 yes ? "; alt settings 0-" FG_FFS_MAX_ALT_TEXT " selectable (f_fs MAX_ALT_SETTINGS)"
		     : "");
	if (yes)
		ok("FunctionFS get_alt", detail);
	else
		warn(d, "FunctionFS get_alt", detail,
		     "SET_INTERFACE to an alt setting other than 0 is stalled: the daemon "
		     "folds alt settings into alt 0; run a kernel with get_alt (6.10 or later) "
		     "for iso alt settings as USB 2.0 wants them");
}

/* DFU's functional descriptor: 6.12 on; a DFU description given as root is the probe. */
static void check_dfu(struct doctor *d)
{
	char detail[300];
	bool yes = fg_ffs_dfu_by_version(d->release);

	snprintf(detail, sizeof(detail), "%s (judged by version: kernel %s %d.%d; give a DFU "
		 "description, as root, to probe it)", yes ? "yes" : "no", yes ? ">=" : "<",
		 FG_FFS_DFU_MAJOR, FG_FFS_DFU_MINOR);
	if (yes)
		ok("FunctionFS DFU", detail);
	else
		warn(d, "FunctionFS DFU", detail,
		     "the dfu personality needs Linux 6.12 or later: FunctionFS refuses the DFU "
		     "functional descriptor before it");
}

/*
 * DMABUF: the kernel's part is probed (kallsyms, as get_alt), /dev/udmabuf
 * is looked at; the UDC's part (sg_supported) is invisible from user space
 * until a buffer is attached to a bound function, which the daemon does
 * with --dmabuf.  All optional: warnings, never missing.
 */
static void check_dmabuf(struct doctor *d)
{
	struct fg_ffs_probe probe;
	char detail[400], how[300];

	fg_ffs_probe_dmabuf(FG_KALLSYMS, &probe);
	fg_ffs_probe_explain(&probe, how, sizeof(how));
	d->dmabuf_kernel = probe.answer == FG_FFS_FEATURE_PRESENT;
	snprintf(detail, sizeof(detail), "%s (%s)",
		 d->dmabuf_kernel ? "yes" : probe.answer == FG_FFS_FEATURE_ABSENT ? "no" : "unknown",
		 how);
	if (d->dmabuf_kernel)
		ok("FunctionFS DMABUF", detail);
	else
		warn(d, "FunctionFS DMABUF", detail,
		     "run --dmabuf stays on AIO: the DMABUF ioctls are in Linux 6.9 and later");
	if (access(FG_UDMABUF_DEV, R_OK | W_OK) == 0) {
		ok("udmabuf", FG_UDMABUF_DEV " usable by this user");
	} else {
		snprintf(detail, sizeof(detail), FG_UDMABUF_DEV ": %s", strerror(errno));
		warn(d, "udmabuf", detail,
		     errno == ENOENT ? "DMABUF buffers come from it: a kernel with CONFIG_UDMABUF"
				     : "the daemon's user needs read-write access (a udev rule)");
	}
}

static void check_udcs(struct doctor *d)
{
	struct fg_udc u[FG_UDC_MAX];
	char model[256], dir[PATH_MAX], detail[256];
	size_t n;

	printf("USB device controllers\n");
	fg_udc_list(FG_SYS_UDC, FG_CONFIGFS_GADGETS, u, FG_UDC_MAX, &n);
	fg_udc_sort(u, n);
	if (!n)
		missing(d, "UDC", "none in " FG_SYS_UDC,
			"load the controller: Raspberry Pi 'dtoverlay=dwc2' in config.txt and "
			"'modules-load=dwc2' in cmdline.txt (ffsgadget board install); "
			"BeagleBone: musb (usb0); tests: modprobe dummy_hcd");
	fg_dt_model(model, sizeof(model));
	for (size_t i = 0; i < n; i++) {
		struct fg_board b;

		snprintf(detail, sizeof(detail), "driver %s%s, state %s%s%s",
			 u[i].driver[0] ? u[i].driver : "unknown", u[i].is_virtual ? " (virtual)" : "",
			 u[i].state[0] ? u[i].state : "unknown",
			 u[i].gadget[0] ? ", used by " : ", free", u[i].gadget);
		ok(u[i].name, detail);
		if (d->dmabuf_kernel)
			printf("           DMABUF: %s\n", fg_dmabuf_udc_note(u[i].driver));
		if (fg_board_detect(fg_boards_dir(NULL, NULL, dir, sizeof(dir)), u[i].name,
				    u[i].driver, model, &b) == 1) {
			snprintf(detail, sizeof(detail), "%s: %u endpoints (%u IN, %u OUT)", b.name,
				 b.ep_total, b.ep_in, b.ep_out);
			ok("  board profile", detail);
			fg_board_free(&b);
		} else {
			printf("           no board profile matches (model: %s)\n",
			       model[0] ? model : "none");
		}
	}
}

/* Writes the blobs to a scratch FunctionFS: 0 accepted, else the write's -errno. */
static int probe_write(const char *mount, const struct fg_model *m, const char **stage)
{
	char ep0[PATH_MAX];
	struct fg_blob descs = { 0 }, strs = { 0 };
	int fd, rc;

	snprintf(ep0, sizeof(ep0), "%s/ep0", mount);
	*stage = "building the blobs";
	rc = ffs_build_descriptors(m, -1, &descs);
	if (rc == 0)
		rc = ffs_build_strings(m, &strs);
	if (rc < 0)
		goto out;
	*stage = "opening ep0";
	fd = open(ep0, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	*stage = "writing the descriptors";
	if (write(fd, descs.data, descs.len) != (ssize_t)descs.len)
		rc = -errno;
	if (rc == 0) {
		*stage = "writing the strings";
		if (write(fd, strs.data, strs.len) != (ssize_t)strs.len)
			rc = -errno;
	}
	close(fd);
out:
	fg_blob_free(&descs);
	fg_blob_free(&strs);
	return rc;
}

/*
 * Endpoints in alt settings other than 0 are out of the host's reach
 * without get_alt (the daemon folds them into alt 0); with it, alt
 * settings above FG_FFS_MAX_ALT are (the daemon refuses them).
 */
static void check_alts(struct doctor *d, const char *path, const struct fg_model *m)
{
	char alts[200], how[300], advice[800], detail[400];
	const struct fg_alt *over;
	uint8_t iface;

	over = fg_ffs_alt_over_limit(m, &iface);
	if (has_get_alt(d, how, sizeof(how))) {
		if (!over)
			return;
		snprintf(detail, sizeof(detail), "%s:%u: interface %u alt %u", path, over->line,
			 iface, over->number);
		snprintf(advice, sizeof(advice),
			 "at most 3 alt settings (0-%d) per interface: FunctionFS stalls "
			 "SET_INTERFACE above alt %d (f_fs MAX_ALT_SETTINGS); the daemon refuses it",
			 FG_FFS_MAX_ALT, FG_FFS_MAX_ALT);
		missing(d, "alt settings", detail, advice);
		return;
	}
	if (!fg_ffs_alts_needing_get_alt(m, alts, sizeof(alts)))
		return;
	snprintf(advice, sizeof(advice),
		 "has endpoints in %s: this kernel stalls SET_INTERFACE to them "
		 "(FunctionFS get_alt: no, %s); the daemon falls back to every endpoint in alt 0",
		 alts, how);
	warn(d, "alt settings", path, advice);
}

static void probe_description(struct doctor *d, const char *path)
{
	char err[512], name[64], inst[64], mnt[] = "/tmp/ffsgadget-doctor.XXXXXX";
	const struct fg_personality *p;
	struct fg_model *m;
	usbg_state *s = NULL;
	usbg_gadget *g = NULL;
	usbg_function *fn = NULL;
	const char *stage = "creating a scratch gadget";
	bool mounted = false;
	uint8_t dfu_iface;
	int rc;

	if (fg_personality_load(path, &m, &p, err, sizeof(err)) < 0) {
		missing(d, "description", err, "fix the description ('ffsgadget check')");
		return;
	}
	if (!d->root || access(FG_CONFIGFS_GADGETS, W_OK) != 0 || !module_state(d, "usb_f_fs")) {
		printf("  skipped  %-22s %s: the probe needs root, configfs and usb_f_fs\n",
		       "descriptor probe", path);
		if (fg_model_dfu_alt(m, &dfu_iface) && !fg_ffs_dfu_by_version(d->release))
			warn(d, "DFU", path, "has a DFU interface, which needs Linux 6.12 or later "
			     "(judged by version: the probe needs root)");
		check_alts(d, path, m);
		fg_model_free(m);
		return;
	}
	snprintf(name, sizeof(name), "ffsgadget-doctor-%ld", (long)getpid());
	snprintf(inst, sizeof(inst), "doctor%ld", (long)getpid());
	rc = usbg_init(FG_CONFIGFS, &s) == USBG_SUCCESS ? 0 : -EIO;
	if (rc == 0 && usbg_create_gadget(s, name, NULL, NULL, &g) != USBG_SUCCESS)
		rc = -EIO;
	if (rc == 0 && usbg_create_function(g, USBG_F_FFS, inst, NULL, &fn) != USBG_SUCCESS)
		rc = -EIO;
	if (rc == 0 && !mkdtemp(mnt))
		rc = -errno, mnt[0] = '\0';
	if (rc == 0) {
		stage = "mounting a scratch FunctionFS";
		if (mount(inst, mnt, "functionfs", 0, NULL) < 0)
			rc = -errno;
		else
			mounted = true;
	}
	if (rc == 0)
		rc = probe_write(mnt, m, &stage);
	if (rc == 0) {
		ok("descriptor probe", path);
		printf("           this kernel accepts its descriptors\n");
	} else if (rc == -EINVAL && strncmp(stage, "writing", 7) == 0 &&
		   fg_model_dfu_alt(m, &dfu_iface)) {
		snprintf(err, sizeof(err), "%s: the kernel refused them while %s (EINVAL): "
			 "interface %u is DFU", path, stage, dfu_iface);
		missing(d, "descriptor probe", err,
			"DFU needs Linux 6.12 or later: FunctionFS takes the DFU functional "
			"descriptor from then (probed: this kernel refuses it)");
	} else if (rc == -EINVAL && strncmp(stage, "writing", 7) == 0) {
		snprintf(err, sizeof(err), "%s: the kernel refused them while %s (EINVAL)", path,
			 stage);
		missing(d, "descriptor probe", err,
			"FunctionFS takes class descriptors only inside HID and CCID interfaces "
			"(DFU functional descriptors from 6.12): make the function a kernel one "
			"(usb_f_uac2, usb_f_uvc, ...) or drop the class descriptors");
	} else {
		snprintf(err, sizeof(err), "%s: %s: %s", path, stage, strerror(-rc));
		warn(d, "descriptor probe", err, "the probe itself failed; nothing was concluded");
	}
	/* The scratch function has loaded usb_f_fs if it was not: kallsyms can tell now. */
	if (fn && d->get_alt.answer == FG_FFS_FEATURE_UNKNOWN)
		fg_ffs_probe_get_alt(FG_KALLSYMS, &d->get_alt);
	check_alts(d, path, m);
	if (mounted)
		umount(mnt);
	if (mnt[0] && strncmp(mnt, "/tmp/", 5) == 0)
		rmdir(mnt);
	if (g)
		usbg_rm_gadget(g, USBG_RM_RECURSE);
	if (s)
		usbg_cleanup(s);
	fg_model_free(m);
}

static const char *kernel_module_of(const char *type)
{
	static const char *const map[][2] = {
		{ "acm", "usb_f_acm" }, { "gser", "usb_f_serial" }, { "obex", "usb_f_obex" },
		{ "ecm", "usb_f_ecm" }, { "geth", "usb_f_ecm_subset" }, { "ncm", "usb_f_ncm" },
		{ "eem", "usb_f_eem" }, { "rndis", "usb_f_rndis" }, { "phonet", "usb_f_phonet" },
		{ "mass_storage", "usb_f_mass_storage" }, { "midi", "usb_f_midi" },
		{ "Loopback", "usb_f_ss_lb" }, { "hid", "usb_f_hid" }, { "uac2", "usb_f_uac2" },
		{ "printer", "usb_f_printer" }, { "uvc", "usb_f_uvc" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], type) == 0)
			return map[i][1];
	return NULL;
}

static void check_argument(struct doctor *d, const char *arg)
{
	size_t n = strlen(arg);

	if (n > 7 && strcmp(arg + n - 7, ".scheme") == 0) {
		struct fg_scheme s;
		char err[512];

		printf("scheme %s\n", arg);
		if (fg_scheme_load(arg, &s, err, sizeof(err)) < 0) {
			missing(d, "scheme", err, "fix the scheme (configs/README.md)");
			return;
		}
		for (size_t i = 0; i < s.kfunc_count; i++) {
			const char *mod = kernel_module_of(s.kfuncs[i].type);
			char fix[160];

			if (!mod)
				continue;
			snprintf(fix, sizeof(fix), "a kernel with the %s function (%s)",
				 s.kfuncs[i].type, mod);
			check_module(d, mod, false, fix);
		}
		for (size_t i = 0; i < s.ffs_count; i++)
			probe_description(d, s.ffs[i].description);
		fg_scheme_free(&s);
		return;
	}
	printf("description %s\n", arg);
	probe_description(d, arg);
}

int fg_cmd_doctor(int argc, char **argv)
{
	struct doctor d = { .root = geteuid() == 0 };
	struct utsname u;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: ffsgadget doctor [SCHEME|DESCRIPTION...]\n"
		       "  What the kernel offers (configfs, libcomposite, usb_f_fs, UDCs, get_alt),\n"
		       "  and whether it accepts the descriptors of each description given.\n"
		       "  Exit status: 1 when a piece is MISSING (or a description or scheme is\n"
		       "  wrong), 0 otherwise; warnings (what 'up' loads or mounts by itself,\n"
		       "  a probe that could not run) do not change it.\n");
		return 0;
	}
	uname(&u);
	snprintf(d.release, sizeof(d.release), "%s", u.release);
	if (sscanf(u.release, "%u.%u", &d.major, &d.minor) != 2)
		d.major = d.minor = 0;
	check_kernel(&d);
	check_dfu(&d);
	check_dmabuf(&d);
	check_udcs(&d);
	for (int i = 1; i < argc; i++)
		check_argument(&d, argv[i]);
	printf("doctor: %d missing, %d warning%s\n", d.missing, d.warnings,
	       d.warnings == 1 ? "" : "s");
	return d.missing ? 1 : 0;
}
