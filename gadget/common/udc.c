/* SPDX-License-Identifier: MIT */
/* UDC listing, choice, and the retry loop around binding. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/sysfile.h"
#include "common/udc.h"

bool fg_udc_is_virtual(const char *name, const char *driver)
{
	static const char *const virt[] = { "dummy_udc", "vudc", "usbip-vudc", NULL };

	for (size_t i = 0; virt[i]; i++) {
		size_t l = strlen(virt[i]);

		if ((driver && strcmp(driver, virt[i]) == 0) || strncmp(name, virt[i], l) == 0)
			return true;
	}
	return strstr(name, "vudc") != NULL;
}

/* Truncating copy. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void link_base(const char *path, char *buf, size_t len)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *b;

	buf[0] = '\0';
	if (n < 0)
		return;
	target[n] = '\0';
	b = strrchr(target, '/');
	copy_str(buf, len, b ? b + 1 : target);
}

int fg_udc_list(const char *class_dir, const char *gadgets_dir, struct fg_udc *out, size_t max,
		size_t *count)
{
	DIR *d = opendir(class_dir);
	struct dirent *e;

	*count = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) != NULL && *count < max) {
		struct fg_udc *u = &out[*count];
		char path[4096];

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(u->name))
			continue;
		memset(u, 0, sizeof(*u));
		strcpy(u->name, e->d_name);
		snprintf(path, sizeof(path), "%s/%s/device/driver", class_dir, e->d_name);
		link_base(path, u->driver, sizeof(u->driver));
		snprintf(path, sizeof(path), "%s/%s/state", class_dir, e->d_name);
		(void)fg_read_first_line(path, u->state, sizeof(u->state));
		u->is_virtual = fg_udc_is_virtual(u->name, u->driver);
		(*count)++;
	}
	closedir(d);

	d = gadgets_dir ? opendir(gadgets_dir) : NULL;
	while (d && (e = readdir(d)) != NULL) {
		char path[4096], bound[FG_UDC_NAME_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/UDC", gadgets_dir, e->d_name);
		(void)fg_read_first_line(path, bound, sizeof(bound));
		for (size_t i = 0; bound[0] && i < *count; i++)
			if (strcmp(out[i].name, bound) == 0)
				copy_str(out[i].gadget, sizeof(out[i].gadget), e->d_name);
	}
	if (d)
		closedir(d);
	return 0;
}

static int udc_cmp(const void *a, const void *b)
{
	const struct fg_udc *x = a, *y = b;

	if (x->is_virtual != y->is_virtual)
		return x->is_virtual ? 1 : -1;
	return strcmp(x->name, y->name);
}

void fg_udc_sort(struct fg_udc *u, size_t n)
{
	qsort(u, n, sizeof(*u), udc_cmp);
}

static void list_names(const struct fg_udc *u, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s%s%s", i ? ", " : "", u[i].name,
					u[i].gadget[0] ? " (used by " : "", u[i].gadget,
					u[i].gadget[0] ? ")" : "");
}

int fg_udc_choose(const struct fg_udc *u, size_t n, const char *want, const char *self, char *err,
		  size_t errlen)
{
	char names[512];

	list_names(u, n, names, sizeof(names));
	if (n == 0) {
		snprintf(err, errlen, "no UDC in %s: load the controller's driver (dwc2, musb_hdrc, "
			 "or dummy_hcd for tests); 'ffsgadget doctor' tells more", FG_SYS_UDC);
		return -ENODEV;
	}
	for (size_t i = 0; i < n; i++) {
		bool mine = self && strcmp(u[i].gadget, self) == 0;

		if (want && want[0]) {
			if (strcmp(u[i].name, want) != 0)
				continue;
			if (u[i].gadget[0] && !mine) {
				snprintf(err, errlen, "UDC %s is used by gadget %s (ffsgadget down %s)",
					 want, u[i].gadget, u[i].gadget);
				return -EBUSY;
			}
			return (int)i;
		}
		if (!u[i].gadget[0] || mine)
			return (int)i;
	}
	if (want && want[0]) {
		snprintf(err, errlen, "no UDC named %s; present: %s", want, names);
		return -ENODEV;
	}
	snprintf(err, errlen, "every UDC is in use: %s", names);
	return -EBUSY;
}

static void real_sleep(unsigned ms, void *ctx)
{
	(void)ctx;
	fg_sleep_ms(ms);
}

int fg_retry(int (*op)(void *ctx), void *ctx, const struct fg_backoff *b,
	     void (*sleep_ms)(unsigned ms, void *ctx), unsigned *tries)
{
	unsigned waited = 0, delay = b->first_ms ? b->first_ms : 1;
	unsigned n = 0;
	int rc;

	if (!sleep_ms)
		sleep_ms = real_sleep;
	for (;;) {
		rc = op(ctx);
		n++;
		if (rc == 0 || (rc != -EBUSY && rc != -ENODEV && rc != -EAGAIN))
			break;
		if (waited >= b->total_ms)
			break;
		if (delay > b->total_ms - waited)
			delay = b->total_ms - waited;
		sleep_ms(delay, ctx);
		waited += delay;
		delay = delay * 2 > b->max_ms ? b->max_ms : delay * 2;
		if (delay == 0)
			delay = 1;
	}
	if (tries)
		*tries = n;
	return rc;
}
