/* SPDX-License-Identifier: MIT */
/*
 * Applies a board profile's boot configuration to mounted partitions:
 * config.txt lines, cmdline.txt words, masked systemd units.  Each step
 * first looks whether the partition already says it, so a second run
 * changes nothing.  Files are replaced through a temporary file and
 * rename(), keeping their mode: a boot partition is often vfat.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sysfile.h"
#include "configfs/board.h"

struct text {
	char *data;
	size_t len;
};

static int read_text(const char *path, struct text *t)
{
	int fd = fg_open_regular(path);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char buf[4096];
	size_t n;

	t->data = NULL;
	t->len = 0;
	if (fd >= 0 && !f)
		close(fd);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (!f)
		return -ENOMEM;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *d = realloc(t->data, t->len + n + 1);

		if (!d || t->len + n > (1u << 20)) {
			free(d ? d : t->data);
			t->data = NULL;
			fclose(f);
			return d ? -EFBIG : -ENOMEM;
		}
		t->data = d;
		memcpy(t->data + t->len, buf, n);
		t->len += n;
		t->data[t->len] = '\0';
	}
	fclose(f);
	return 0;
}

static int write_text(const char *path, const char *data, size_t len)
{
	char tmp[4200];
	struct stat st;
	mode_t mode = 0644;
	int fd, rc = 0;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	snprintf(tmp, sizeof(tmp), "%s.ffsgadget-tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0) {
			rc = -errno;
			break;
		}
		data += w;
		len -= (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static bool line_is(const char *line, size_t len, const char *text)
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	return strlen(text) == len && memcmp(line, text, len) == 0;
}

static bool is_section(const char *line, size_t len)
{
	return len > 1 && line[0] == '[';
}

/*
 * The file holds op->text in op->section (or outside any section when the
 * op names none).  Older lines starting with op->replace are commented out.
 */
static int apply_line(const struct fg_boot_op *op, const char *path, FILE *out)
{
	struct text t;
	char *res;
	size_t rl = 0, start = 0;
	bool present = false, in_place = true, replaced = false;
	char last_section[128] = "";
	int rc = read_text(path, &t);

	if (rc < 0)
		return rc;
	/* Scan: is the line there already, in the right section? */
	for (size_t i = 0; i <= t.len && t.data; i++) {
		if (i < t.len && t.data[i] != '\n')
			continue;
		const char *l = t.data + start;
		size_t ll = i - start;

		if (is_section(l, ll)) {
			snprintf(last_section, sizeof(last_section), "%.*s", (int)ll, l);
			in_place = op->section && line_is(l, ll, op->section);
		} else if (line_is(l, ll, op->text) && (in_place || !op->section)) {
			present = true;
		}
		start = i + 1;
	}
	if (present) {
		free(t.data);
		return 0;
	}
	res = malloc(t.len * 2 + strlen(op->text) + (op->section ? strlen(op->section) : 0) + 8);
	if (!res) {
		free(t.data);
		return -ENOMEM;
	}
	start = 0;
	for (size_t i = 0; i < t.len; i++) {
		if (t.data[i] != '\n' && i + 1 < t.len)
			continue;
		const char *l = t.data + start;
		size_t ll = i - start + 1;

		if (op->replace && strncmp(l, op->replace, strlen(op->replace)) == 0) {
			res[rl++] = '#';
			replaced = true;
			fprintf(out, "  %s: commented out: %.*s\n", path,
				(int)(l[ll - 1] == '\n' ? ll - 1 : ll), l);
		}
		memcpy(res + rl, l, ll);
		rl += ll;
		start = i + 1;
	}
	if (rl && res[rl - 1] != '\n')
		res[rl++] = '\n';
	if (op->section && strcmp(last_section, op->section) != 0)
		rl += (size_t)sprintf(res + rl, "%s\n", op->section);
	rl += (size_t)sprintf(res + rl, "%s\n", op->text);
	rc = write_text(path, res, rl);
	free(res);
	free(t.data);
	if (rc == 0)
		fprintf(out, "  %s: added %s%s\n", path, op->text, replaced ? " (replacing)" : "");
	return rc < 0 ? rc : 1;
}

/* key=a,b: the word's key and whether its value list holds every value of want. */
static bool word_has(const char *w, size_t wl, const char *want)
{
	const char *eq = strchr(want, '=');
	size_t kl;

	if (wl == strlen(want) && memcmp(w, want, wl) == 0)
		return true;
	if (!eq)
		return false;
	kl = (size_t)(eq - want) + 1;
	if (wl < kl || memcmp(w, want, kl) != 0)
		return false;
	for (const char *v = eq + 1; *v;) {
		size_t vl = strcspn(v, ","), pos = kl;
		bool found = false;

		while (pos < wl) {
			size_t el = 0;

			while (pos + el < wl && w[pos + el] != ',')
				el++;
			if (el == vl && memcmp(w + pos, v, vl) == 0)
				found = true;
			pos += el + 1;
		}
		if (!found)
			return false;
		v += vl + (v[vl] == ',');
	}
	return true;
}

/* cmdline.txt: one line of words.  key=values words merge into an existing key. */
static int apply_word(const struct fg_boot_op *op, const char *path, FILE *out)
{
	struct text t;
	const char *eq = strchr(op->text, '=');
	size_t line_len, kl = eq ? (size_t)(eq - op->text) + 1 : 0;
	char *res;
	size_t rl = 0, merge_at = 0, after_end = 0;
	bool merge = false;
	int rc = read_text(path, &t);

	if (rc < 0)
		return rc;
	if (!t.data) {
		free(t.data);
		return -ENOENT;
	}
	line_len = strcspn(t.data, "\n");
	for (size_t i = 0; i < line_len;) {
		size_t wl;

		while (i < line_len && (t.data[i] == ' ' || t.data[i] == '\t'))
			i++;
		wl = strcspn(t.data + i, " \t\n");
		if (!wl)
			break;
		if (word_has(t.data + i, wl, op->text)) {
			free(t.data);
			return 0;
		}
		if (kl && wl > kl && memcmp(t.data + i, op->text, kl) == 0 && !merge)
			merge = true, merge_at = i + wl;
		if (op->after && wl == strlen(op->after) && memcmp(t.data + i, op->after, wl) == 0)
			after_end = i + wl;
		i += wl;
	}
	res = malloc(t.len + strlen(op->text) + 4);
	if (!res) {
		free(t.data);
		return -ENOMEM;
	}
	if (merge) {
		memcpy(res, t.data, merge_at);
		rl = merge_at + (size_t)sprintf(res + merge_at, ",%s", op->text + kl);
		memcpy(res + rl, t.data + merge_at, t.len - merge_at);
		rl += t.len - merge_at;
	} else {
		size_t at = after_end ? after_end : line_len;

		while (!after_end && at > 0 && (t.data[at - 1] == ' ' || t.data[at - 1] == '\r'))
			at--;
		memcpy(res, t.data, at);
		rl = at + (size_t)sprintf(res + at, "%s%s", at ? " " : "", op->text);
		memcpy(res + rl, t.data + at, t.len - at);
		rl += t.len - at;
	}
	if (rl == 0 || res[rl - 1] != '\n')
		res[rl++] = '\n';
	rc = write_text(path, res, rl);
	free(res);
	free(t.data);
	if (rc == 0)
		fprintf(out, "  %s: added %s\n", path, op->text);
	return rc < 0 ? rc : 1;
}

static int apply_mask(const struct fg_boot_op *op, const char *root, FILE *out)
{
	char dir[4096], path[4200], target[64];
	ssize_t n;
	int rc;

	snprintf(dir, sizeof(dir), "%s/etc/systemd/system", root);
	snprintf(path, sizeof(path), "%s/%s", dir, op->text);
	n = readlink(path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, "/dev/null") == 0)
			return 0;
		return -EEXIST;
	}
	if (errno != ENOENT)
		return errno == EINVAL ? -EEXIST : -errno;
	rc = fg_mkdir_p(dir, 0755);
	if (rc < 0)
		return rc;
	if (symlink("/dev/null", path) < 0)
		return -errno;
	fprintf(out, "  %s: masked (-> /dev/null)\n", path);
	return 1;
}

int fg_board_install(const struct fg_board *b, const char *boot_dir, const char *root_dir,
		     FILE *out, char *err, size_t errlen)
{
	int changes = 0;

	for (size_t i = 0; i < b->boot_count; i++) {
		const struct fg_boot_op *op = &b->boot[i];
		const char *base = op->root ? root_dir : boot_dir;
		char path[4096];
		int rc;

		if (!base)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, op->file ? op->file : "");
		switch (op->kind) {
		case FG_BOOT_LINE: rc = apply_line(op, path, out); break;
		case FG_BOOT_WORD: rc = apply_word(op, path, out); break;
		default: rc = apply_mask(op, base, out); break;
		}
		if (rc < 0) {
			if (op->kind == FG_BOOT_MASK && rc == -EEXIST)
				snprintf(err, errlen, "%s/etc/systemd/system/%s exists and is not a "
					 "mask: remove it or mask the unit by hand", base, op->text);
			else if (op->kind == FG_BOOT_WORD && rc == -ENOENT)
				snprintf(err, errlen, "%s: missing (is %s the %s partition?)", path,
					 base, op->root ? "root" : "boot");
			else
				snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			return rc;
		}
		if (rc > 0 && op->comment)
			fprintf(out, "    (%s)\n", op->comment);
		changes += rc;
	}
	return changes;
}
