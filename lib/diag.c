#include "lib/diag.h"

void problem_vadd(struct problems *pr, const char *file, int line, const char *fmt, va_list ap)
{
	if (!pr)
		return;
	buf_printf(&pr->text, "%s:%d: ", file, line > 0 ? line : 1);
	buf_vprintf(&pr->text, fmt, ap);
	buf_putc(&pr->text, '\n');
	pr->n++;
}

void problem_add(struct problems *pr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problem_vadd(pr, file, line, fmt, ap);
	va_end(ap);
}

void problem_warn(struct problems *pr, const char *file, int line, const char *fmt, ...)
{
	if (!pr)
		return;
	buf_printf(&pr->warnings, "%s:%d: warning: ", file, line > 0 ? line : 1);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&pr->warnings, fmt, ap);
	va_end(ap);
	buf_putc(&pr->warnings, '\n');
	pr->nwarnings++;
}

const char *problems_text(const struct problems *pr)
{
	return buf_str(&pr->text);
}

const char *problems_warnings(const struct problems *pr)
{
	return buf_str(&pr->warnings);
}

void problems_write(const struct problems *pr, FILE *f)
{
	fputs(problems_text(pr), f);
	fputs(problems_warnings(pr), f);
}

void problems_release(struct problems *pr)
{
	buf_release(&pr->text);
	buf_release(&pr->warnings);
	pr->n = pr->nwarnings = 0;
}
