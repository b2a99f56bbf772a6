/* Layout math, kept free of curses state so it is unit-tested: splitting a width into equal
 * parts, adaptive column widths that drop the least important columns first, and centring. */
#include <string.h>

#include "ui.h"

void ui_layout_split(int total, int n, int gap, int *out)
{
	if (n <= 0)
		return;
	int avail = total - gap * (n - 1);
	if (avail < 0)
		avail = 0;
	/* The remainder goes to the first parts, one column each, so widths differ by <= 1. */
	for (int i = 0; i < n; i++)
		out[i] = avail / n + (i < avail % n);
}

int ui_layout_columns(int total, const struct ui_column_spec *spec, int n, int *out)
{
	bool keep[64];
	if (n > 64)
		n = 64;
	int kept = n;
	for (int i = 0; i < n; i++)
		keep[i] = true;
	for (;;) {
		int need = 0;
		for (int i = 0; i < n; i++)
			if (keep[i])
				need += spec[i].min;
		need += kept > 0 ? kept - 1 : 0;
		if (need <= total || kept == 0)
			break;
		int drop = -1;
		for (int i = 0; i < n; i++)
			if (keep[i] && (drop < 0 || spec[i].priority >= spec[drop].priority))
				drop = i;
		keep[drop] = false;
		kept--;
	}
	int left = total - (kept > 0 ? kept - 1 : 0);
	for (int i = 0; i < n; i++) {
		out[i] = keep[i] ? spec[i].min : 0;
		left -= out[i];
	}
	/* Share what is left by weight; columns that reach their maximum give the rest back. */
	while (left > 0) {
		int weights = 0;
		for (int i = 0; i < n; i++)
			if (keep[i] && spec[i].weight > 0 && (spec[i].max == 0 || out[i] < spec[i].max))
				weights += spec[i].weight;
		if (weights == 0)
			break;
		int given = 0, pool = left;
		for (int i = 0; i < n && left > 0; i++) {
			if (!keep[i] || spec[i].weight <= 0 || (spec[i].max && out[i] >= spec[i].max))
				continue;
			int share = pool * spec[i].weight / weights;
			if (share == 0)
				share = 1;
			if (spec[i].max && out[i] + share > spec[i].max)
				share = spec[i].max - out[i];
			if (share > left)
				share = left;
			out[i] += share;
			left -= share;
			given += share;
		}
		if (given == 0)
			break;
	}
	return kept;
}

void ui_layout_center(int lines, int cols, int want_h, int want_w, int *y, int *x, int *h,
		      int *w)
{
	*h = want_h < lines ? want_h : lines;
	*w = want_w < cols ? want_w : cols;
	if (*h < 0)
		*h = 0;
	if (*w < 0)
		*w = 0;
	*y = (lines - *h) / 2;
	*x = (cols - *w) / 2;
}
