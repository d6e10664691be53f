/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drawing pieces shared by the screens. */
#include "config.h"

#include "screens/widgets.h"
#include "screens/keys.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Decodes UTF-8 into a fresh wide string; invalid bytes become U+FFFD. */
static wchar_t *widen(const char *text, size_t *out_len)
{
	size_t len = strlen(text), n = 0;
	wchar_t *w = xcalloc(len + 1, sizeof *w);
	mbstate_t st;

	memset(&st, 0, sizeof st);
	while (*text) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, text, len, &st);

		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			wc = 0xfffd;
			r = 1;
			memset(&st, 0, sizeof st);
		}
		w[n++] = wc;
		text += r;
		len -= r;
	}
	w[n] = 0;
	*out_len = n;
	return w;
}

/* Counts columns (text_columns()). */
int widget_width(const char *text)
{
	return text_columns(text);
}

/* Draws text clipped to a width. */
int widget_text(WINDOW *win, int y, int x, int width, int attr,
		const char *text)
{
	size_t n;
	wchar_t *w;
	int cols = 0;

	if (width <= 0 || !text)
		return 0;
	w = widen(text, &n);
	wmove(win, y, x);
	wattron(win, attr);
	for (size_t i = 0; i < n; i++) {
		wchar_t wc = w[i];
		int cw = wcwidth(wc);

		if (cw < 0) {
			wc = 0xfffd;
			cw = 1;
		}
		if (cols + cw > width)
			break;
		waddnwstr(win, &wc, 1);
		cols += cw;
	}
	wattroff(win, attr);
	free(w);
	return cols;
}

/* Formats, then draws clipped. */
int widget_textf(WINDOW *win, int y, int x, int width, int attr,
		 const char *format, ...)
{
	va_list ap;
	char *s;
	int used;

	va_start(ap, format);
	s = xvasprintf(format, ap);
	va_end(ap);
	used = widget_text(win, y, x, width, attr, s);
	free(s);
	return used;
}

/* The byte length of the UTF-8 character at text (1 for a bad byte)
 * and its columns in *cols (1 for what wcwidth() cannot measure). */
static size_t char_at(const char *text, size_t left, int *cols)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;

	memset(&st, 0, sizeof st);
	r = mbrtowc(&wc, text, left, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*cols = 1;
		return 1;
	}
	*cols = wcwidth(wc);
	if (*cols < 0)
		*cols = 1;
	return r;
}

/* Cuts text into rows of at most width columns: at the last space that
 * fits, at a newline, and inside a word only when the word alone is
 * wider than a row (long German compounds, addresses). The spaces a row
 * ends at are dropped. Calls emit(arg, row, bytes, len) for each row
 * and returns how many there are. */
static int wrap_rows(const char *text, int width,
		     void (*emit)(void *arg, int row, const char *s,
				  size_t len),
		     void *arg)
{
	const char *p = text;
	int rows = 0;

	if (width < 1 || !text)
		return 0;
	while (*p) {
		const char *start = p, *cut = NULL, *resume = NULL;
		size_t left = strlen(p);
		int cols = 0;

		while (*p && *p != '\n') {
			int cw;
			size_t n = char_at(p, left, &cw);

			if (*p == ' ') {
				cut = p;
				resume = p + 1;
			}
			if (cols + cw > width && p > start) {
				if (*p == ' ' || !cut) {
					cut = p;
					resume = p;
				}
				break;
			}
			cols += cw;
			p += n;
			left -= n;
		}
		if (!*p || *p == '\n') {
			cut = p;
			resume = *p ? p + 1 : p;
		}
		/* The spaces a row breaks at belong to neither row. */
		while (cut > start && cut[-1] == ' ' && *cut != '\n' && *cut)
			cut--;
		while (*resume == ' ' && resume > start && resume[-1] != '\n')
			resume++;
		emit(arg, rows++, start, (size_t)(cut - start));
		p = resume;
	}
	return rows;
}

/* Where widget_wrap() draws. */
struct wrap_target {
	WINDOW *win;
	int y, x, width, max_y, skip, attr;
};

/* Draws one row of widget_wrap(). */
static void wrap_draw(void *arg, int row, const char *s, size_t len)
{
	struct wrap_target *t = arg;
	int at = t->y + row - t->skip;
	char *part;

	if (row < t->skip || at >= t->max_y)
		return;
	part = xstrndup(s, len);
	widget_text(t->win, at, t->x, t->width, t->attr, part);
	free(part);
}

/* Wraps text at spaces (and at newlines). */
int widget_wrap(WINDOW *win, int y, int x, int width, int max_y, int skip,
		int attr, const char *text)
{
	struct wrap_target t = { win, y, x, width, max_y, skip, attr };

	return wrap_rows(text, width, wrap_draw, &t);
}

/* Collects one row of widget_wrap_split(). */
static void wrap_collect(void *arg, int row, const char *s, size_t len)
{
	char ***rows = arg;

	*rows = xrealloc(*rows, ((size_t)row + 1) * sizeof **rows);
	(*rows)[row] = xstrndup(s, len);
}

/* The rows of widget_wrap() as strings. */
int widget_wrap_split(const char *text, int width, char ***rows)
{
	*rows = NULL;
	return wrap_rows(text, width, wrap_collect, rows);
}

/* The rows of text with a hanging indent. */
int widget_wrap_hanging(const char *text, int width, char ***rows)
{
	/* Continuation rows keep the text's indentation, two more. */
	int indent = (int)strspn(text, " ") + 2;
	int n = widget_wrap_split(text, width, rows);
	const char *rest;
	char **more;
	int m;

	if (indent > width / 2)
		indent = 0;
	if (n <= 1)
		return n;
	/* The first row is a prefix of the text; the rest wraps again in
	 * the columns the indentation leaves. */
	rest = text + strlen((*rows)[0]);
	rest += strspn(rest, " ");
	m = widget_wrap_split(rest, width - indent, &more);
	for (int i = 1; i < n; i++)
		free((*rows)[i]);
	*rows = xrealloc(*rows, ((size_t)m + 1) * sizeof **rows);
	for (int i = 0; i < m; i++) {
		(*rows)[i + 1] = xasprintf("%*s%s", indent, "", more[i]);
		free(more[i]);
	}
	free(more);
	return m + 1;
}

/* Draws text with a hanging indent. */
int widget_wrap_indented(WINDOW *win, int y, int x, int width, int max_y,
			 int attr, const char *text)
{
	char **rows;
	int n = widget_wrap_hanging(text, width, &rows);

	for (int i = 0; i < n; i++) {
		if (y + i < max_y)
			widget_text(win, y + i, x, width, attr, rows[i]);
		free(rows[i]);
	}
	free(rows);
	return n;
}

/* Draws a proportional bar. */
void widget_bar(WINDOW *win, int y, int x, int width, double value, double max,
		int attr, int dim_attr)
{
	int filled = 0;

	if (width <= 0)
		return;
	if (max > 0 && value > 0)
		filled = (int)(value / max * width + 0.5);
	if (filled > width)
		filled = width;
	if (value > 0 && filled == 0)
		filled = 1;
	wmove(win, y, x);
	wattron(win, attr | A_REVERSE);
	for (int i = 0; i < filled; i++)
		waddch(win, ' ');
	wattroff(win, attr | A_REVERSE);
	wattron(win, dim_attr);
	for (int i = filled; i < width; i++)
		waddch(win, ACS_CKBOARD);
	wattroff(win, dim_attr);
}

/* Moves a list cursor. */
bool widget_list_key(struct widget_list *list, enum command cmd, size_t count,
		     int page)
{
	size_t step = page > 1 ? (size_t)page - 1 : 1;

	switch (cmd) {
	case CMD_UP:
		if (list->selected > 0)
			list->selected--;
		return true;
	case CMD_DOWN:
		if (list->selected + 1 < count)
			list->selected++;
		return true;
	case CMD_PAGE_UP:
		list->selected =
		    list->selected > step ? list->selected - step : 0;
		return true;
	case CMD_PAGE_DOWN:
		list->selected += step;
		if (count == 0)
			list->selected = 0;
		else if (list->selected >= count)
			list->selected = count - 1;
		return true;
	case CMD_TOP:
		list->selected = 0;
		return true;
	case CMD_BOTTOM:
		list->selected = count ? count - 1 : 0;
		return true;
	default:
		return false;
	}
}

/* Scrolls so that the selection shows. */
void widget_list_clamp(struct widget_list *list, size_t count, int height)
{
	if (height < 1)
		height = 1;
	if (count == 0) {
		list->selected = list->top = 0;
		return;
	}
	if (list->selected >= count)
		list->selected = count - 1;
	if (list->selected < list->top)
		list->top = list->selected;
	if (list->selected >= list->top + (size_t)height)
		list->top = list->selected - (size_t)height + 1;
	if (list->top + (size_t)height > count)
		list->top = count > (size_t)height ? count - (size_t)height : 0;
}

/* Opens an input. */
void widget_input_start(struct widget_input *in, const char *initial)
{
	in->active = true;
	in->text[0] = '\0';
	if (initial)
		snprintf(in->text, sizeof in->text, "%s", initial);
	in->len = strlen(in->text);
}

/* Removes the last UTF-8 character. */
static void input_backspace(struct widget_input *in)
{
	while (in->len > 0) {
		unsigned char c = (unsigned char)in->text[--in->len];

		if ((c & 0xc0) != 0x80)
			break;
	}
	in->text[in->len] = '\0';
}

/* Edits an input with a key. */
enum widget_input_result widget_input_key(struct widget_input *in,
					  struct tui_key key)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	if (!in->active)
		return INPUT_IGNORED;
	if (key.fkey) {
		switch (key.code) {
		case KEY_BACKSPACE:
			input_backspace(in);
			return INPUT_CHANGED;
		case KEY_ENTER:
			in->active = false;
			return INPUT_DONE;
		default:
			return INPUT_IGNORED;
		}
	}
	if (key.code == TUI_KEY_LINEFEED || key.code == TUI_KEY_RETURN ||
	    key.code == TUI_KEY_ESC) {
		in->active = false;
		return key.code == TUI_KEY_ESC ? INPUT_CANCEL : INPUT_DONE;
	}
	switch (key.code) {
	case TUI_KEY_DEL:
	case TUI_KEY_CTRL_H:
		input_backspace(in);
		return INPUT_CHANGED;
	case TUI_KEY_CTRL_U:
		in->len = 0;
		in->text[0] = '\0';
		return INPUT_CHANGED;
	case TUI_KEY_TAB:
		if (in->complete_files &&
		    widget_complete_path(in->text, sizeof in->text)) {
			in->len = strlen(in->text);
			return INPUT_CHANGED;
		}
		return INPUT_MOVED;
	default:
		break;
	}
	if (key.code < TUI_KEY_SPACE || key.code == TUI_KEY_DEL)
		return INPUT_MOVED;
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)key.code, &st);
	if (n == (size_t)-1 || in->len + n >= sizeof in->text)
		return INPUT_MOVED;
	memcpy(in->text + in->len, mb, n);
	in->len += n;
	in->text[in->len] = '\0';
	return INPUT_CHANGED;
}

/* Draws an input line, scrolled so that its end shows. */
void widget_input_draw(WINDOW *win, int y, int x, int width, const char *prompt,
		       const struct widget_input *in, int attr)
{
	int used = widget_text(win, y, x, width, attr | A_BOLD, prompt);
	const char *shown = in->text;
	int room = width - used - 2;

	while (room > 0 && widget_width(shown) > room) {
		shown++;
		while ((*shown & 0xc0) == 0x80)
			shown++;
	}
	used += widget_text(win, y, x + used, width - used, attr, " ");
	used += widget_text(win, y, x + used, width - used, attr, shown);
	if (in->active && used < width)
		widget_text(win, y, x + used, 1, A_REVERSE, " ");
}

/* Completes a path from the entries of its directory. */
bool widget_complete_path(char *text, size_t size)
{
	char *slash = strrchr(text, '/');
	char *dir, *common = NULL;
	const char *base;
	size_t blen, clen = 0, matches = 0;
	bool is_dir = false, changed = false;
	DIR *d;
	struct dirent *e;

	if (slash) {
		dir = xstrndup(text, (size_t)(slash - text) + 1);
		base = slash + 1;
	} else {
		dir = xstrdup("./");
		base = text;
	}
	blen = strlen(base);
	d = opendir(dir);
	if (!d)
		goto out;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, base, blen) != 0 ||
		    strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (blen == 0 && e->d_name[0] == '.')
			continue;
		if (!common) {
			common = xstrdup(e->d_name);
			clen = strlen(common);
		} else {
			size_t i = 0;

			while (i < clen && common[i] == e->d_name[i])
				i++;
			clen = i;
			common[clen] = '\0';
		}
		matches++;
	}
	closedir(d);
	if (matches == 0 || clen < blen)
		goto out;
	if (matches == 1) {
		char *full = xasprintf("%s%s", dir, common);
		struct stat sb;

		is_dir = stat(full, &sb) == 0 && S_ISDIR(sb.st_mode);
		free(full);
	}
	{
		size_t prefix = slash ? (size_t)(slash - text) + 1 : 0;

		if (prefix + clen + (is_dir ? 1 : 0) + 1 > size)
			goto out;
		changed = clen > blen || is_dir;
		memcpy(text + prefix, common, clen);
		text[prefix + clen] = '\0';
		if (is_dir)
			strcat(text, "/");
	}
out:
	free(common);
	free(dir);
	return changed;
}

/* The mark that starts every row a long line continues on. */
#define WIDGET_CONTINUED "\xe2\x86\xb3 " /* U+21B3 and a space */

/* The byte length of the longest prefix of text that fits in width
 * columns (at least one character, so that a row always moves on). */
static size_t fit_bytes(const char *text, int width)
{
	size_t len = strlen(text), used = 0;
	int cols = 0;
	mbstate_t st;

	memset(&st, 0, sizeof st);
	while (used < len) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, text + used, len - used, &st);
		int cw;

		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			r = 1;
			cw = 1;
			memset(&st, 0, sizeof st);
		} else {
			cw = wcwidth(wc);
			if (cw < 0)
				cw = 1;
		}
		if (cols + cw > width && used > 0)
			break;
		cols += cw;
		used += r;
	}
	return used;
}

/* Reads a yes/no answer. */
bool widget_key_yes(struct tui_key key)
{
	/* TRANSLATORS: the letter that answers "yes" to a question
	 * (besides y). */
	const char *yes = _("y");

	return !key.fkey && (key.code == 'y' || key.code == 'Y' ||
			     (wint_t)(unsigned char)yes[0] == key.code);
}

/* Makes the pad a pager's content is drawn into. */
WINDOW *widget_pager_pad(int rows, int cols)
{
	return newpad(rows > 0 ? rows : 1, cols > 0 ? cols : 1);
}

/* Keeps the scroll position inside the content. */
static void pager_clamp(struct widget_pager *p)
{
	if (p->scroll > p->total - p->height)
		p->scroll = p->total - p->height;
	if (p->scroll < 0)
		p->scroll = 0;
}

/* Copies the visible rows of the pad into the window. */
void widget_pager_show(struct widget_pager *p, WINDOW *pad, int total,
		       WINDOW *win, int y, int height, int attr)
{
	int cols = getmaxx(win), shown;

	p->total = total;
	p->height = height;
	pager_clamp(p);
	shown = total - p->scroll < height ? total - p->scroll : height;
	if (pad && shown > 0)
		copywin(pad, win, p->scroll, 0, y, 0, y + shown - 1,
			cols - 1 < getmaxx(pad) - 1 ? cols - 1
						    : getmaxx(pad) - 1,
			FALSE);
	if (pad)
		delwin(pad);
	if (p->more && p->scroll + height < total) {
		wmove(win, y + height - 1, 0);
		wclrtoeol(win);
		widget_text(win, y + height - 1, 1, cols - 2, attr, _(p->more));
	}
}

/* Brings a row into view. */
void widget_pager_reveal(struct widget_pager *p, int row, int height)
{
	/* The last row may say "more below": keep clear of it. */
	if (row >= p->scroll && row < p->scroll + height - 2)
		return;
	p->scroll = row > 2 ? row - 2 : 0;
}

/* Moves the scroll position for a navigation command. */
bool widget_pager_key(struct widget_pager *p, enum command cmd)
{
	/* A page keeps one row in view; two when the "more" line hides
	 * the last. */
	int page = p->height - (p->more ? 2 : 1);

	if (page < 1)
		page = 1;
	switch (cmd) {
	case CMD_UP:
		p->scroll--;
		break;
	case CMD_DOWN:
		if (p->scroll + p->height < p->total)
			p->scroll++;
		break;
	case CMD_PAGE_UP:
		p->scroll -= page;
		break;
	case CMD_PAGE_DOWN:
		p->scroll += page;
		break;
	case CMD_TOP:
		p->scroll = 0;
		break;
	case CMD_BOTTOM:
		p->scroll = p->total;
		break;
	default:
		return false;
	}
	pager_clamp(p);
	return true;
}

/* Draws a line broken wherever it passes the width. */
int widget_wrap_hard(WINDOW *win, int y, int x, int width, int max_y, int skip,
		     int attr, int mark_attr, const char *text)
{
	int mark = widget_width(WIDGET_CONTINUED), rows = 0;
	const char *p = text;

	if (width <= mark)
		return 0;
	do {
		int avail = rows == 0 ? width : width - mark;
		size_t n = fit_bytes(p, avail);

		/* Break after a space in the second half of the row when
		 * there is one, so that words stay whole; the rows joined
		 * give the line back exactly. */
		if (p[n]) {
			size_t k = n;

			while (k > n / 2 && p[k - 1] != ' ')
				k--;
			if (k > n / 2)
				n = k;
		}
		int row = y + rows - skip;

		if (rows >= skip && row < max_y) {
			char *part = xstrndup(p, n);

			if (rows == 0) {
				widget_text(win, row, x, width, attr, part);
			} else {
				widget_text(win, row, x, mark, mark_attr,
					    WIDGET_CONTINUED);
				widget_text(win, row, x + mark, avail, attr,
					    part);
			}
			free(part);
		}
		p += n;
		rows++;
	} while (*p);
	return rows;
}
