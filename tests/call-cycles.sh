#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# DESIGN.md section 1: no call cycles between the files of the program.
# Over the objects of libcore.a, libapp.a and the program itself (the
# command line and the screens), named by their paths (src/cli/plan.o
# and src/screens/plan.o are two files), file A calls file B when A
# leaves undefined a function B defines; a cycle of such calls (A -> B
# -> ... -> A) is printed, one file and the functions it calls per
# line, and the check fails. A function defined twice counts where the
# link takes it from: the program's own object before an archive's.
build=${top_builddir:-.}
cd "$build" || exit 2
# The objects, as the build lists them (never stale ones of the tree).
objs=$(printf 'call-cycles-objects:\n\t@echo $(src_core_libcore_a_OBJECTS) $(src_app_libapp_a_OBJECTS) $(src_dmarcpilot_OBJECTS)\n' |
	MAKEFLAGS= MFLAGS= ${MAKE:-make} --no-print-directory -s -f Makefile -f - \
		call-cycles-objects)
if [ -z "$objs" ]; then
	echo "FAIL: no objects listed by $build/Makefile"
	exit 1
fi
for o in $objs; do
	if [ ! -f "$o" ]; then
		echo "FAIL: $build/$o not built"
		exit 1
	fi
done
# shellcheck disable=SC2086
nm -A $objs 2>/dev/null | awk '
# "src/dir/file.o:ADDR T sym" or "src/dir/file.o:   U sym"
{
	split($1, p, ":")
	obj = p[1]
	type = $(NF - 1); sym = $NF
	if (type == "T") def[sym] = obj
	else if (type == "U") use[obj, sym] = 1
}
END {
	for (k in use) {
		split(k, q, SUBSEP)
		a = q[1]; s = q[2]
		if (!(s in def) || def[s] == a) continue
		b = def[s]
		if (!((a, b) in edge)) { edge[a, b] = s; succ[a] = succ[a] " " b }
		else if (index(" " edge[a, b] " ", " " s " ") == 0)
			edge[a, b] = edge[a, b] " " s
	}
	# Depth-first search from every file; a back edge is a cycle.
	bad = 0
	for (start in succ) {
		if (done[start]) continue
		top = 1; stack[1] = start; path[1] = start; onpath[start] = 1
		it[1] = 0
		while (top > 0) {
			v = stack[top]
			m = split(succ[v], nx, " ")
			it[top]++
			if (it[top] > m) {
				done[v] = 1; onpath[v] = 0; top--; continue
			}
			w = nx[it[top]]
			if (onpath[w]) {
				printf "cycle:"
				for (i = 1; i <= top; i++)
					if (seen || stack[i] == w) {
						seen = 1
						nxt = (i < top) ? stack[i + 1] : w
						printf " %s -(%s)->", stack[i], edge[stack[i], nxt]
					}
				printf " %s\n", w
				seen = 0; bad++
				continue
			}
			if (done[w]) continue
			top++; stack[top] = w; onpath[w] = 1; it[top] = 0
		}
	}
	if (bad) { print "FAIL: call cycles between files of src/"; exit 1 }
	print "no call cycles between files of src/"
}'
