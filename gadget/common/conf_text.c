/* SPDX-License-Identifier: MIT */
/* Integer widening and nesting limit for libconfig text (see conf_text.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_text.h"

struct prep {
	const char *source;
	char *err;
	size_t errlen;
	unsigned line;
	char *out;
	size_t len, cap;
	/* The last name seen, for messages: "'maxpacket' 999...". */
	const char *key;
	size_t key_len;
};

static int fail(struct prep *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct prep *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->source, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int put(struct prep *p, const char *s, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		size_t cap = (p->cap ? p->cap : 256);
		char *o;

		while (cap < p->len + n + 1)
			cap *= 2;
		o = realloc(p->out, cap);
		if (!o)
			return -ENOMEM;
		p->out = o;
		p->cap = cap;
	}
	memcpy(p->out + p->len, s, n);
	p->len += n;
	p->out[p->len] = '\0';
	return 0;
}

static void count_lines(struct prep *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			p->line++;
}

/* Length of a comment or string starting at c, 0 if none starts there. */
static size_t skip_text(const char *c)
{
	const char *e;

	if (c[0] == '#' || (c[0] == '/' && c[1] == '/')) {
		e = strchr(c, '\n');
		return e ? (size_t)(e - c) : strlen(c);
	}
	if (c[0] == '/' && c[1] == '*') {
		e = strstr(c + 2, "*/");
		return e ? (size_t)(e - c) + 2 : strlen(c);
	}
	if (c[0] == '"') {
		e = c + 1;
		while (*e && *e != '"')
			e += (e[0] == '\\' && e[1]) ? 2 : 1;
		return (size_t)(e - c) + (*e == '"');
	}
	return 0;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '*';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '*' || c == '-' || c == '_';
}

/*
 * A number at c: its length in *n.  Integers are checked and widened; floats
 * and anything libconfig will refuse anyway are copied unchanged.
 */
static int number(struct prep *p, const char *c, size_t *n)
{
	const char *d = c + (*c == '-' || *c == '+');
	bool hex = !(d != c) && d[0] == '0' && (d[1] == 'x' || d[1] == 'X') &&
		   isxdigit((unsigned char)d[2]);
	const char *e = hex ? d + 2 : d;
	size_t digits;
	int ret;

	while (hex ? isxdigit((unsigned char)*e) : isdigit((unsigned char)*e))
		e++;
	digits = (size_t)(e - d);
	if (!hex && (digits == 0 || *e == '.' ||
		     ((*e == 'e' || *e == 'E') &&
		      (isdigit((unsigned char)e[1]) ||
		       ((e[1] == '-' || e[1] == '+') && isdigit((unsigned char)e[2])))))) {
		/* A float (or a lone sign or dot): copied as it is. */
		if (digits == 0 && *e != '.') {
			*n = 1;
			return put(p, c, 1);
		}
		while (isdigit((unsigned char)*e) || *e == '.' || *e == 'e' || *e == 'E' ||
		       ((*e == '-' || *e == '+') && (e[-1] == 'e' || e[-1] == 'E')))
			e++;
		*n = (size_t)(e - c);
		return put(p, c, *n);
	}
	errno = 0;
	if (hex) {
		unsigned long long v = strtoull(d, NULL, 16);

		if (errno == ERANGE || v > (unsigned long long)9223372036854775807LL)
			errno = ERANGE;
	} else {
		(void)strtoll(c, NULL, 10);
	}
	if (errno == ERANGE)
		return fail(p, "%s%.*s%s%.*s is beyond the largest integer a file can hold "
			    "(64-bit, -9223372036854775808..9223372036854775807)",
			    p->key ? "'" : "", (int)p->key_len, p->key ? p->key : "",
			    p->key ? "' " : "", (int)(e - c), c);
	ret = put(p, c, (size_t)(e - c));
	if (ret < 0)
		return ret;
	if (*e == 'L') {
		e += 1 + (e[1] == 'L');
		ret = put(p, "L", 1);
	} else {
		ret = put(p, "L", 1);
	}
	*n = (size_t)(e - c);
	return ret;
}

static const char opening[] = "{([";
static const char closing[] = "})]";

int fg_conf_text_prepare(const char *text, const char *source, char **out, char *err,
			 size_t errlen)
{
	struct prep p = { .source = source ? source : "<text>", .err = err, .errlen = errlen,
			  .line = 1 };
	unsigned depth = 0;
	const char *c = text;
	int ret = 0;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	ret = put(&p, "", 0);
	while (ret == 0 && *c) {
		size_t n = skip_text(c);

		if (n) {
			ret = put(&p, c, n);
			count_lines(&p, c, n);
		} else if (name_start(*c)) {
			for (n = 1; name_char(c[n]); n++)
				;
			p.key = c;
			p.key_len = n;
			ret = put(&p, c, n);
		} else if (isdigit((unsigned char)*c) || *c == '-' || *c == '+' || *c == '.') {
			ret = number(&p, c, &n);
		} else {
			n = 1;
			if (strchr(opening, *c) && ++depth > FG_CONF_NESTING_MAX)
				ret = fail(&p, "groups, lists and arrays nested deeper than %d levels",
					   FG_CONF_NESTING_MAX);
			else if (strchr(closing, *c) && depth)
				depth--;
			else if (*c == '\n')
				p.line++;
			if (ret == 0)
				ret = put(&p, c, 1);
		}
		c += n;
	}
	if (ret < 0) {
		free(p.out);
		return ret;
	}
	*out = p.out;
	return 0;
}

bool fg_conf_int(const config_setting_t *s, long long *out)
{
	if (!s)
		return false;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return true;
	case CONFIG_TYPE_INT64:
		*out = config_setting_get_int64(s);
		return true;
	default:
		return false;
	}
}
