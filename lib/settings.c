#include "lib/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/db.h"
#include "lib/netaddr.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const struct setting_def defs[] = {
    {"issuer_en", SETTING_TEXT, "Ministry of Interior", "issuing authority, English (printed and signed)", 0, 0},
    {"issuer_km", SETTING_TEXT, "ក្រសួងមហាផ្ទៃ", "issuing authority, Khmer (printed and signed)", 0, 0},
    {"base_url", SETTING_URL, "http://127.0.0.1:8080", "public address; QR codes point to BASE_URL/verify/CODE", 0, 0},
    {"cert_color", SETTING_COLOR, "#0b4f8a", "certificate frame and heading colour, #rrggbb", 0, 0},
    {"cert_logo_path", SETTING_PNG_PATH, "", "PNG file printed top left on certificates", 0, 0},
    {"cert_signature_path", SETTING_PNG_PATH, "", "PNG file printed over the signature line", 0, 0},
    /* Limits on uploaded course packages (docs/package-format.md); ranges as pkg_limits_set() accepts. */
    {"package_max_entries", SETTING_INT, "10000", "uploaded packages: most files and folders", 1, 1000000},
    {"package_max_entry_mb", SETTING_INT, "200", "uploaded packages: largest file, MB", 1, 16384},
    {"package_max_total_mb", SETTING_INT, "1024", "uploaded packages: largest total uncompressed, MB", 1, 65536},
    {"package_max_markdown_kb", SETTING_INT, "256", "uploaded packages: largest Markdown or quiz file, KB", 1, 4096},
    {"package_max_ratio", SETTING_INT, "200", "uploaded packages: largest compression ratio of big files", 2, 100000},
    /* Read by the server every few seconds (server/server.c); docs/accounts.md. */
    {"trusted_proxies", SETTING_ADDRESSES, "",
     "proxies (IPv4 addresses or ranges, comma-separated) whose X-Forwarded-For names the client", 0, 0},
    /* docs/monitoring.md: with it, /metrics also answers non-loopback clients sending "Authorization: Bearer TOKEN". */
    {"metrics_token", SETTING_TOKEN, "", "bearer token for /metrics from other hosts (32+ letters, digits, - _)", 0, 0},
    /* The small-group rule of reports (docs/reports.md, reports/report.h). */
    {"report_min_group", SETTING_INT, "5", "reports: fewest people behind an average, rate or share shown", 1, 1000},
    {"report_min_parity_group", SETTING_INT, "10", "reports: fewest women and fewest men behind a parity index shown",
     1, 1000},
    /* training/checkin.h: QR self check-in is open from a day's start less this to its end plus this. */
    {"checkin_margin_minutes", SETTING_INT, "30",
     "QR check-in opens this many minutes before a session day and closes this many after", 0, 720},
};

bool setting_secret(const struct setting_def *d)
{
	return d && d->type == SETTING_TOKEN;
}

const struct setting_def *settings_table(size_t *n)
{
	*n = sizeof defs / sizeof defs[0];
	return defs;
}

const struct setting_def *setting_find(const char *name)
{
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if (name && strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

int setting_check(const struct setting_def *d, const char *v, struct err *e)
{
	size_t n = strlen(v);
	if (n > 500)
		return err_set(e, "%s: longer than 500 characters", d->name);
	if (!utf8_valid(v, n))
		return err_set(e, "%s: not valid UTF-8", d->name);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			return err_set(e, "%s: contains a control character", d->name);
	if (n == 0)
		return 0;
	switch (d->type) {
	case SETTING_TEXT:
		return 0;
	case SETTING_COLOR:
		if (n != 7 || v[0] != '#' || strspn(v + 1, "0123456789abcdefABCDEF") != 6)
			return err_set(e, "%s: '%s' is not a colour like #0b4f8a", d->name, v);
		return 0;
	case SETTING_URL:
		if (!(str_starts(v, "http://") || str_starts(v, "https://")) || strpbrk(v, " \"'<>") || v[n - 1] == '/')
			return err_set(e,
				       "%s: '%s' is not an address like https://sala.example.gov.kh (no "
				       "trailing /)",
				       d->name, v);
		return 0;
	case SETTING_PNG_PATH: {
		struct stat sb;
		if (v[0] != '/')
			return err_set(e, "%s: '%s' must be an absolute path", d->name, v);
		if (stat(v, &sb) < 0 || !S_ISREG(sb.st_mode))
			return err_set(e, "%s: no file '%s'", d->name, v);
		FILE *f = fopen(v, "rb");
		unsigned char magic[8] = {0};
		size_t got = f ? fread(magic, 1, 8, f) : 0;
		if (f)
			fclose(f);
		if (got != 8 || memcmp(magic, "\x89PNG\r\n\x1a\n", 8) != 0)
			return err_set(e, "%s: '%s' is not a PNG image", d->name, v);
		return 0;
	}
	case SETTING_ADDRESSES:
		return netaddr_list_check(v, e);
	case SETTING_TOKEN:
		if (n < 32 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n)
			return err_set(e, "%s: must be at least 32 letters, digits, - or _ (e.g. openssl rand -hex 32)",
				       d->name);
		return 0;
	case SETTING_INT: {
		char *end;
		errno = 0;
		long long x = strtoll(v, &end, 10);
		if (errno || end == v || *end || x < d->min || x > d->max)
			return err_set(e, "%s: '%s' is not a whole number from %lld to %lld", d->name, v, d->min,
				       d->max);
		return 0;
	}
	}
	return 0;
}

int setting_set(struct db *db, const char *name, const char *value, struct err *e)
{
	const struct setting_def *d = setting_find(name);
	if (!d)
		return err_set(e, "unknown setting '%s' (see 'sala settings list')", name ? name : "");
	if (setting_check(d, value ? value : "", e) < 0)
		return -1;
	struct db_stmt *st;
	if (!value || !*value) {
		st = db_stmt(db, "DELETE FROM settings WHERE key = ?");
		db_bind_text(st, 1, name);
	} else {
		st =
		    db_stmt(db, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
				"excluded.value");
		db_bind_text(st, 1, name);
		db_bind_text(st, 2, value);
	}
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot save '%s': %s", name, db_errmsg(db));
	db_finish(st);
	return rc;
}

char *setting_value(struct db *db, const char *name)
{
	char *v = db_setting_get(db, name);
	if (v)
		return v;
	const struct setting_def *d = setting_find(name);
	return xstrdup(d ? d->def : "");
}
