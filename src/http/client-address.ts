/**
 * Who an anonymous caller is, by address (`TRUST_PROXY`). Without trusted proxies the caller is the socket's peer,
 * and `X-Forwarded-For` is ignored: anyone can write that header. Behind a load balancer every request's peer is the
 * balancer, so every anonymous caller would share one rate limit; with the balancer's addresses in `TRUST_PROXY`, a
 * request from one of them is keyed by the address its `X-Forwarded-For` names — walked from the right (the hop
 * nearest the gateway, the only one a trusted proxy wrote for sure), skipping trusted proxies, and stopping at the
 * first address that is not one. Everything left of that is the client's own say, never trusted.
 */
import { isIP, type BlockList } from 'node:net';

/** `::ffff:10.0.0.1` → `10.0.0.1`, as IPv4 callers appear on a dual-stack socket. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped !== null ? mapped[1]! : address;
}

function trusted(proxies: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The caller's address: the peer, or (from a trusted proxy) the first untrusted hop of `X-Forwarded-For`. */
export function clientAddress(peer: string | undefined, forwardedFor: string | null | undefined, proxies: BlockList | undefined): string | undefined {
  if (peer === undefined) return undefined;
  let address = plain(peer);
  if (proxies === undefined || !trusted(proxies, address) || !forwardedFor) return address;
  const hops = forwardedFor.split(',').map((hop) => plain(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    // A hop that is no address at all: the chain is broken here; the last proxy that wrote sense is the caller.
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!trusted(proxies, hop)) return hop;
  }
  return address;
}

/** The peer address of a request served by `node:http` (Yoga's server context holds the IncomingMessage as `req`). */
export function peerAddressOf(serverContext: unknown): string | undefined {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: unknown } } } | undefined)?.req;
  const address = req?.socket?.remoteAddress;
  return typeof address === 'string' ? address : undefined;
}

/** The caller's address for a Yoga request: `request` for its headers, `serverContext` for its socket. */
export function requestAddress(request: Request, serverContext: unknown, proxies: BlockList | undefined): string | undefined {
  return clientAddress(peerAddressOf(serverContext), request.headers.get('x-forwarded-for'), proxies);
}
