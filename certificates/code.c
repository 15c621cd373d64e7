/*
 * Verification codes: 10 Crockford base32 symbols, grouped XXXX-XXXX-XX. The
 * last is a Luhn mod 32 check symbol, which catches every single wrong symbol
 * and most swaps of neighbours, so a typo says "check the code" instead of
 * "unknown certificate".
 */
#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "certificates/cert.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Value of a typed symbol, or -1. Crockford: O is 0, I and L are 1, U is not used. */
static int symbol_value(int ch)
{
	ch = toupper(ch);
	if (ch == 'O')
		ch = '0';
	else if (ch == 'I' || ch == 'L')
		ch = '1';
	const char *p = ch ? strchr(alphabet, ch) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Luhn mod N: the sum over the symbols from the right, doubling every second one. */
static int luhn_sum(const int *v, size_t n, int factor)
{
	int sum = 0;
	for (size_t i = n; i-- > 0;) {
		int add = factor * v[i];
		factor = factor == 2 ? 1 : 2;
		sum += add / 32 + add % 32;
	}
	return sum % 32;
}

static void format_code(const int v[10], char out[16])
{
	size_t o = 0;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 8)
			out[o++] = '-';
		out[o++] = alphabet[v[i]];
	}
	out[o] = '\0';
}

void cert_code_new(char out[16])
{
	int v[10];
	unsigned char r[9];
	randombytes_buf(r, sizeof r); /* one system call, not nine: demo data makes 150,000 codes */
	for (int i = 0; i < 9; i++)
		v[i] = r[i] & 31; /* 256 is a multiple of 32, so uniform */
	sodium_memzero(r, sizeof r);
	v[9] = (32 - luhn_sum(v, 9, 2)) % 32;
	format_code(v, out);
}

int cert_code_normalize(const char *in, char out[16])
{
	int v[10];
	size_t n = 0;
	if (!in)
		return -1;
	for (const char *p = in; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		int x = symbol_value((unsigned char)*p);
		if (x < 0 || n == 10)
			return -1;
		v[n++] = x;
	}
	if (n != 10 || luhn_sum(v, 10, 1) != 0)
		return -1;
	format_code(v, out);
	return 0;
}
