/* Charts made of characters: a sparkline (one cell per value, eight heights) and a bar (eighths
 * of a cell). Characters rather than colours carry the shape, so a chart reads the same in the
 * mono theme, under NO_COLOR and in a screen dump; ASCII stand-ins outside a UTF-8 locale. */
#include <string.h>

#include "ui.h"

/* The glyph table follows the toolkit's own choice of UTF-8 or ASCII. */
static bool chart_utf8(void)
{
	return strlen(ui_glyph(UI_G_BULLET)) > 1;
}

void ui_sparkline(WINDOW *w, int y, int x, int width, int role, const double *values, int n,
		  double max)
{
	static const char *const fancy[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	static const char *const plain[8] = {"_", ".", "-", "~", "=", "+", "*", "#"};
	const char *const *levels = chart_utf8() ? fancy : plain;
	if (max <= 0)
		for (int i = 0; i < n; i++)
			max = values[i] > max ? values[i] : max;
	for (int i = 0; i < n && i < width; i++) {
		if (values[i] <= 0 || max <= 0) {
			ui_put(w, y, x + i, 1, UI_ROLE_DIM, chart_utf8() ? "·" : " ");
			continue;
		}
		/* Any non-zero value shows at least the lowest step: small is not nothing. */
		double t = values[i] / max * 8.0;
		int level = (int)t;
		if ((double)level == t) /* ceil(t) - 1 without libm */
			level--;
		level = level < 0 ? 0 : level > 7 ? 7 : level;
		ui_put(w, y, x + i, 1, role, levels[level]);
	}
}

void ui_bar(WINDOW *w, int y, int x, int width, int role, double fraction)
{
	static const char *const eighths[8] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
	if (width <= 0)
		return;
	fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
	bool utf8 = chart_utf8();
	int steps = (int)(fraction * width * (utf8 ? 8 : 1) + 0.5);
	int full = utf8 ? steps / 8 : steps, part = utf8 ? steps % 8 : 0;
	char buf[1024];
	size_t used = 0;
	for (int i = 0; i < full && used + 4 < sizeof buf; i++) {
		const char *g = utf8 ? "█" : "#";
		memcpy(buf + used, g, strlen(g));
		used += strlen(g);
	}
	if (part && used + 4 < sizeof buf) {
		memcpy(buf + used, eighths[part], strlen(eighths[part]));
		used += strlen(eighths[part]);
	}
	buf[used] = 0;
	ui_put(w, y, x, width, role, buf);
}
