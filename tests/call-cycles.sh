#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# DESIGN.md section 1: no call cycles between the files of the engine.
# From the objects of libcore.a (nm), file A calls file B when A leaves
# undefined a function B defines; a cycle of such calls (A -> B -> ... ->
# A) is printed, one file and the functions it calls per line, and the
# check fails.
build=${top_builddir:-.}
lib=$build/src/core/libcore.a
if [ ! -f "$lib" ]; then
	echo "FAIL: $lib not built"
	exit 1
fi
nm -A "$lib" 2>/dev/null | awk '
# "lib.a:file.o:ADDR T sym" or "lib.a:file.o:   U sym"
{
	n = split($1, p, ":")
	obj = p[n - 1]
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
	if (bad) { print "FAIL: call cycles between files of src/core"; exit 1 }
	print "no call cycles between files of src/core"
}'
