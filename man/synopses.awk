# SPDX-License-Identifier: GPL-3.0-or-later
# Puts each command's synopsis, as `dmarcpilot --help=man` prints it
# from the one command table, in place of its marker line
# `.\" @synopsis WORDS` in the manual's source, so that the manual,
# --help and the usage errors cannot disagree. Fails, naming it, on a
# marker without a command and on a command without a marker.
#
#   awk -f synopses.awk GENERATED MANUAL.in
function marker(line) {
	return substr(line, 1, 14) == ".\\\" @synopsis " ? substr(line, 15) : ""
}
FNR == NR {
	key = marker($0)
	if (key != "") {
		order[++n] = key
		block[key] = ""
	} else {
		block[current] = block[current] $0 "\n"
	}
	if (key != "")
		current = key
	next
}
{
	key = marker($0)
	if (key == "") {
		print
		next
	}
	if (!(key in block)) {
		printf "%s:%d: no command \"%s\" in --help=man\n", FILENAME, FNR, key > "/dev/stderr"
		bad = 1
		next
	}
	printf "%s", block[key]
	used[key] = 1
}
END {
	for (i = 1; i <= n; i++)
		if (!(order[i] in used)) {
			printf "%s: no \".\\\" @synopsis %s\" line for the command\n", FILENAME, order[i] > "/dev/stderr"
			bad = 1
		}
	exit bad
}
