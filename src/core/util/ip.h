/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IPv4 and IPv6 addresses and networks (SPF ip4/ip6, senders, report
 * sources). */
#ifndef DMARCPILOT_IP_H
#define DMARCPILOT_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* An address with a prefix length; a single address has 32 or 128. */
struct ip_net {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network order; IPv4 in the first 4 */
	int prefix;             /* 0..32 or 0..128 */
};

#define IP_NET_BUFSIZE 64 /* enough for "ffff:...:ffff/128" and NUL */

/* Parses "ADDR" or "ADDR/PREFIX". family is AF_INET, AF_INET6 or
 * AF_UNSPEC (either). Host bits may be set (SPF allows it, RFC 7208 5.6).
 * Leading zeros in IPv4 octets and out-of-range prefixes are refused. */
bool ip_net_parse(const char *s, int family, struct ip_net *out);

/* Parses a single address (no prefix). */
bool ip_addr_parse(const char *s, struct ip_net *out);

/* True if addr (its full address) is inside net; an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) matches IPv4 networks (RFC 7208 5). */
bool ip_net_contains(const struct ip_net *net, const struct ip_net *addr);

/* True if the first prefix bits of a and b are equal. */
bool ip_prefix_equal(const unsigned char *a, const unsigned char *b,
		     int prefix);

/* Formats "ADDR" when the prefix is the full length, else "ADDR/PREFIX";
 * buf holds IP_NET_BUFSIZE bytes. Returns buf. */
char *ip_net_format(const struct ip_net *net, char *buf);

/* The number of bits of the family: 32 or 128. */
int ip_family_bits(int family);

/* Splits "HOST[:PORT]", "V6" or "[V6][:PORT]" into a host (caller
 * frees) and a port, 0 when none is given. False, with *host NULL, when
 * the host is empty, a bracket is not closed, or the port is not 1 to
 * 65535 in decimal digits. The host is not checked further. */
bool ip_host_port(const char *s, char **host, int *port);

#endif
