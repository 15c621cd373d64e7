/*
 * The one-line summary of an import (courses/import.h: "imported: ...", "unchanged: ...", "activated:
 * ...") said in Khmer on a Khmer upload page. The summary is written in English by the domain for the
 * command line too (and shown so on English pages, and after the Khmer sentence on Khmer pages); its
 * three documented forms are read back here.
 */
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/i18n.h"
#include "server/h_learn.h"
#include "server/packages.h"
#include "server/views.h"

static const struct msg import_msgs[] = {
    {"%s version %s (%s) is imported: %s lessons, %s quizzes, %s questions.",
     "វគ្គ %s កំណែ %s (%s) ត្រូវបាននាំចូល៖ មេរៀន %s តេស្ត %s សំណួរ %s។"},
    {"%s version %s (%s) is already imported and in use: nothing changed.",
     "វគ្គ %s កំណែ %s (%s) បាននាំចូលរួចហើយ និងកំពុងប្រើ៖ គ្មានអ្វីផ្លាស់ប្ដូរទេ។"},
    {"%s version %s (%s) was stored already and is in use again.",
     "វគ្គ %s កំណែ %s (%s) បានរក្សាទុករួចហើយ ហើយត្រូវបានប្រើម្ដងទៀត។"},
    {"It replaces version %s.", "វាជំនួសកំណែ %s។"},
};

void import_text_messages_register(void)
{
	i18n_register(import_msgs, sizeof import_msgs / sizeof import_msgs[0]);
}

/* n in the page's digits, in the request's arena. */
static const char *count_text(struct req *r, int n)
{
	char num[16];
	snprintf(num, sizeof num, "%d", n);
	struct buf b = BUF_INIT;
	i18n_digits(&b, r->lang, num);
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

const char *import_summary_text(struct req *r, const char *msg)
{
	/* In English the summary is shown as the command line prints it. */
	if (strcmp(r->lang, "km") != 0)
		return msg;
	char id[128], version[64], lang[16], replaces[64] = "";
	int lessons, quizzes, questions;
	const char *rep = strstr(msg, "; replaces ");
	if (rep)
		sscanf(rep, "; replaces %63s", replaces);
	struct buf b = BUF_INIT;
	if (sscanf(msg, "imported: %127s %63s (%15[^)]): %d lessons, %d quizzes, %d questions", id, version, lang,
		   &lessons, &quizzes, &questions) == 6)
		buf_printf(&b, T(r, "%s version %s (%s) is imported: %s lessons, %s quizzes, %s questions."), id,
			   version, h_learn_lang_label(r, lang), count_text(r, lessons), count_text(r, quizzes),
			   count_text(r, questions));
	else if (sscanf(msg, "unchanged: %127s %63s (%15[^)])", id, version, lang) == 3)
		buf_printf(&b, T(r, "%s version %s (%s) is already imported and in use: nothing changed."), id, version,
			   h_learn_lang_label(r, lang));
	else if (sscanf(msg, "activated: %127s %63s (%15[^)])", id, version, lang) == 3)
		buf_printf(&b, T(r, "%s version %s (%s) was stored already and is in use again."), id, version,
			   h_learn_lang_label(r, lang));
	else
		return T(r, msg); /* another form: through the catalogue as it is */
	if (replaces[0]) {
		buf_putc(&b, ' ');
		buf_printf(&b, T(r, "It replaces version %s."), replaces);
	}
	/* The line the command line prints follows, so it can be quoted to anyone who reads English. */
	buf_printf(&b, " (%s)", msg);
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}
