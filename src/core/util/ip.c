/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "util/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Bits in an address of the family. */
int ip_family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Strict IPv4: four decimal octets without leading zeros. */
static bool parse_v4(const char *s, unsigned char out[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int digits = 0;

		if (i > 0) {
			if (*s != '.')
				return false;
			s++;
		}
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return false;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s - '0');
			s++;
			digits++;
		}
		if (digits == 0 || v > 255)
			return false;
		out[i] = (unsigned char)v;
	}
	return *s == '\0';
}

/* Parses an address with an optional prefix. */
bool ip_net_parse(const char *s, int family, struct ip_net *out)
{
	char buf[IP_NET_BUFSIZE];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof *out);
	if ((family == AF_INET || family == AF_UNSPEC) &&
	    parse_v4(buf, out->addr)) {
		out->family = AF_INET;
	} else if ((family == AF_INET6 || family == AF_UNSPEC) &&
		   strchr(buf, ':') &&
		   inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
	} else {
		return false;
	}
	out->prefix = ip_family_bits(out->family);
	if (slash) {
		const char *p = slash + 1;
		long v;
		char *end;

		/* RFC 7208 5.6: no leading zeros in a CIDR length. */
		if (!*p || (p[0] == '0' && p[1]) || *p < '0' || *p > '9')
			return false;
		v = strtol(p, &end, 10);
		if (*end || v < 0 || v > out->prefix)
			return false;
		out->prefix = (int)v;
	}
	return true;
}

/* Parses one address. */
bool ip_addr_parse(const char *s, struct ip_net *out)
{
	return !strchr(s, '/') && ip_net_parse(s, AF_UNSPEC, out);
}

/* Compares the leading bits of two addresses. */
bool ip_prefix_equal(const unsigned char *a, const unsigned char *b, int prefix)
{
	int bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (0xff << (8 - bits)) & 0xff) == 0;
}

/* Tests membership, mapping ::ffff:0:0/96 to IPv4. */
bool ip_net_contains(const struct ip_net *net, const struct ip_net *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff };

	if (net->family == addr->family)
		return ip_prefix_equal(net->addr, addr->addr, net->prefix);
	if (net->family == AF_INET && addr->family == AF_INET6 &&
	    memcmp(addr->addr, mapped, 12) == 0)
		return ip_prefix_equal(net->addr, addr->addr + 12, net->prefix);
	return false;
}

/* Formats a network. */
char *ip_net_format(const struct ip_net *net, char *buf)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(net->family, net->addr, addr, sizeof addr);
	if (net->prefix == ip_family_bits(net->family))
		snprintf(buf, IP_NET_BUFSIZE, "%s", addr);
	else
		snprintf(buf, IP_NET_BUFSIZE, "%s/%d", addr, net->prefix);
	return buf;
}

/* Splits a server as --resolver and the publish-server setting give it. */
bool ip_host_port(const char *s, char **host, int *port)
{
	const char *colon, *p;
	long v = 0;

	*host = NULL;
	*port = 0;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			return false;
		*host = xstrndup(s + 1, (size_t)(close - s - 1));
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		*host = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	}
	/* Digits only: no sign, no space, at most five of them. */
	for (p = colon ? colon + 1 : ""; *p >= '0' && *p <= '9' && v < 65536;
	     p++)
		v = v * 10 + (*p - '0');
	if (!**host ||
	    (colon && (p == colon + 1 || *p || v < 1 || v > 65535))) {
		free(*host);
		*host = NULL;
		return false;
	}
	*port = (int)v;
	return true;
}
