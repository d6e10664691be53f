#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# DESIGN.md section 1: who may include whom. Every `#include "..."` of a
# file under src/ is checked against the layer of the file and the layer
# of what it includes; each edge that is not allowed is printed as
# FILE:LINE with the rule it breaks, and the check fails.
#
# Layers (a file may always include its own folder):
#   util      nothing of ours
#   dns       util
#   providers util (the catalogue of sending services)
#   spf dmarc report mail   dns, util (mail: Authentication-Results)
#   dkim      dns, util, providers (selector discovery reads the
#             catalogue's dkim_selectors)
#   store     util and the domain types it stores: spf (flattened
#             includes), dkim (generated keys), report (the parsed
#             reports it imports), providers (a sender's mechanism)
#   plan audit  the domain folders, providers, store, util
#   export    the same and plan (it lays out the plan's records; plan
#             never includes export)
#   alert     util (the channels monitor sends through)
#   app       everything in core
#   cli       (src/cli*.[ch], src/cli/) app, core's public headers,
#             src/paths.h
#   screens   app, core's public headers, src/paths.h; never cli
#   main.c    the dispatcher: cli and the screens' entry points
#             (screens/tui.h, screens/demo.h)
#   src/paths.[ch], src/report_module.c   core's public headers
# Private headers (*_private.h, *_internal.h) are included only from
# their own folder.
top=${top_srcdir:-.}
cd "$top" || exit 2


# The layer of a path under src/ (a file, or what an include names,
# which is relative to src/ or src/core/).
layer() {
	case $1 in
	src/main.c) echo main ;;
	src/cli/* | src/cli*.c | src/cli*.h | cli/* | cli*.h) echo cli ;;
	src/screens/* | screens/*) echo screens ;;
	src/app/* | app/*) echo app ;;
	src/paths.* | paths.h | src/report_module.c) echo paths ;;
	src/core/*/*) p=${1#src/core/}; echo "${p%%/*}" ;;
	*/*) echo "${1%%/*}" ;;
	*) echo unknown ;;
	esac
}

# The layers a layer may include besides its own.
allowed() {
	domains='spf dkim dmarc report mail'
	case $1 in
	util) echo '' ;;
	dns | providers | alert) echo 'util' ;;
	spf | dmarc | report | mail) echo 'dns util' ;;
	dkim) echo 'dns util providers' ;;
	store) echo 'util spf dkim report providers' ;;
	plan | audit) echo "util dns providers store $domains" ;;
	export) echo "util dns providers store plan $domains" ;;
	app) echo "util dns providers store plan export audit alert $domains" ;;
	cli) echo "app paths util dns providers store plan export audit $domains" ;;
	screens) echo "app paths util dns providers store plan export audit $domains" ;;
	main) echo "cli screens app paths util dns providers store plan export audit $domains" ;;
	paths) echo "util dns providers store plan export audit $domains" ;;
	*) echo '' ;;
	esac
}

fail=0
tmp=${TMPDIR:-/tmp}/layering.$$
trap 'rm -f "$tmp"' EXIT INT TERM
find src -name '*.[ch]' | sort | while read -r file; do
	from=$(layer "$file")
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
	while IFS= read -r hit; do
		line=${hit%%:*}
		inc=$(printf '%s\n' "$hit" | sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/')
		# "config.h" is configure's: a config.h beside the file would
		# be found first (the quoted include searches the file's own
		# folder) and the build's settings would silently be missing.
		case $inc in config.h)
			if [ -f "$(dirname "$file")/config.h" ]; then
				echo "$file:$line: \"config.h\" finds $(dirname "$file")/config.h, not configure's config.h"
				echo x >> "$tmp"
			fi
			continue ;;
		esac
		# Headers of the file's own folder, named without one.
		case $inc in */*) ;; *)
			[ -f "$(dirname "$file")/$inc" ] && [ "$(dirname "$file")" != src ] &&
				continue ;;
		esac
		to=$(layer "$inc")
		# Private headers stay in their folder.
		case $inc in *_private.h | *_internal.h)
			if [ "$(dirname "$inc")" != "$(dirname "${file#src/core/}")" ] &&
			   [ "$(dirname "$inc")" != "$(dirname "${file#src/}")" ]; then
				echo "$file:$line: includes $inc, private to $(dirname "$inc")/"
				echo x >> "$tmp"
			fi
			continue ;;
		esac
		[ "$from" = "$to" ] && continue
		ok=no
		for a in $(allowed "$from"); do
			[ "$a" = "$to" ] && ok=yes
		done
		if [ $ok = no ]; then
			echo "$file:$line: $from may not include $to ($inc)"
			echo x >> "$tmp"
		fi
	done
done
# The database libraries belong to the store alone.
grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<\(sqlite3\|libpq-fe\)\.h>' \
	$(find src -name '*.[ch]' | grep -v '^src/core/store/' | sort) |
while IFS= read -r hit; do
	rest=${hit#*:}
	echo "${hit%%:*}:${rest%%:*}: only src/core/store/ talks to the" \
		"database: ${rest#*:}"
	echo x >> "$tmp"
done
if [ -s "$tmp" ]; then
	echo "FAIL: $(wc -l < "$tmp") include edges break the layering (DESIGN.md 1)"
	exit 1
fi
echo "include edges follow the layering"
exit 0
