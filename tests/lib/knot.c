/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lib/daemon.h"
#include "lib/knot.h"
#include "lib/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Whether knotd is installed. */
bool knot_available(void)
{
	return testenv_program("KNOTD") != NULL;
}

/* Writes the configuration, starts knotd, waits for the zone. */
bool knot_start(struct knot_server *k, const char *zone, const char *ip,
		int port, const char *primary_ip)
{
	const char *knotd = testenv_program("KNOTD");
	char *conf, *conf_path, *log;
	const char *argv[4];

	memset(k, 0, sizeof *k);
	if (!knotd) {
		fprintf(stderr, "knotd is not installed\n");
		return false;
	}
	k->dir = testenv_mkdtemp();
	k->port = port;
	k->address = xasprintf("%s:%d", ip, port);
	conf = xasprintf("server:\n"
			 "  listen: %s@%d\n"
			 "  rundir: \"%s\"\n"
			 "  pidfile: \"%s/knot.pid\"\n"
			 "log:\n"
			 "  - target: stderr\n"
			 "    any: info\n"
			 "database:\n"
			 "  storage: \"%s\"\n"
			 "remote:\n"
			 "  - id: primary\n"
			 "    address: %s@%d\n"
			 "acl:\n"
			 "  - id: notify_from_primary\n"
			 "    address: %s\n"
			 "    action: notify\n"
			 "template:\n"
			 "  - id: default\n"
			 "    storage: \"%s\"\n"
			 "zone:\n"
			 "  - domain: %s\n"
			 "    master: primary\n"
			 "    acl: notify_from_primary\n"
			 "    file: \"%s/%s.zone\"\n",
			 ip, port, k->dir, k->dir, k->dir, primary_ip, port,
			 primary_ip, k->dir, zone, k->dir, zone);
	conf_path = testenv_write_file(k->dir, "knot.conf", conf);
	free(conf);
	log = xasprintf("%s/knot.log", k->dir);
	argv[0] = knotd;
	argv[1] = "-c";
	argv[2] = conf_path;
	argv[3] = NULL;
	k->pid = daemon_spawn(argv, log);
	free(conf_path);
	/* It serves the zone once the first transfer is done. */
	if (daemon_wait_zone(k->pid, "knotd", log, ip, port, zone)) {
		free(log);
		return true;
	}
	free(log);
	knot_stop(k);
	return false;
}

/* Stops knotd and cleans up. */
void knot_stop(struct knot_server *k)
{
	daemon_stop(k->pid);
	k->pid = 0;
	if (k->dir) {
		testenv_rmdir(k->dir);
		free(k->dir);
		k->dir = NULL;
	}
	free(k->address);
	k->address = NULL;
}
