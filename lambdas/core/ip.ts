/**
 * IP addresses as their parts, for networks (session_anomaly's /24 and /48) and for cutting an
 * address to its network (a tenant's `privacy.ipTruncate`). IPv4-mapped IPv6 counts as IPv4.
 */
export type IpParts = { family: 4; octets: string[] } | { family: 6; groups: string[] };

export function ipParts(ip: string | null | undefined): IpParts | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip);
  if (v4) return { family: 4, octets: v4.slice(1, 5) };
  if (!ip.includes(':') || !/^[0-9a-f:]+$/i.test(ip)) return null;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  if (groups.length !== 8 || groups.some((g) => g.length > 4)) return null;
  return { family: 6, groups: groups.map((g) => g.replace(/^0+(?=.)/, '')) };
}

/** The address's first `v4Bits` (24 or 16) or `v6Bits` (48 or 32) bits, the rest zero: `198.51.100.0`, `2001:db8:abcd::`; null when it is not an IP. */
export function truncateIp(ip: string | null | undefined, v4Bits: 24 | 16, v6Bits: 48 | 32): string | null {
  const p = ipParts(ip);
  if (!p) return null;
  if (p.family === 4) return [...p.octets.slice(0, v4Bits / 8), ...Array(4 - v4Bits / 8).fill('0')].join('.');
  return `${p.groups.slice(0, v6Bits / 16).join(':')}::`;
}
