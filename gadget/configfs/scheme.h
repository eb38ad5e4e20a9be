/* SPDX-License-Identifier: MIT */
/*
 * Gadget schemes (configs/NAME.scheme): a libusbgx gadget scheme, imported
 * as is by usbg_import_gadget, plus what libusbgx ignores and ffsgadget
 * reads: groups named "ffsgadget", one at the top (gadget-wide settings)
 * and one inside each ffs function (which description its daemon serves).
 * Reference: configs/README.md.
 */
#ifndef FFSGADGET_SCHEME_H
#define FFSGADGET_SCHEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FG_SCHEME_MAX_FUNCS 16
#define FG_SCHEME_MAX_ARGS 16
#define FG_SCHEME_NAME_MAX 64

/* One FunctionFS function: configfs functions/ffs.INSTANCE, served by a daemon. */
struct fg_scheme_ffs {
	char instance[FG_SCHEME_NAME_MAX];
	char *description;          /* path, relative ones resolved against the scheme */
	char *wrapper;              /* optional program the daemon's command line is given to */
	char *args[FG_SCHEME_MAX_ARGS]; /* extra "ffsgadget run" options */
	size_t arg_count;
	unsigned line;
};

/* A kernel function (acm, ncm, hid, Loopback, ...): libusbgx makes it. */
struct fg_scheme_kfunc {
	char type[FG_SCHEME_NAME_MAX];
	char instance[FG_SCHEME_NAME_MAX];
};

struct fg_scheme {
	char *path;
	char name[FG_SCHEME_NAME_MAX];  /* configfs gadget directory */
	char udc[FG_SCHEME_NAME_MAX];   /* "" : choose automatically */
	char board[FG_SCHEME_NAME_MAX]; /* "" : detect; "none": no budget check */
	char *mount_dir;                /* FunctionFS INSTANCE is mounted at mount_dir/ffs-INSTANCE */
	char *run_dir;                  /* PID and ready files under run_dir/NAME/ */
	char *log;                      /* daemons' output, appended; NULL: inherited */
	/* FunctionFS mount ownership, so that daemons need no root. */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	unsigned rmode, fmode;          /* 0: the kernel's default */
	unsigned ready_timeout_ms;      /* daemons' readiness */
	unsigned bind_timeout_ms;       /* EBUSY/ENODEV retries of the UDC bind */
	/* configfs os_desc: Windows asks for MS OS descriptors only with these. */
	bool os_desc;
	uint8_t os_vendor_code;
	char os_qw_sign[16];
	int os_config;                  /* configuration id linked to os_desc */
	struct fg_scheme_ffs ffs[FG_SCHEME_MAX_FUNCS];
	size_t ffs_count;
	struct fg_scheme_kfunc kfuncs[FG_SCHEME_MAX_FUNCS];
	size_t kfunc_count;
};

#define FG_RUN_DIR "/run/ffsgadget"
#define FG_MOUNT_DIR "/dev"

/*
 * Loads and checks path.  Returns 0, or a negative errno and one message
 * "path:line: problem" in err.  Nothing is touched outside the file.
 */
int fg_scheme_load(const char *path, struct fg_scheme *s, char *err, size_t errlen);
void fg_scheme_free(struct fg_scheme *s);

/* mount_dir/ffs-INSTANCE */
int fg_scheme_mount_point(const struct fg_scheme *s, const struct fg_scheme_ffs *f, char *buf,
			  size_t len);
/* run_dir/NAME, and files in it: run_dir/NAME/INSTANCE.SUFFIX */
int fg_scheme_state_dir(const char *run_dir, const char *name, char *buf, size_t len);
int fg_scheme_state_file(const char *run_dir, const char *name, const char *instance,
			 const char *suffix, char *buf, size_t len);
/* "uid=1000,gid=1000,rmode=0770,fmode=0660", or "" when nothing is set. */
void fg_scheme_mount_options(const struct fg_scheme *s, char *buf, size_t len);

#endif
