// Who a request comes from, as the limits count it. The socket's peer, unless that peer is a proxy
// listed in TRUSTED_PROXIES: then the right-most address in X-Forwarded-For that no trusted proxy
// wrote, since each proxy appends the address it was called from and only those hops can be believed.
// An IPv6 client counts by its /64, the block one subscriber is given: any address within it is the
// same client.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Subnet } from '@hello-trace/env';

/** The key a request's client is counted under: an IPv4 address, or an IPv6 /64 such as `2001:db8:0:1::/64`. */
export type ClientKey = (request: IncomingMessage) => string;

/** The proxies whose X-Forwarded-For is believed; none when the list is empty. */
export function trustedProxies(subnets: readonly Subnet[]): BlockList | undefined {
  if (subnets.length === 0) return undefined;
  const list = new BlockList();
  for (const { address, prefix, family } of subnets) list.addSubnet(address, prefix, family);
  return list;
}

/** The client key of each request, behind these trusted proxies. */
export function clientKeys(trusted: BlockList | undefined): ClientKey {
  return (request) => keyOf(clientAddress(request, trusted));
}

/** The client's address: the socket's peer, or behind trusted proxies the right-most hop none of them wrote. */
export function clientAddress(request: IncomingMessage, trusted: BlockList | undefined): string {
  const peer = plainAddress(request.socket.remoteAddress ?? '');
  if (!isTrusted(trusted, peer)) return peer;
  let client = peer;
  for (const hop of forwardedFor(request).toReversed()) {
    const address = plainAddress(hop);
    // Not an address: no trusted proxy wrote it, and nothing left of it can be believed.
    if (!isIP(address)) break;
    client = address;
    if (!isTrusted(trusted, address)) break;
  }
  return client;
}

/** Whether `address` (as plainAddress gives it) is one of the trusted proxies. */
export function isTrusted(trusted: BlockList | undefined, address: string): boolean {
  const family = isIP(address);
  return trusted !== undefined && family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Every hop of every X-Forwarded-For header, left to right. */
function forwardedFor(request: IncomingMessage): string[] {
  const header = request.headers['x-forwarded-for'];
  return (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => hop.trim());
}

/**
 * An address without what may come with it: the brackets and port of `[2001:db8::1]:443` or the port
 * of `192.0.2.1:443` (some proxies write them), an IPv6 zone; an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, a dual-stack socket's peer) as the IPv4 address it is.
 */
export function plainAddress(address: string): string {
  const plain = (address.match(/^\[([^\]]+)\](?::\d+)?$/)?.[1] ?? address.replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1'))
    .replace(/%.*$/, '')
    .toLowerCase();
  return plain.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/)?.[1] ?? plain;
}

/** The key of a client at `address`: an IPv4 address as it is, an IPv6 address as its /64. */
export function keyOf(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address).slice(0, 4);
  return `${groups.map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, `::` and a dotted IPv4 tail written out. */
function ipv6Groups(address: string): number[] {
  const dotted = address.match(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  const text = dotted
    ? address.slice(0, dotted.index) +
      [1, 3].map((at) => ((Number(dotted[at]) << 8) | Number(dotted[at + 1])).toString(16)).join(':')
    : address;
  const [head, tail] = text.split('::');
  const [left, right] = [groupsOf(head), tail === undefined ? [] : groupsOf(tail)];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
}

function groupsOf(part: string): string[] {
  return part ? part.split(':') : [];
}
