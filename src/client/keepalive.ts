// What keeps the process alive while a client connection waits for something (a reply, a handshake, a flush), for
// all connections at once: their sockets stay unref'd, and one shared interval timer is ref'd while at least one of
// them is busy. Ref'ing and unref'ing each socket around every call cost two calls into the socket handle per call
// (about 350 instructions under callgrind); with several proxies in use the count seldom reaches zero, so the
// timer is seldom toggled, and toggling it is bookkeeping in JavaScript unless it is the only ref'd timer.

let busy = 0;
let timer: NodeJS.Timeout | null = null;

function noop(): void {}

/** One more busy connection: the process stays alive until as many `release()`s. */
export function hold(): void {
  if (busy++ === 0) (timer ??= setInterval(noop, 0x3fffffff)).ref();
}

/** A busy connection went idle or closed. */
export function release(): void {
  if (--busy === 0) timer!.unref();
}

/** How many connections hold the process now (tests). */
export function busyConnections(): number {
  return busy;
}
